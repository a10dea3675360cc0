/**
 * Reminders and escalation (SPEC §5): what is due at an instant, to whom, and queuing it exactly once.
 *
 * `runDue(now)` asks the calendar for the reminder points of every active profile (profiles of the
 * units in the database, with the one-off deadlines an admin added) and, for each point still worth
 * sending, plans the messages of the nudge ladder for every unit of the point's level that has not
 * reported, then queues them in the outbox.
 *
 * Exactly once. Every message belongs to a key in `reminders_sent`:
 *   `<profile>|<subject>|<level>|<unit id>|<point id>`        the unit's private nudges and group reminders
 *   `<profile>|<subject>|<level>|parent:<id>|<point id>`      the progress line to a parent group
 *   `<profile>|<subject>|<level>|approver:<id>|<point id>`    the escalation to an approval unit's chairman
 *   `<profile>|<subject>|<level>|ready:<id>`                  "every child reported" (on submission)
 *   `<profile>|<subject>|<level>|*|<point id>`                the point was fully handled
 * where subject is the period key (`2026-Q4`) or `oneoff:<id>`. The key is inserted (ON CONFLICT DO
 * NOTHING … RETURNING) in the same transaction as the outbox rows, before them: a key another process
 * or an earlier run already holds is skipped, so a restart or a second instance never sends twice.
 *
 * Downtime. Each run looks back `lookbackDays` local days (default 7; no "last run" to coordinate
 * between instances) and, per deadline, takes only the LATEST point that has passed: older ones are
 * superseded (after a long outage a team hears once, not three times). That point is sent when it is
 * still live:
 *   - a `before` point while its deadline has not passed (now < dueAt), with the days left as of now;
 *   - an `overdue` point only on its own local day: it announces "the deadline passed today" and
 *     wakes the chairman; a day late it is dropped (/tiendo still shows who is missing).
 * Nothing goes out in quiet hours, catch-up included: a point missed while down and found at 21:30
 * waits for the first tick after quiet hours (an overdue point whose day ended meanwhile stays live
 * for the hour after quiet hours end, see calendar.overdueCatchUpEnd).
 * Points already marked handled are skipped without planning (and remembered in memory).
 *
 * Time: no date arithmetic here; instants and days come from src/domain/calendar.ts.
 */
import { sql } from 'kysely';
import type { Db } from '../db';
import type { Logger } from '../logger';
import {
  addLocalDays,
  allPointsBetween,
  isQuietAt,
  localDate,
  overdueCatchUpEnd,
  periodKey,
  startOfLocalDay,
  type Period,
  type ScheduledPoint,
} from '../domain/calendar';
import { levelIndex, parentLevel, teamRuleFor, type OneOffDeadline, type Profile } from '../domain/profile';
import { CAPABILITIES } from '../outbox/types';
import { PLATFORMS, type ChatRef, type Mention, type Outgoing, type Platform } from '../outbox/types';
import { enqueue } from '../outbox/store';
import { latestReports } from '../store/reports';
import {
  activeProfileIds,
  claimKeys,
  grantContacts,
  levelSnapshot,
  linksOfUnits,
  oneOffsByProfile,
  parentsAtLevel,
  recordedKeys,
  unitsById,
  type Contact,
  type GroupLink,
  type LevelSnapshotUnit,
  type LevelUnit,
} from '../store/reminders';
import type { Unit } from '../db/schema';
import { getProfile } from './profiles';
import { audienceOf, groupsUsed, route, usableGroups, type DeliveryPolicy } from './delivery';
import { PERIODIC, levelRollsUp } from './reporting';
import { isPostgres } from '../store/subtree';
import { kindsOf } from '../domain/rollup';
import { levelWord, MAX_LISTED, PointTexts, readyText } from './reminder-texts';

export const DEFAULT_LOOKBACK_DAYS = 7;
/** Most parents in one piece when a point is planned in pieces (runPoint): the IN list of a piece's reads. */
export const CHUNK_PARENTS = 100;
/**
 * About this many units per piece (a parent with more is a piece alone). Small enough that a
 * piece's rows, plan and texts die in the young generation: pieces of 10,000 villages outlived
 * several minor GCs each and filled the old generation (peak RSS 460–500 MB at 100,000 villages
 * against ~250 MB with pieces of 1,000), for no gain in time.
 */
export const PIECE_UNITS = 1_000;
/**
 * On PostgreSQL a piece costs its round trips more than its rows (5–8 queries, ~10 ms a piece at 1,000
 * units): bigger pieces there. Measured at 100,000 villages: 1,000 → 1.6 s and 237 MB, 4,000 → 1.2 s and
 * 264 MB, 10,000 → 1.05 s and 306 MB (npm run bench -- reminders).
 */
export const PIECE_UNITS_PG = 4_000;

/** Consecutive parents (in id order) in pieces of at most CHUNK_PARENTS parents and about `pieceUnits` units. */
export function piecesOf(parents: { ids: readonly number[]; sizes: readonly number[] }, pieceUnits = PIECE_UNITS): number[][] {
  const out: number[][] = [];
  let piece: number[] = [];
  let units = 0;
  for (let i = 0; i < parents.ids.length; i++) {
    const size = parents.sizes[i] ?? 0;
    if (piece.length && (piece.length >= CHUNK_PARENTS || units + size > pieceUnits)) {
      out.push(piece);
      piece = [];
      units = 0;
    }
    piece.push(parents.ids[i]!);
    units += size;
  }
  if (piece.length) out.push(piece);
  return out;
}

export interface ReminderDeps {
  db: Db;
  /** a profile by id (default: the shipped presets) */
  profile?: (id: string) => Profile;
  log?: Logger;
  /** how many local days back a run looks for points missed while down (default 7) */
  lookbackDays?: number;
  /** where units' messages go (ZALO_GROUPS=off), see app/delivery */
  delivery?: DeliveryPolicy;
}

export type ItemKind = 'unit' | 'parent' | 'approver';

/** Where one message of an item goes. */
export interface Recipient {
  chat: ChatRef;
  /** a private chat or a group */
  audience: 'private' | 'group';
}

/**
 * Messages that go out together under one key. The plan decides who gets what; the texts are
 * rendered by `render()` when the item is queued (so a run that loses the key to another instance
 * never renders them, and 100,000 texts are not held at once).
 */
export interface PlannedItem {
  key: string;
  kind: ItemKind;
  /** the missing unit, the parent told about progress, or the approval unit */
  unitId: number;
  unitName: string;
  to: Recipient[];
  /** the messages, one per recipient, in order */
  render(): Outgoing[];
}

export interface PointPlan {
  profile: string;
  point: ScheduledPoint;
  /** period key (`2026-Q4`) or `oneoff:<id>` */
  subject: string;
  expected: number;
  reported: number;
  missing: number;
  /** missing units without a linked group (listed to their parent, not silently skipped) */
  unreachable: { id: number; name: string }[];
  /** parents that should hear about missing children but have no linked group */
  parentsWithoutGroup: { id: number; name: string }[];
  items: PlannedItem[];
}

export interface PointRun {
  profile: string;
  key: string;
  at: Date;
  /** items whose key this run claimed */
  queuedItems: number;
  queuedMessages: number;
  /** items another run had already claimed */
  skippedItems: number;
  plan: PointPlan;
}

export interface RunResult {
  now: Date;
  points: PointRun[];
  messages: number;
}

const subjectOf = (sp: ScheduledPoint) => (sp.period ? periodKey(sp.period) : `oneoff:${sp.oneOffId}`);
const kindOf = (sp: ScheduledPoint) => (sp.period ? PERIODIC : `oneoff:${sp.oneOffId}`);
const isPlatform = (p: string): p is Platform => (PLATFORMS as readonly string[]).includes(p);

function keyOf(profile: string, sp: ScheduledPoint, who: string): string {
  return `${profile}|${subjectOf(sp)}|${sp.level}|${who}|${sp.point.id}`;
}

/** The key marking a point as fully handled. */
export function doneKey(profile: string, sp: ScheduledPoint): string {
  return keyOf(profile, sp, '*');
}

/**
 * Is a point that has passed still worth sending at `now`? (see the module comment) With the
 * profile's reminder settings, an overdue point whose day ended in quiet hours stays live until the
 * hour after quiet hours end (it was deferred, not dropped).
 */
export function isLive(sp: ScheduledPoint, now: Date, tz: string, reminders?: Profile['reporting']['reminders']): boolean {
  if (sp.point.kind === 'before') return now.getTime() < sp.point.dueAt.getTime();
  if (now.getTime() < sp.point.at.getTime()) return false;
  if (localDate(now, tz) === localDate(sp.point.at, tz)) return true;
  return !!reminders && now.getTime() < overdueCatchUpEnd(reminders, sp.point.at, tz).getTime();
}

/** Per deadline (level and period, or one-off), the latest of the points given; sorted by time. */
export function latestPerDeadline(points: ScheduledPoint[]): ScheduledPoint[] {
  const byDeadline = new Map<string, ScheduledPoint>();
  for (const sp of points) {
    const deadline = sp.key.slice(0, sp.key.lastIndexOf('/'));
    const prev = byDeadline.get(deadline);
    if (!prev || prev.point.at.getTime() <= sp.point.at.getTime()) byDeadline.set(deadline, sp);
  }
  return [...byDeadline.values()].sort((a, b) => a.point.at.getTime() - b.point.at.getTime() || a.key.localeCompare(b.key));
}

function mentionsFor(people: readonly Contact[], platform: Platform): Mention[] {
  if (!CAPABILITIES[platform].mentions) return [];
  const out: Mention[] = [];
  for (const p of people) {
    const id = p.identities.find((i) => i.platform === platform);
    if (id) out.push({ userId: id.externalId, name: p.name });
  }
  return out;
}

function message(chat: GroupLink | { platform: string; chatId: string }, text: string, mentions: Mention[], context?: Outgoing['context']): Outgoing | undefined {
  if (!isPlatform(chat.platform)) return undefined;
  const m: Outgoing = { chat: { platform: chat.platform, id: chat.chatId }, text };
  if (mentions.length) m.mentions = mentions;
  if (context) m.context = context;
  return m;
}

/** An item whose few messages are rendered already (progress lines, the chairman). */
function eager(key: string, kind: ItemKind, unitId: number, unitName: string, messages: Outgoing[], audience: Recipient['audience']): PlannedItem {
  return { key, kind, unitId, unitName, to: messages.map((m) => ({ chat: m.chat, audience })), render: () => messages };
}

/** The first planned item sending a message to each group (built once per plan: a lookup per chairman, not a scan of every item). */
class GroupIndex {
  private readonly first = new Map<string, PlannedItem>();

  constructor(items: readonly PlannedItem[]) {
    for (const x of items) this.add(x);
  }

  add(x: PlannedItem): void {
    for (const r of x.to) {
      if (r.audience !== 'group') continue;
      const k = `${r.chat.platform}\u0000${r.chat.id}`;
      if (!this.first.has(k)) this.first.set(k, x);
    }
  }

  /** Does a planned item already send a message to this group? */
  get(g: GroupLink): PlannedItem | undefined {
    return this.first.get(`${g.platform}\u0000${g.chatId}`);
  }
}

/** Appends a line (and mentions) to the planned message for this group; false when none goes there. */
function addressInPlannedMessage(planned: GroupIndex, g: GroupLink, line: string, mentions: Mention[]): boolean {
  const item = planned.get(g);
  if (!item) return false;
  const render = item.render.bind(item);
  item.render = () =>
    render().map((m) => {
      if (m.chat.platform !== g.platform || m.chat.id !== g.chatId) return m;
      const out: Outgoing = { ...m, text: `${m.text}\n${line}` };
      const all = [...(m.mentions ?? []), ...mentions.filter((x) => !(m.mentions ?? []).some((y) => y.userId === x.userId))];
      if (all.length) out.mentions = all;
      return out;
    });
  return true;
}

/** `keyOf` for many units of one point: the fixed parts joined once. */
function keyMaker(profile: string, sp: ScheduledPoint): (who: string) => string {
  const head = `${profile}|${subjectOf(sp)}|${sp.level}|`;
  const tail = `|${sp.point.id}`;
  return (who) => head + who + tail;
}

function withRecipient(to: Recipient[] | undefined, r: Recipient): Recipient[] {
  if (!to) return [r];
  to.push(r);
  return to;
}

function hasRecipient(to: readonly Recipient[], platform: string, id: string): boolean {
  for (const r of to) if (r.chat.platform === platform && r.chat.id === id) return true;
  return false;
}

/** What every unit item of one plan shares to render its texts. */
interface UnitTexts {
  texts: PointTexts;
  role: 'leaders' | 'officers';
  parents: Map<number, LevelUnit>;
  /** parents that already sent their roll-up up */
  sentUp: Set<number>;
  subject: string;
  periodic: boolean;
  contactsOf(u: LevelSnapshotUnit): readonly Contact[];
}

/** A missing unit's private nudges and group reminders (steps 1–2), rendered when queued. */
class UnitItem implements PlannedItem {
  readonly kind = 'unit' as const;
  readonly unitId: number;
  readonly unitName: string;

  constructor(
    readonly key: string,
    private readonly u: LevelSnapshotUnit,
    readonly to: Recipient[],
    private readonly shared: UnitTexts,
  ) {
    this.unitId = u.id;
    this.unitName = u.name;
  }

  render(): Outgoing[] {
    const { u, shared: c } = this;
    const people = c.contactsOf(u);
    const parentName = u.parentId !== null ? c.parents.get(u.parentId)?.name : undefined;
    const parentSentUp = u.parentId !== null && c.sentUp.has(u.parentId);
    const context: Outgoing['context'] | undefined = c.periodic ? { flow: 'report', data: { unitId: u.id, period: c.subject } } : undefined;
    return this.to.map(({ chat, audience }) => {
      const m: Outgoing = {
        chat,
        text:
          audience === 'private'
            ? c.texts.private(u.name, parentName, parentSentUp)
            : c.texts.group(u.name, people, c.role, parentName, CAPABILITIES[chat.platform].groupNeedsReply && !!context, parentSentUp),
      };
      const mentions = audience === 'group' ? mentionsFor(people, chat.platform) : [];
      if (mentions.length) m.mentions = mentions;
      if (context) m.context = context;
      return m;
    });
  }
}

/** The reminder service: plans and runs points, remembering handled points between ticks. */
export class Reminders {
  private readonly done = new Set<string>();
  private readonly merged = new Map<string, { sig: string; profile: Profile }>();
  /** the points of the look-back window around one local day, per profile object (the calendar is the slow part of a tick) */
  private readonly dayPoints = new WeakMap<Profile, { day: string; points: ScheduledPoint[] }>();
  /** the texts of the point planned last (its pieces share them) */
  private lastTexts?: { profile: Profile; sp: ScheduledPoint; now: number; texts: PointTexts };
  readonly lookbackDays: number;

  constructor(private readonly deps: ReminderDeps) {
    this.lookbackDays = deps.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  }

  private get db(): Db {
    return this.deps.db;
  }

  /** The profiles in use, each with the one-off deadlines an admin added to it. */
  async activeProfiles(): Promise<Profile[]> {
    const [ids, extra] = await Promise.all([activeProfileIds(this.db), oneOffsByProfile(this.db)]);
    const load = this.deps.profile ?? getProfile;
    const out: Profile[] = [];
    for (const id of ids) {
      let base: Profile;
      try {
        base = load(id);
      } catch (e) {
        this.deps.log?.warn({ profile: id, err: (e as Error).message }, 'reminders: unknown profile, skipped');
        continue;
      }
      out.push(this.withOneOffs(base, extra.get(id) ?? []));
    }
    return out;
  }

  /** The same object for the same additions, so the calendar's per-profile memo keeps working. */
  private withOneOffs(base: Profile, added: OneOffDeadline[]): Profile {
    const known = new Set(base.reporting.oneOff.map((d) => d.id));
    const levels = new Set(base.levels.map((l) => l.key));
    const extra = added.filter((d) => !known.has(d.id) && levels.has(d.level));
    if (extra.length === 0) return base;
    const sig = JSON.stringify(extra);
    const hit = this.merged.get(base.id);
    if (hit && hit.sig === sig) return hit.profile;
    const profile: Profile = { ...base, reporting: { ...base.reporting, oneOff: [...base.reporting.oneOff, ...extra] } };
    this.merged.set(base.id, { sig, profile });
    return profile;
  }

  /**
   * Plans one point as the database stands: the units of its level that have not reported, and
   * the recipients of each enabled ladder step; texts (rendered when queued) speak as of `now`
   * (days left). No writes.
   */
  async planPoint(profile: Profile, sp: ScheduledPoint, now: Date, scope?: { parents: readonly number[] }): Promise<PointPlan> {
    const db = this.db;
    const ladder = profile.reporting.reminders.ladder;
    const level = sp.level;
    const subject = subjectOf(sp);
    const rule = teamRuleFor(profile, level);
    const deadline = sp.oneOffId ? profile.reporting.oneOff.find((d) => d.id === sp.oneOffId) : undefined;
    // a level that rolls up the level below is told /tonghop and /guilen (its own lines still go by /baocao)
    const rollsUp = !!sp.period && levelRollsUp(profile, level);
    // the pieces of one point share its texts (rendered once, filled per unit)
    let texts = this.lastTexts?.profile === profile && this.lastTexts.sp === sp && this.lastTexts.now === now.getTime() ? this.lastTexts.texts : undefined;
    if (!texts) {
      texts = new PointTexts(profile, level, sp.period ? { period: sp.period } : { title: deadline?.title ?? { vi: subject, en: subject } }, sp.point.dueAt, now, sp.point.kind, rollsUp);
      this.lastTexts = { profile, sp, now: now.getTime(), texts };
    }
    const overdue = sp.point.kind === 'overdue';

    const expected = await levelSnapshot(db, {
      profile: profile.id,
      level,
      period: subject,
      kind: kindOf(sp),
      roles: rule ? (rule.deputy.actsAsLeader ? ['leader', 'deputy'] : ['leader']) : null,
      ...(scope ? { parents: scope.parents } : {}),
    });
    const missing = expected.filter((u) => !u.reported);
    const plan: PointPlan = {
      profile: profile.id,
      point: sp,
      subject,
      expected: expected.length,
      reported: expected.length - missing.length,
      missing: missing.length,
      unreachable: [],
      parentsWithoutGroup: [],
      items: [],
    };
    if (missing.length === 0) return plan;

    // who answers for a unit: its team's leader (and deputy where the profile lets deputies act), else its officers
    const role: 'leaders' | 'officers' = rule ? 'leaders' : 'officers';
    const officers = rule ? undefined : await grantContacts(db, 'officer', missing.map((u) => u.id));
    const contactsOf = (u: LevelSnapshotUnit): readonly Contact[] => (officers ? (officers.get(u.id) ?? []) : u.contacts);
    const parentIds = [...new Set(missing.map((u) => u.parentId).filter((x): x is number => x !== null))];
    const parents = await unitsById(db, parentIds);
    // parents that already sent their roll-up up: a report sent now is still taken, after the roll-up
    const sentUp = new Set<number>();
    if (sp.period && parentIds.length) {
      for (const [id, r] of await latestReports(db, parentIds, subject, PERIODIC)) if (r.sentUp) sentUp.add(id);
    }
    const ctx: UnitTexts = { texts, role, parents, sentUp, subject, periodic: !!sp.period, contactsOf };
    const unitKey = keyMaker(profile.id, sp);

    // 1–2: the leader's private chat, then the unit's group — or, where no group of the unit is
    // usable (none linked, ZALO_GROUPS=off), the group's reminder in the leaders' private chats.
    // A point may concern 100,000 units: per unit, the recipients and one small item (texts are
    // rendered when queued); no closures or sets per unit.
    const policy = this.deps.delivery;
    for (const u of missing) {
      const people = contactsOf(u);
      // most units have one recipient: the array is made at its size on the first one
      let to: Recipient[] | undefined;
      const where = route(u.links, people, policy);
      if (ladder.privateMessage) {
        for (const p of people) {
          for (const id of p.identities) {
            if (!id.privateChatId || !isPlatform(id.platform) || (to && hasRecipient(to, id.platform, id.privateChatId))) continue;
            to = withRecipient(to, { chat: { platform: id.platform, id: id.privateChatId }, audience: 'private' });
          }
        }
      }
      if (ladder.group) {
        for (const p of where.privates) {
          if (!to || !hasRecipient(to, p.chat.platform, p.chat.id)) to = withRecipient(to, { chat: p.chat, audience: 'private' });
        }
        if (where.groups.length === 0 && !to) plan.unreachable.push({ id: u.id, name: u.name });
        for (const g of where.groups) to = withRecipient(to, { chat: g, audience: 'group' });
      }
      if (!to) continue;
      plan.items.push(new UnitItem(unitKey(String(u.id)), u, to, ctx));
    }

    // 3: the parent group's progress line (overdue list after the deadline)
    if (ladder.parentProgress && parentLevel(profile, level)) {
      // per parent: how many expected, the missing ones, and how many of each kind (thôn, khóm…)
      const byParent = new Map<number, { expected: number; missing: LevelSnapshotUnit[]; kinds: Map<string | null, number> }>();
      for (const u of expected) {
        if (u.parentId === null) continue;
        let e = byParent.get(u.parentId);
        if (!e) byParent.set(u.parentId, (e = { expected: 0, missing: [], kinds: new Map() }));
        e.expected++;
        e.kinds.set(u.kind, (e.kinds.get(u.kind) ?? 0) + 1);
        if (!u.reported) e.missing.push(u);
      }
      const unreachable = new Set(plan.unreachable.map((u) => u.id));
      const parentLinks = await linksOfUnits(db, parentIds);
      // a parent without a usable group hears it privately: its officers and team leaders
      const parentLevelKey = parentLevel(profile, level)!.key;
      const noGroup = parentIds.filter((pid) => usableGroups(parentLinks.get(pid) ?? [], policy).length === 0);
      const parentPeople = await audienceOf(db, noGroup.map((id) => ({ id, level: parentLevelKey, profile: profile.id })), 'officers', () => profile);
      for (const pid of parentIds) {
        const e = byParent.get(pid);
        const parent = parents.get(pid);
        if (!e || !parent || e.missing.length === 0) continue;
        const where = route(parentLinks.get(pid) ?? [], parentPeople.get(pid) ?? [], policy);
        if (where.groups.length === 0 && where.privates.length === 0) {
          plan.parentsWithoutGroup.push({ id: pid, name: parent.name });
          continue;
        }
        // lists show MAX_LISTED names and count the rest: format only those
        const named = (us: LevelSnapshotUnit[]) => us.slice(0, MAX_LISTED).map((u) => texts.unitWithPeople(u.name, contactsOf(u), role));
        const unreachHere = e.missing.filter((u) => unreachable.has(u.id));
        const nobodyHere = e.missing.filter((u) => contactsOf(u).length === 0);
        const text = texts.parent(
          parent.name,
          e.expected - e.missing.length,
          e.expected,
          named(e.missing),
          e.missing.length,
          named(unreachHere),
          unreachHere.length,
          { role, names: nobodyHere.slice(0, MAX_LISTED).map((u) => u.name), total: nobodyHere.length },
          levelWord(profile, level, kindsOf([...e.kinds])),
        );
        // mention the leaders named in the list (the list shows at most MAX_LISTED units)
        const listed = e.missing.slice(0, MAX_LISTED).flatMap((u) => contactsOf(u));
        const messages = where.groups.map((g): Outgoing => {
          const mentions = mentionsFor(listed, g.platform);
          return { chat: g, text, ...(mentions.length ? { mentions } : {}) };
        });
        const privately: Outgoing[] = where.privates.map((p) => ({ chat: p.chat, text }));
        plan.items.push({
          key: keyOf(profile.id, sp, `parent:${pid}`),
          kind: 'parent',
          unitId: pid,
          unitName: parent.name,
          to: [...messages.map((m) => ({ chat: m.chat, audience: 'group' as const })), ...privately.map((m) => ({ chat: m.chat, audience: 'private' as const }))],
          render: () => [...messages, ...privately],
        });
      }
    }

    // 4: the approver (chairman) of the approval level, after the deadline — only about units someone
    // can act for (a unit with no leader or officer is listed to its parent's group instead, above)
    if (overdue && ladder.approverAfterDeadline) {
      const canAct = missing.filter((u) => contactsOf(u).length > 0);
      const byApproval = await this.byAncestorAt(profile, level, profile.approval.level, canAct);
      if (byApproval.size) {
        const ids = [...byApproval.keys()];
        const [approvers, aUnits, aLinks] = await Promise.all([grantContacts(db, 'approver', ids), unitsById(db, ids), linksOfUnits(db, ids)]);
        const planned = new GroupIndex(plan.items);
        for (const [aid, list] of byApproval) {
          const aUnit = aUnits.get(aid);
          if (!aUnit) continue;
          const people = approvers.get(aid) ?? [];
          const text = texts.approver(aUnit.name, people, list.slice(0, MAX_LISTED).map((u) => texts.unitWithPeople(u.name, contactsOf(u), role)), list.length);
          const messages: Outgoing[] = [];
          let audience: 'private' | 'group' = 'private';
          for (const p of people) {
            for (const id of p.identities) {
              const m = id.privateChatId ? message({ platform: id.platform, chatId: id.privateChatId }, text, []) : undefined;
              if (m) messages.push(m);
            }
          }
          // nobody to reach privately: tell the approval unit's group, mentioning the chairman; where
          // that group already gets a message of this point (the progress line, its own reminder),
          // the chairman is addressed in that message instead of a second near-identical one
          if (messages.length === 0) {
            audience = 'group';
            for (const g of aLinks.get(aid) ?? []) {
              if (!isPlatform(g.platform) || !groupsUsed(g.platform, policy)) continue;
              if (people.length && addressInPlannedMessage(planned, g, texts.approverInGroup(people, list.slice(0, MAX_LISTED).map((u) => u.name), list.length), mentionsFor(people, g.platform))) continue;
              if (!people.length && planned.get(g)) continue;
              const m = message(g, text, mentionsFor(people, g.platform));
              if (m) messages.push(m);
            }
          }
          if (messages.length) {
            const item = eager(keyOf(profile.id, sp, `approver:${aid}`), 'approver', aid, aUnit.name, messages, audience);
            plan.items.push(item);
            planned.add(item);
          }
        }
      }
    }
    return plan;
  }

  /** Units grouped by their ancestor (or themselves) at another level, walking up parent links; none when that level is below. */
  private async byAncestorAt<U extends { id: number; parentId: number | null }>(profile: Profile, level: string, ancestorLevel: string, units: U[]): Promise<Map<number, U[]>> {
    const steps = levelIndex(profile, level) - levelIndex(profile, ancestorLevel);
    const out = new Map<number, U[]>();
    if (steps < 0) return out;
    // the ancestor of units[i] so far, walked up one level at a time
    const at: (number | null)[] = units.map((u) => (steps === 0 ? u.id : u.parentId));
    for (let i = 1; i < steps; i++) {
      const up = await unitsById(this.db, [...new Set(at.filter((x): x is number => x !== null))]);
      for (let k = 0; k < at.length; k++) at[k] = at[k] === null ? null : (up.get(at[k]!)?.parentId ?? null);
    }
    for (let k = 0; k < units.length; k++) {
      const id = at[k];
      if (id === null || id === undefined) continue;
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push(units[k]!);
    }
    return out;
  }

  /**
   * Queues a plan: per chunk of items, one transaction that first claims the items' keys and then
   * queues the messages of the keys it won. Returns the counts.
   */
  async commit(plan: PointPlan, at: Date, opts: { markDone?: boolean } = {}): Promise<{ queuedItems: number; queuedMessages: number; skippedItems: number }> {
    let queuedItems = 0;
    let queuedMessages = 0;
    let skippedItems = 0;
    const CHUNK = 250;
    for (let i = 0; i < plan.items.length; i += CHUNK) {
      const part = plan.items.slice(i, i + CHUNK);
      await this.db.transaction().execute(async (trx) => {
        const won = await claimKeys(trx, part.map((x) => x.key), at);
        const messages = part.filter((x) => won.has(x.key)).flatMap((x) => x.render());
        await enqueue(trx, messages, at);
        queuedItems += won.size;
        queuedMessages += messages.length;
        skippedItems += part.length - won.size;
      });
    }
    if (opts.markDone !== false) {
      await claimKeys(this.db, [doneKey(plan.profile, plan.point)], at);
      this.done.add(doneKey(plan.profile, plan.point));
    }
    return { queuedItems, queuedMessages, skippedItems };
  }

  /**
   * The pieces runPoint plans a point in (parents of the point's units, see piecesOf), or undefined
   * when the point is planned in one piece: a level with units without a parent, a point whose
   * chairmen sit above the parent level (overdue), or a level small enough for one piece.
   */
  async pieces(profile: Profile, sp: ScheduledPoint): Promise<number[][] | undefined> {
    const parent = parentLevel(profile, sp.level);
    const approverAbove =
      sp.point.kind === 'overdue' &&
      profile.reporting.reminders.ladder.approverAfterDeadline &&
      !!parent &&
      levelIndex(profile, profile.approval.level) < levelIndex(profile, parent.key);
    if (!parent || approverAbove) return undefined;
    const parents = await parentsAtLevel(this.db, profile.id, sp.level);
    if (parents.hasTop) return undefined;
    const pieces = piecesOf(parents, isPostgres(this.db) ? PIECE_UNITS_PG : PIECE_UNITS);
    return pieces.length > 1 ? pieces : undefined;
  }

  /**
   * Plans and queues a point in pieces of parents (`pieces`: their units, the progress lines to
   * them, their chairmen where the approval level is the parent level), so memory stays that of one
   * piece whatever the number of units; the same keys as one plan, the point marked handled after
   * the last piece (a crash midway resumes: the keys already claimed are skipped). A level with
   * units without a parent, or whose chairmen sit above the parent level on an overdue point, is
   * planned in one piece. The returned plan holds the counts and lists, not the items.
   */
  async runPoint(profile: Profile, sp: ScheduledPoint, now: Date): Promise<{ plan: PointPlan; queuedItems: number; queuedMessages: number; skippedItems: number }> {
    const pieces = await this.pieces(profile, sp);
    if (!pieces) {
      const plan = await this.planPoint(profile, sp, now);
      return { plan, ...(await this.commit(plan, now)) };
    }
    const total = { queuedItems: 0, queuedMessages: 0, skippedItems: 0 };
    let summary: PointPlan | undefined;
    for (const piece of pieces) {
      const part = await this.planPoint(profile, sp, now, { parents: piece });
      const c = await this.commit(part, now, { markDone: false });
      total.queuedItems += c.queuedItems;
      total.queuedMessages += c.queuedMessages;
      total.skippedItems += c.skippedItems;
      if (!summary) summary = { ...part, items: [] };
      else {
        summary.expected += part.expected;
        summary.reported += part.reported;
        summary.missing += part.missing;
        summary.unreachable.push(...part.unreachable);
        summary.parentsWithoutGroup.push(...part.parentsWithoutGroup);
      }
    }
    await claimKeys(this.db, [doneKey(profile.id, sp)], now);
    this.done.add(doneKey(profile.id, sp));
    return { plan: summary!, ...total };
  }

  /** Points with `now − lookbackDays < at <= now`, from a list computed once per local day. */
  private pointsInWindow(profile: Profile, now: Date): ScheduledPoint[] {
    const tz = profile.timezone;
    const day = localDate(now, tz);
    let cached = this.dayPoints.get(profile);
    if (!cached || cached.day !== day) {
      // (start of day − lookback − 1 day, start of day + 1 day] holds every window ending on this day
      const start = startOfLocalDay(now, tz);
      cached = { day, points: allPointsBetween(profile, addLocalDays(start, -(this.lookbackDays + 1), tz), addLocalDays(start, 1, tz)) };
      this.dayPoints.set(profile, cached);
    }
    const from = addLocalDays(now, -this.lookbackDays, tz).getTime();
    const to = now.getTime();
    return cached.points.filter((sp) => sp.point.at.getTime() > from && sp.point.at.getTime() <= to);
  }

  /** The points a run at `now` would handle (see the module comment), per profile, not yet marked handled. */
  async duePoints(now: Date): Promise<{ profile: Profile; point: ScheduledPoint }[]> {
    const out: { profile: Profile; point: ScheduledPoint }[] = [];
    for (const profile of await this.activeProfiles()) {
      // a catch-up never goes out in quiet hours: it waits for the first tick after them
      if (isQuietAt(profile.reporting.reminders, now, profile.timezone)) continue;
      const live = latestPerDeadline(this.pointsInWindow(profile, now)).filter((sp) => isLive(sp, now, profile.timezone, profile.reporting.reminders));
      const open = live.filter((sp) => !this.done.has(doneKey(profile.id, sp)));
      if (open.length === 0) continue;
      const recorded = await recordedKeys(this.db, open.map((sp) => doneKey(profile.id, sp)));
      for (const sp of open) {
        const k = doneKey(profile.id, sp);
        if (recorded.has(k)) this.done.add(k);
        else out.push({ profile, point: sp });
      }
    }
    return out;
  }

  /** The scheduler's one call: queue everything due at `now`, exactly once. `dryRun` plans without writing. */
  async runDue(now: Date, opts: { dryRun?: boolean } = {}): Promise<RunResult> {
    const result: RunResult = { now, points: [], messages: 0 };
    for (const { profile, point } of await this.duePoints(now)) {
      let plan: PointPlan;
      let counts;
      if (opts.dryRun) {
        plan = await this.planPoint(profile, point, now);
        const recorded = await recordedKeys(this.db, plan.items.map((x) => x.key));
        const fresh = plan.items.filter((x) => !recorded.has(x.key));
        counts = { queuedItems: fresh.length, queuedMessages: fresh.reduce((n, x) => n + x.to.length, 0), skippedItems: plan.items.length - fresh.length };
        result.points.push({ profile: profile.id, key: point.key, at: point.point.at, ...counts, plan });
      } else {
        const run = await this.runPoint(profile, point, now);
        plan = run.plan;
        counts = { queuedItems: run.queuedItems, queuedMessages: run.queuedMessages, skippedItems: run.skippedItems };
        result.points.push({ profile: profile.id, key: point.key, at: point.point.at, ...counts, plan });
      }
      result.messages += counts.queuedMessages;
      if (plan.unreachable.length || plan.parentsWithoutGroup.length) {
        this.deps.log?.warn(
          { profile: profile.id, point: point.key, unreachable: plan.unreachable.length, parentsWithoutGroup: plan.parentsWithoutGroup.length },
          'reminders: units without a linked group',
        );
      }
    }
    if (result.points.length) {
      this.deps.log?.info({ points: result.points.map((p) => ({ point: `${p.profile}/${p.key}`, messages: p.queuedMessages, skipped: p.skippedItems })) }, 'reminders queued');
    }
    return result;
  }

  /** Every point between two instants with what it would send as the database stands now (CLI `plan`). */
  async planBetween(from: Date, to: Date, onlyProfile?: string): Promise<PointPlan[]> {
    const out: PointPlan[] = [];
    for (const profile of await this.activeProfiles()) {
      if (onlyProfile && profile.id !== onlyProfile) continue;
      for (const sp of allPointsBetween(profile, from, to)) out.push(await this.planPoint(profile, sp, sp.point.at));
    }
    return out.sort((a, b) => a.point.point.at.getTime() - b.point.point.at.getTime() || a.point.key.localeCompare(b.point.key));
  }
}

/** One run at `now` with a fresh service (the CLI, tests). The scheduler keeps one Reminders. */
export async function runDue(deps: ReminderDeps, now: Date, opts: { dryRun?: boolean } = {}): Promise<RunResult> {
  return new Reminders(deps).runDue(now, opts);
}

/**
 * After a report was stored: when every expected child of the unit's parent has now reported for the
 * period, the parent's groups hear at once that the roll-up is ready to send up — once (its key is
 * claimed here, so call it inside the transaction that queues the returned messages, as the chat
 * core does).
 */
export async function afterReportStored(db: Db, profile: Profile, unit: Unit, period: Period, at: Date, policy?: DeliveryPolicy): Promise<Outgoing[]> {
  if (unit.parent_id === null || !parentLevel(profile, unit.level)) return [];
  const subject = periodKey(period);
  const rule = teamRuleFor(profile, unit.level);
  // the parent's groups, or its officers and leaders in private where it has none (app/delivery)
  const parentLinks = (await linksOfUnits(db, [unit.parent_id])).get(unit.parent_id) ?? [];
  const people = usableGroups(parentLinks, policy).length
    ? []
    : ((await audienceOf(db, [{ id: unit.parent_id, level: parentLevel(profile, unit.level)!.key, profile: profile.id }], 'officers', () => profile)).get(unit.parent_id) ?? []);
  const where = route(parentLinks, people, policy);
  const links = [...where.groups, ...where.privates.map((p) => p.chat)].map((c) => ({ platform: c.platform, chatId: c.id }));
  // nobody to tell: most reports are not the last of their siblings, so one cheap query decides:
  // siblings expected (with an active team where the level has teams) and reported
  if (links.length === 0) return [];
  const withTeam = rule ? sql`and exists (select 1 from teams t where t.unit_id = u.id and t.active = 1)` : sql``;
  const { rows } = await sql<{ kind: string | null; expected: number; reported: number | null; includes_self: number | null }>`
    select u.kind, count(*) as expected,
      sum(case when exists (select 1 from report_heads h where h.unit_id = u.id and h.period = ${subject}
        and h.kind = ${PERIODIC} and h.first_at is not null) then 1 else 0 end) as reported,
      max(case when u.id = ${unit.id} then 1 else 0 end) as includes_self
    from units u
    where u.parent_id = ${unit.parent_id} and u.level = ${unit.level} and u.active = 1 ${withTeam}
    group by u.kind`.execute(db);
  // one row per kind of sibling (thôn, khóm…)
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
  const expected = sum((r) => Number(r.expected));
  if (expected === 0 || sum((r) => Number(r.includes_self ?? 0)) !== 1 || sum((r) => Number(r.reported ?? 0)) < expected) return [];
  const kinds = kindsOf(rows.map((r) => [r.kind, Number(r.expected)]));
  const parent = (await unitsById(db, [unit.parent_id])).get(unit.parent_id);
  if (!parent) return [];
  const key = `${profile.id}|${subject}|${unit.level}|ready:${parent.id}`;
  if (!(await claimKeys(db, [key], at)).has(key)) return [];
  const parentUnitLevel = parentLevel(profile, unit.level)!.key;
  const canSendUp = !!parentLevel(profile, parentUnitLevel) && levelRollsUp(profile, parentUnitLevel);
  const text = readyText(profile, unit.level, period, parent.name, expected, canSendUp, kinds);
  return links.map((l) => message(l, text, [])).filter((m): m is Outgoing => !!m);
}
