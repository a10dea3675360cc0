/**
 * Reminders: the sent-reminders record (exactly once), admin-added one-off deadlines, and the batch
 * reads the planner needs for every unit of one level at once (a point may concern 100,000 villages,
 * so nothing here runs a query per unit).
 */
import { sql } from 'kysely';
import type { Db } from '../db';
import { isPostgres } from './subtree';
import type { OneOffDeadline } from '../domain/profile';

const CHUNK = 500;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

// ───────────────────────────── sent-reminders record ─────────────────────────────

/**
 * Claims keys: inserts each into reminders_sent unless already there and returns the ones this call
 * inserted. Call it inside the transaction that queues the messages, before queuing them: a key
 * another process claimed first is skipped, and a rollback releases the claim with the messages.
 */
export async function claimKeys(db: Db, keys: readonly string[], at: Date): Promise<Set<string>> {
  const won = new Set<string>();
  const ts = at.toISOString();
  for (const part of chunks([...new Set(keys)])) {
    const rows = await db
      .insertInto('reminders_sent')
      .values(part.map((key) => ({ key, sent_at: ts })))
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .execute();
    for (const r of rows) won.add(r.key);
  }
  return won;
}

/** Which of these keys are already recorded. */
export async function recordedKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks([...new Set(keys)])) {
    const rows = await db.selectFrom('reminders_sent').select('key').where('key', 'in', part).execute();
    for (const r of rows) out.add(r.key);
  }
  return out;
}

// ───────────────────────────── profiles in use, one-offs ─────────────────────────────

/** Profiles of the active units in the database: the ones the scheduler serves. */
export async function activeProfileIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('units').select('profile').where('active', '=', 1).distinct().orderBy('profile').execute();
  return rows.map((r) => r.profile);
}

export async function addOneOff(db: Db, profile: string, d: OneOffDeadline, at: Date): Promise<void> {
  await db
    .insertInto('oneoff_deadlines')
    .values({
      profile,
      id: d.id,
      level: d.level,
      title_vi: d.title.vi,
      title_en: d.title.en,
      due_local: d.dueLocal,
      source: d.source,
      created_at: at.toISOString(),
    })
    .execute();
}

export async function removeOneOff(db: Db, profile: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('oneoff_deadlines').where('profile', '=', profile).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Admin-added one-off deadlines, per profile id. */
export async function oneOffsByProfile(db: Db): Promise<Map<string, OneOffDeadline[]>> {
  const rows = await db.selectFrom('oneoff_deadlines').selectAll().orderBy('profile').orderBy('due_local').orderBy('id').execute();
  const out = new Map<string, OneOffDeadline[]>();
  for (const r of rows) {
    const list = out.get(r.profile) ?? [];
    list.push({ id: r.id, level: r.level, title: { vi: r.title_vi, en: r.title_en }, dueLocal: r.due_local, source: r.source });
    out.set(r.profile, list);
  }
  return out;
}

// ───────────────────────────── batch reads for one level ─────────────────────────────

/** A unit expected to report at a level, as a reminder point needs it. */
export interface LevelSnapshotUnit {
  id: number;
  name: string;
  parentId: number | null;
  /** the unit's own kind (thôn, khóm, ấp…), when the unit list gives one */
  kind: string | null;
  reported: boolean;
  /** team leaders (and the roles asked for), with identities; empty when no roles were asked */
  contacts: readonly Contact[];
  links: readonly GroupLink[];
}

/**
 * Every unit of a profile's level that is expected to report (with an active team when `roles` is
 * given — a level with teams — else every active unit), whether it has reported for the period
 * (some version sent up, as rollups.statusOf), its team's leaders with their identities and its
 * active group links. A point may concern 100,000 villages, so it is read in pieces: with
 * `parents`, the children of those parents through `units_level_parent` (migration 013) — one join
 * (a row per leader × identity × link) that touches only the piece's units, then their reports;
 * without, the whole level in ranges of unit ids so each range's rows die young. No ORDER BY over
 * the joined rows (small per-unit lists are sorted here).
 */
export async function levelSnapshot(
  db: Db,
  q: { profile: string; level: string; period: string; kind: string; roles: readonly string[] | null; parents?: readonly number[] },
): Promise<LevelSnapshotUnit[]> {
  const out = new Map<number, LevelSnapshotUnit>();
  const people = new Map<number, Contact>();
  if (q.parents) {
    for (const part of chunks(q.parents)) await snapshotRows(db, q, { parents: part }, out, people);
  } else {
    const bounds = await db
      .selectFrom('units')
      .select((eb) => [eb.fn.min('id').as('lo'), eb.fn.max('id').as('hi')])
      .where('profile', '=', q.profile)
      .where('level', '=', q.level)
      .where('active', '=', 1)
      .executeTakeFirst();
    const lo = Number(bounds?.lo ?? 1);
    const hi = Number(bounds?.hi ?? 0);
    for (let from = lo; from <= hi; from += SNAPSHOT_RANGE) {
      await snapshotRows(db, q, { from, to: Math.min(hi, from + SNAPSHOT_RANGE - 1) }, out, people);
    }
  }
  // who reported (some version sent up)
  if (q.parents) {
    for (const part of chunks(q.parents)) for (const id of await reportedOfParents(db, q, part)) out.get(id)!.reported = true;
  } else {
    for (const part of chunks([...out.keys()], REPORTED_CHUNK)) for (const id of await reportedOfUnits(db, q, part)) out.get(id)!.reported = true;
  }
  // a stable order without ORDER BY in SQL (a sort of every joined row costs more than these small ones)
  const byRole = (c: Contact) => (c.role === 'leader' ? 0 : 1);
  const units = [...out.values()].sort((a, b) => a.id - b.id);
  for (const u of units) {
    if (u.links.length > 1) u.links = [...u.links].sort((a, b) => a.platform.localeCompare(b.platform) || a.chatId.localeCompare(b.chatId));
    if (u.contacts.length > 1) u.contacts = [...u.contacts].sort((a, b) => byRole(a) - byRole(b) || a.personId - b.personId);
  }
  return units;
}

const SNAPSHOT_RANGE = 10_000;
const REPORTED_CHUNK = 1_000;

/**
 * The reported units (a version sent up: report_heads.first_at, kept by a trigger) among the children
 * of these parents. CROSS JOIN keeps SQLite's loop on the units (one head probed per unit);
 * PostgreSQL plans it freely.
 */
async function reportedOfParents(db: Db, q: { profile: string; level: string; period: string; kind: string }, parents: readonly number[]): Promise<number[]> {
  const rows = await db
    .selectFrom('units as u')
    .crossJoin('report_heads as h')
    .select('h.unit_id')
    .whereRef('h.unit_id', '=', 'u.id')
    .where('u.level', '=', q.level)
    .where('u.profile', '=', q.profile)
    .where('u.active', '=', 1)
    .where('u.parent_id', 'in', parents.length ? [...parents] : [-1])
    .where('h.period', '=', q.period)
    .where('h.kind', '=', q.kind)
    .where('h.first_at', 'is not', null)
    .execute();
  return rows.map((r) => r.unit_id);
}

/** The reported units among these (a correlated EXISTS per joined row cost a third of the whole read). */
async function reportedOfUnits(db: Db, q: { period: string; kind: string }, ids: readonly number[]): Promise<number[]> {
  const rows = await db
    .selectFrom('report_heads')
    .select('unit_id')
    .where('unit_id', 'in', [...ids])
    .where('period', '=', q.period)
    .where('kind', '=', q.kind)
    .where('first_at', 'is not', null)
    .execute();
  return rows.map((r) => r.unit_id);
}

/**
 * Runs a piece's joined read. On PostgreSQL, inside a transaction that prices random page reads as
 * on an SSD (1.1): with the default 4, the planner preferred hashing the whole teams and chat_links
 * tables for every piece (seq scans of 100,000 rows, 40 ms a piece) over the ~1,000 index probes a
 * piece needs (8 ms).
 */
async function pieceRead<T>(db: Db, read: (db: Db) => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return read(db);
  return db.transaction().execute(async (trx) => {
    await sql`set local random_page_cost = 1.1`.execute(trx);
    return read(trx);
  });
}

interface SnapshotRow {
  id: number;
  name: string;
  parent_id: number | null;
  kind: string | null;
  role?: string | null;
  pid?: number | null;
  pname?: string | null;
  ip?: string | null;
  ie?: string | null;
  ipc?: string | null;
  lp: string | null;
  lc: string | null;
}

async function snapshotRows(
  db: Db,
  q: { profile: string; level: string; roles: readonly string[] | null },
  scope: { parents: readonly number[] } | { from: number; to: number },
  out: Map<number, LevelSnapshotUnit>,
  people: Map<number, Contact>,
): Promise<void> {
  let base = db
    .selectFrom('units as u')
    .leftJoin('chat_links as l', (j) => j.onRef('l.unit_id', '=', 'u.id').on('l.active', '=', 1))
    .select(['u.id', 'u.name', 'u.parent_id', 'u.kind', 'l.platform as lp', 'l.chat_id as lc'])
    .where('u.profile', '=', q.profile)
    .where('u.level', '=', q.level)
    .where('u.active', '=', 1);
  base = 'parents' in scope ? base.where('u.parent_id', 'in', scope.parents.length ? [...scope.parents] : [-1]) : base.where('u.id', '>=', scope.from).where('u.id', '<=', scope.to);
  let rows: SnapshotRow[];
  if (q.roles) {
    const roles = [...q.roles];
    const joined = base
      .innerJoin('teams as t', (j) => j.onRef('t.unit_id', '=', 'u.id').on('t.active', '=', 1))
      .leftJoin('memberships as m', (j) => j.onRef('m.team_id', '=', 't.id').on('m.until', 'is', null).on('m.role', 'in', roles))
      .leftJoin('people as p', 'p.id', 'm.person_id')
      .leftJoin('identities as i', 'i.person_id', 'p.id')
      .select(['m.role', 'p.id as pid', 'p.display_name as pname', 'i.platform as ip', 'i.external_id as ie', 'i.private_chat_id as ipc']);
    rows = await pieceRead(db, (d) => d.executeQuery(joined.compile()).then((r) => r.rows));
  } else {
    rows = await pieceRead(db, (d) => d.executeQuery(base.compile()).then((r) => r.rows));
  }
  // few allocations per row: a point reads every unit of a level, and most have one leader, one
  // identity and one link (arrays are created at their size, grown only for the rare second one)
  for (const r of rows) {
    let u = out.get(r.id);
    if (!u) out.set(r.id, (u = { id: r.id, name: r.name, parentId: r.parent_id, kind: r.kind, reported: false, contacts: NONE, links: NONE }));
    if (r.lp != null && r.lc != null && !hasLink(u.links, r.lp, r.lc)) {
      const l: GroupLink = { platform: r.lp, chatId: r.lc };
      u.links = u.links.length ? [...u.links, l] : [l];
    }
    if (r.pid == null) continue;
    let c = people.get(r.pid);
    if (!c) {
      const identities = r.ip != null && r.ie != null ? [{ platform: r.ip, externalId: r.ie, privateChatId: r.ipc ?? null }] : [];
      people.set(r.pid, (c = { personId: r.pid, name: r.pname ?? '', identities, role: r.role ?? undefined }));
    } else if (r.ip != null && r.ie != null && !hasIdentity(c, r.ip, r.ie)) {
      c.identities.push({ platform: r.ip, externalId: r.ie, privateChatId: r.ipc ?? null });
    }
    if (!u.contacts.includes(c)) u.contacts = u.contacts.length ? [...u.contacts, c] : [c];
  }
}

const NONE: readonly never[] = Object.freeze([]);

function hasLink(links: readonly GroupLink[], platform: string, chatId: string): boolean {
  for (const l of links) if (l.platform === platform && l.chatId === chatId) return true;
  return false;
}

function hasIdentity(c: Contact, platform: string, externalId: string): boolean {
  for (const i of c.identities) if (i.platform === platform && i.externalId === externalId) return true;
  return false;
}

export interface LevelUnit {
  id: number;
  name: string;
  parentId: number | null;
  path: string;
}

export async function unitsById(db: Db, ids: readonly number[]): Promise<Map<number, LevelUnit>> {
  const out = new Map<number, LevelUnit>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('units').select(['id', 'name', 'parent_id', 'path']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, { id: r.id, name: r.name, parentId: r.parent_id, path: r.path });
  }
  return out;
}

/**
 * The distinct parents of a profile's level with how many active units of the level each has, in
 * id order (one covering range of `units_level_parent`); `hasTop` when some unit of the level has
 * none (then the level is planned in one piece).
 */
export async function parentsAtLevel(db: Db, profile: string, level: string): Promise<{ ids: number[]; sizes: number[]; hasTop: boolean }> {
  const rows = await db
    .selectFrom('units')
    .select((eb) => ['parent_id', eb.fn.countAll().as('n')])
    .where('level', '=', level)
    .where('profile', '=', profile)
    .where('active', '=', 1)
    .groupBy('parent_id')
    .orderBy('parent_id')
    .execute();
  const ids: number[] = [];
  const sizes: number[] = [];
  let hasTop = false;
  for (const r of rows) {
    if (r.parent_id === null) hasTop = true;
    else {
      ids.push(r.parent_id);
      sizes.push(Number(r.n));
    }
  }
  return { ids, sizes, hasTop };
}

export interface Contact {
  personId: number;
  name: string;
  /** the team role the person was found by (levelSnapshot) */
  role?: string;
  /** platform identities: for mentions, and private chats where the person opened one */
  identities: { platform: string; externalId: string; privateChatId: string | null }[];
}

async function attachIdentities(db: Db, people: Map<number, Contact>): Promise<void> {
  for (const part of chunks([...people.keys()])) {
    const rows = await db
      .selectFrom('identities')
      .select(['person_id', 'platform', 'external_id', 'private_chat_id'])
      .where('person_id', 'in', part)
      .execute();
    for (const r of rows) people.get(r.person_id)?.identities.push({ platform: r.platform, externalId: r.external_id, privateChatId: r.private_chat_id });
  }
}

/** People holding a grant (officer, approver…) exactly at each of the given units. */
export async function grantContacts(db: Db, role: string, unitIds: readonly number[]): Promise<Map<number, Contact[]>> {
  const all: { unitId: number; personId: number; name: string; order: number }[] = [];
  for (const part of chunks([...new Set(unitIds)])) {
    const rows = await db
      .selectFrom('role_grants as g')
      .innerJoin('people as p', 'p.id', 'g.person_id')
      .select(['g.unit_id', 'p.id as personId', 'p.display_name as name'])
      .where('g.role', '=', role)
      .where('g.unit_id', 'in', part)
      .orderBy('g.id')
      .execute();
    for (const r of rows) all.push({ unitId: r.unit_id!, personId: r.personId, name: r.name, order: 0 });
  }
  return groupContacts(db, all);
}

async function groupContacts(db: Db, rows: { unitId: number; personId: number; name: string; order: number }[]): Promise<Map<number, Contact[]>> {
  const people = new Map<number, Contact>();
  const byUnit = new Map<number, Contact[]>();
  for (const r of [...rows].sort((a, b) => a.order - b.order)) {
    let c = people.get(r.personId);
    if (!c) people.set(r.personId, (c = { personId: r.personId, name: r.name, identities: [] }));
    const list = byUnit.get(r.unitId) ?? [];
    if (!list.includes(c)) list.push(c);
    byUnit.set(r.unitId, list);
  }
  await attachIdentities(db, people);
  return byUnit;
}

export interface GroupLink {
  platform: string;
  chatId: string;
}

/** Active group links of the given units. */
export async function linksOfUnits(db: Db, unitIds: readonly number[]): Promise<Map<number, GroupLink[]>> {
  const out = new Map<number, GroupLink[]>();
  for (const part of chunks([...new Set(unitIds)])) {
    const rows = await db
      .selectFrom('chat_links')
      .select(['unit_id', 'platform', 'chat_id'])
      .where('unit_id', 'in', part)
      .where('active', '=', 1)
      .orderBy('unit_id')
      .orderBy('platform')
      .orderBy('chat_id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.unit_id) ?? [];
      list.push({ platform: r.platform, chatId: r.chat_id });
      out.set(r.unit_id, list);
    }
  }
  return out;
}
