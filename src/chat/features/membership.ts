/**
 * Membership in chat (SPEC §1, §6):
 *   /thanhvien [kiemtra]        roster with size, flags and pending requests; at levels above the
 *                               teams, counts per child unit; `kiemtra` = roster vs group members
 *   /themtv Tên | SĐT | vai trò | nghề nghiệp   (several lines = several people; alone = a dialog)
 *   /roitv [số | tên] [| lý do] leave (the member) or removal (the leader)
 *   /vaitro <số | tên> | <vai trò> [| chức vụ]  role change (leader)
 *   /duyet [N], /tuchoi N [lý do] the approver decides (buttons `mbr-ok:N` / `mbr-no:N` too, and on
 *                               Zalo a reply to the request message: "duyệt" / "từ chối <lý do>")
 *   /capquyen <vai trò> <SĐT | tên> grant approver/officer/observer at this unit (officers, admins)
 *
 * Phone numbers are personal data: never shown in full in a group (masked to the last 3 digits in
 * the approver's request so namesakes can be told apart); in a private chat, in full, to the team's
 * leader, the commune's approver and admins only.
 */
import type { Unit } from '../../db/schema';
import { leads, policies, rolesAt, type RolesAt } from '../../app/access';
import {
  approvalUnitOf,
  canDecide,
  decide,
  proposeJoin,
  proposeLeave,
  proposeRoleChange,
  seatsOf,
  teamScope,
  type DecideResult,
  type ProfileOf,
  type TeamScope,
} from '../../app/membership';
import { memberRollup, rosterCheck } from '../../app/member-reports';
import { getProfile } from '../../app/profiles';
import { normalizePhone, parseProposalLine, parseRole, rosterWarnings, type JoinCheck, type Proposal } from '../../domain/membership';
import type { TeamRole } from '../../domain/profile';
import { fold } from '../../domain/text';
import type { Db } from '../../db';
import { audit } from '../../store/audit';
import { activeLinksOfUnit } from '../../store/chats';
import { grantRole, holdersAt, type GrantRole } from '../../store/grants';
import { findPersonByPhone, getPerson, personForSender } from '../../store/people';
import { getRequest, markReminded, pendingUnder, stalePending, type Request } from '../../store/requests';
import { roster, teamsOfUnit, type RosterEntry } from '../../store/teams';
import { getUnit } from '../../store/units';
import type { Ctx, DialogState, Option } from '../context';
import type { Feature } from '../feature';
import { translator, type Locale, type T } from '../i18n';
import { CAPABILITIES, type ChatRef, type GroupEvent, type Mention, type Outgoing, type Platform } from '../types';
import { allowed, authorize } from '../scope';
import { dateOf, requestText, requestWhat, rollupText, rosterText, roleLabel, sourceLine, violationText, warningText } from './membership-text';
import { underPath } from '../../store/subtree';

const ADD = 'mbr-add';
const COLLAB = 'mbr-collab';
const REASON = 'mbr-reason';
const REQUEST_REPLY = 'mbr-request';

// ---------------------------------------------------------------- helpers

function deputyActs(ctx: Ctx, unit: Unit): boolean {
  return ctx.svc.profile(unit.profile).teams.some((t) => t.level === unit.level && t.deputy.actsAsLeader);
}

/** The team a command in this chat is about: the group's team, the caller's, or the unit's first. */
async function teamFor(ctx: Ctx, unit: Unit, r?: RolesAt): Promise<number | undefined> {
  const teams = await teamsOfUnit(ctx.db, unit.id);
  if (teams.length === 0) return undefined;
  if (ctx.link?.team_id && teams.some((t) => t.id === ctx.link!.team_id)) return ctx.link.team_id;
  const mine = r?.teamIds.find((id) => teams.some((t) => t.id === id));
  return mine ?? teams[0]!.id;
}

async function scopeOf(ctx: Ctx, teamId: number): Promise<TeamScope | undefined> {
  return teamScope(ctx.db, teamId, (id) => ctx.svc.profile(id));
}

/** Does the caller lead this very team (leader, or deputy where the profile lets deputies act)? */
function leadsTeam(ctx: Ctx, s: TeamScope, entries: RosterEntry[]): boolean {
  const me = entries.find((e) => e.personId === ctx.person?.id);
  return !!me && (me.role === 'leader' || (me.role === 'deputy' && s.rule.deputy.actsAsLeader));
}

function personName(ctx: Ctx): string {
  return ctx.person?.display_name ?? '';
}

async function mentionsFor(db: Db, platform: Platform, people: { personId: number; name: string }[]): Promise<Mention[]> {
  if (!CAPABILITIES[platform].mentions || people.length === 0) return [];
  const rows = await db
    .selectFrom('identities')
    .select(['person_id', 'external_id'])
    .where('platform', '=', platform)
    .where('person_id', 'in', people.map((p) => p.personId))
    .execute();
  return rows.map((r) => ({ userId: r.external_id, name: people.find((p) => p.personId === r.person_id)!.name }));
}

export function rulesReply(t: T, title: string, check: JoinCheck): string {
  return [title, ...check.violations.map((v) => '• ' + violationText(t, v, false)), ...sourceLine(t, check.violations)].join('\n');
}

/** Posts a request to the approver: the approval unit's groups, or the approvers' private chats. */
export async function postRequest(ctx: Ctx, s: TeamScope, request: Request): Promise<void> {
  const approvers = await holdersAt(ctx.db, 'approver', s.approvalUnit.id);
  const proposer = (await getPerson(ctx.db, request.proposedBy))?.display_name ?? '';
  const links = await activeLinksOfUnit(ctx.db, s.approvalUnit.id);
  for (const l of links) {
    const platform = l.platform as Platform;
    const t = ctx.t;
    const text = requestText(t, request, {
      teamName: s.team.name,
      unitName: s.unit.name,
      proposer,
      approvers: approvers.map((a) => a.name),
      phone: 'masked',
      withCommands: true,
    });
    ctx.send({ platform, id: l.chat_id }, text, {
      ...(CAPABILITIES[platform].buttons
        ? {
            buttons: [[
              { label: t('membership:btn_approve', { id: request.id }), value: `mbr-ok:${request.id}` },
              { label: t('membership:btn_reject', { id: request.id }), value: `mbr-no:${request.id}` },
            ]],
          }
        : {}),
      mentions: await mentionsFor(ctx.db, platform, approvers),
      context: { flow: REQUEST_REPLY, data: { id: request.id } },
      replyHint: t('membership:reply_hint_decide'),
    });
  }
  if (links.length === 0) {
    // no commune group linked yet: the approvers who opened a private chat with the bot
    const privates = approvers.length
      ? await ctx.db
          .selectFrom('identities')
          .select(['platform', 'private_chat_id'])
          .where('person_id', 'in', approvers.map((a) => a.personId))
          .where('private_chat_id', 'is not', null)
          .execute()
      : [];
    for (const p of privates) {
      const text = requestText(ctx.t, request, { teamName: s.team.name, unitName: s.unit.name, proposer, approvers: [], phone: 'full', withCommands: true });
      ctx.send({ platform: p.platform as Platform, id: p.private_chat_id! }, text, { context: { flow: REQUEST_REPLY, data: { id: request.id } } });
    }
    ctx.reply(ctx.t(privates.length ? 'membership:no_approval_group_private' : 'membership:no_approval_group', { unit: s.approvalUnit.name }));
  }
}

function filedText(ctx: Ctx, s: TeamScope, request: Request): string {
  const lines = [ctx.t('membership:filed', { id: request.id, what: requestWhat(ctx.t, request), unit: s.approvalUnit.name })];
  for (const w of request.payload.warnings ?? []) lines.push('⚠️ ' + (request.kind === 'leave' ? ctx.t('membership:if_approved') + ' ' : '') + warningText(ctx.t, w, false));
  lines.push(...sourceLine(ctx.t, request.payload.warnings ?? []));
  return lines.join('\n');
}

// ---------------------------------------------------------------- /themtv

async function proposeAndReport(ctx: Ctx, s: TeamScope, p: Proposal): Promise<void> {
  if (!ctx.person) return;
  const res = await proposeJoin(ctx.db, s, p, ctx.person.id, ctx.now);
  if (res.status === 'filed') {
    ctx.reply(filedText(ctx, s, res.request));
    await postRequest(ctx, s, res.request);
    return;
  }
  if (res.check.offerCollaborator) {
    await ctx.ask(
      rulesReply(ctx.t, ctx.t('membership:refused', { name: p.name }), res.check) + '\n' + ctx.t('membership:offer_collaborator', { name: p.name }),
      COLLAB,
      { teamId: s.team.id, proposal: p },
      [
        { label: ctx.t('membership:btn_as_collaborator'), value: 'yes', words: ['ok', 'dong y', 'co'] },
        { label: ctx.t('common:no'), value: 'no', words: ['khong', 'huy'] },
      ],
    );
    return;
  }
  ctx.reply(rulesReply(ctx.t, ctx.t('membership:refused', { name: p.name || '?' }), res.check));
}

/** The caller's roles at the unit the core resolved and checked the command's rule at. */
async function checked(ctx: Ctx): Promise<{ unit: Unit; r: RolesAt } | undefined> {
  const unit = ctx.unit;
  if (!unit || !ctx.person) return undefined;
  return { unit, r: await rolesAt(ctx.db, ctx.person.id, unit) };
}

async function addTarget(ctx: Ctx): Promise<TeamScope | undefined> {
  const c = await checked(ctx);
  if (!c) return undefined;
  const { unit, r } = c;
  const teamId = await teamFor(ctx, unit, r);
  if (!teamId) {
    ctx.reply(ctx.t('membership:no_team', { unit: unit.name }));
    return undefined;
  }
  return scopeOf(ctx, teamId);
}

const ROLE_OPTIONS = (t: T): Option[] =>
  (['member', 'deputy', 'leader', 'collaborator'] as TeamRole[]).map((r) => ({ label: roleLabel(t, r), value: r }));

async function addStep(ctx: Ctx, data: Record<string, unknown>): Promise<void> {
  const step = String(data.step);
  if (step === 'name') return ctx.ask(ctx.t('membership:ask_name'), ADD, data, undefined, ctx.t('membership:reply_hint_answer'));
  if (step === 'phone') return ctx.ask(ctx.t('membership:ask_phone', { name: String(data.name) }), ADD, data, undefined, ctx.t('membership:reply_hint_answer'));
  if (step === 'role') return ctx.ask(ctx.t('membership:ask_role', { name: String(data.name) }), ADD, data, ROLE_OPTIONS(ctx.t));
  if (step === 'occupation') {
    return ctx.ask(ctx.t('membership:ask_occupation', { name: String(data.name) }), ADD, data, [{ label: ctx.t('membership:btn_skip'), value: 'skip', words: ['-', 'bo qua', 'khong'] }]);
  }
}

async function finishAdd(ctx: Ctx, data: Record<string, unknown>, occupation: string | null): Promise<void> {
  await ctx.endDialog();
  const s = await scopeOf(ctx, Number(data.teamId));
  if (!s) return;
  ctx.useUnit(s.unit);
  await proposeAndReport(ctx, s, { name: String(data.name), phone: String(data.phone), role: data.role as TeamRole, occupation });
}

// ---------------------------------------------------------------- /roitv, /vaitro

/** "3", "Nguyễn Văn A", "tôi" → a roster entry, or a message saying why not. */
function findEntry(ctx: Ctx, entries: RosterEntry[], who: string): RosterEntry | string {
  const w = who.trim();
  if (/^\d{1,3}$/.test(w)) return entries[Number(w) - 1] ?? ctx.t('membership:no_such_number', { n: w, count: entries.length });
  const f = fold(w);
  if (['toi', 'me', 'minh'].includes(f)) {
    return entries.find((e) => e.personId === ctx.person?.id) ?? ctx.t('membership:not_on_roster');
  }
  const phone = normalizePhone(w);
  if (phone) return entries.find((e) => e.phone === phone) ?? ctx.t('membership:no_such_name', { name: w });
  const exact = entries.filter((e) => fold(e.name) === f);
  const found = exact.length ? exact : entries.filter((e) => fold(e.name).includes(f));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) return ctx.t('membership:no_such_name', { name: w });
  return ctx.t('membership:ambiguous_name', { name: w, list: found.map((e) => `${entries.indexOf(e) + 1}. ${e.name}`).join(', ') });
}

async function memberTarget(ctx: Ctx) {
  const c = await checked(ctx);
  if (!c) return undefined;
  const { unit, r } = c;
  const teamId = await teamFor(ctx, unit, r);
  const s = teamId ? await scopeOf(ctx, teamId) : undefined;
  if (!s) {
    ctx.reply(ctx.t('membership:no_team', { unit: unit.name }));
    return undefined;
  }
  const entries = await roster(ctx.db, s.team.id);
  return { s, r, entries, lead: r.admin || leadsTeam(ctx, s, entries) };
}

async function leaveCmd(ctx: Ctx, args: string, body: string): Promise<void> {
  const tg = await memberTarget(ctx);
  if (!tg || !ctx.person) return;
  const { s, entries, lead } = tg;
  const [who = '', ...rest] = args.split('|');
  const note = [rest.join('|'), body].map((x) => x.trim()).filter(Boolean).join('\n') || null;
  let entry: RosterEntry | string;
  if (!who.trim()) {
    const me = entries.find((e) => e.personId === ctx.person!.id);
    if (lead || !me) {
      ctx.reply(ctx.t('membership:leave_usage') + '\n' + entries.map((e, i) => `${i + 1}. ${e.name} — ${roleLabel(ctx.t, e.role)}`).join('\n'));
      return;
    }
    entry = me;
  } else entry = findEntry(ctx, entries, who);
  if (typeof entry === 'string') return ctx.reply(entry);
  const self = entry.personId === ctx.person.id;
  if (!self && !lead) return ctx.reply(ctx.t('common:denied', { who: ctx.t('membership:who_leader_remove', { unit: s.unit.name }) }));
  const res = await proposeLeave(ctx.db, s, entry, ctx.person.id, ctx.now, { self, note });
  if (res.status === 'duplicate') return ctx.reply(ctx.t('membership:already_pending', { id: res.request.id }));
  ctx.reply(filedText(ctx, s, res.request));
  await postRequest(ctx, s, res.request);
}

async function roleCmd(ctx: Ctx, args: string, body: string): Promise<void> {
  const tg = await memberTarget(ctx);
  if (!tg || !ctx.person) return;
  const { s, entries, lead } = tg;
  if (!lead) return ctx.reply(ctx.t('common:denied', { who: ctx.t('common:who_leader', { unit: s.unit.name }) }));
  const [who = '', roleText = '', ...rest] = args.split('|').map((x) => x.trim());
  if (!who || !roleText) return ctx.reply(ctx.t('membership:role_usage'));
  const role = parseRole(roleText);
  if (!role) return ctx.reply(ctx.t('membership:bad_role', { text: roleText }));
  const entry = findEntry(ctx, entries, who);
  if (typeof entry === 'string') return ctx.reply(entry);
  const res = await proposeRoleChange(ctx.db, s, entry, role, rest.join(', ') || null, ctx.person.id, ctx.now);
  if (res.status === 'refused') return ctx.reply(rulesReply(ctx.t, ctx.t('membership:refused_role', { name: entry.name }), res.check));
  ctx.reply(filedText(ctx, s, res.request));
  await postRequest(ctx, s, res.request);
}

// ---------------------------------------------------------------- decisions

/** Messages for the team's groups, the platform's join request, and the decider. */
async function announce(ctx: Ctx, res: DecideResult): Promise<void> {
  if (res.status === 'not_found') return ctx.reply(ctx.t('membership:req_not_found'));
  if (res.status === 'already') {
    return ctx.reply(ctx.t('membership:req_already', { id: res.request.id, status: ctx.t(`membership:status_${res.request.status}`) }));
  }
  if (res.status === 'denied') {
    return ctx.reply(ctx.t('common:denied', { who: ctx.t('membership:who_approver', { unit: res.scope.approvalUnit.name }) }));
  }
  if (res.status === 'gone') return ctx.reply(ctx.t('membership:req_gone', { id: res.request.id }));
  if (res.status === 'rule_failed') {
    return ctx.reply(rulesReply(ctx.t, ctx.t('membership:cannot_approve', { id: res.request.id }), res.check));
  }
  const s = res.scope;
  const r = res.request;
  const approved = res.status === 'approved';
  const text = [
    ctx.t(approved ? 'membership:decided_approved' : 'membership:decided_rejected', {
      id: r.id,
      what: requestWhat(ctx.t, r),
      team: s.team.name,
      by: personName(ctx),
    }),
    ...(r.reason ? [ctx.t('membership:decided_reason', { reason: r.reason })] : []),
  ];
  if (approved) {
    const { seats } = await seatsOf(ctx.db, s.team.id);
    const warnings = rosterWarnings(s.rule, seats.filter((x) => !x.pending));
    for (const w of warnings) text.push('⚠️ ' + warningText(ctx.t, w, false));
    text.push(...sourceLine(ctx.t, warnings));
  }
  const body = text.join('\n');
  const pj = r.payload.platformJoin;
  const targets: { chat: ChatRef; action?: Outgoing['action'] }[] = (await activeLinksOfUnit(ctx.db, s.unit.id))
    .filter((l) => l.team_id === null || l.team_id === s.team.id)
    .map((l) => ({ chat: { platform: l.platform as Platform, id: l.chat_id } }));
  if (pj) {
    const action = { kind: approved ? ('approve_join' as const) : ('decline_join' as const), userId: pj.userId };
    const t = targets.find((x) => x.chat.platform === pj.platform && x.chat.id === pj.chatId);
    if (t) t.action = action;
    else targets.push({ chat: { platform: pj.platform as Platform, id: pj.chatId }, action });
  }
  for (const t of targets) ctx.out.push({ chat: t.chat, text: body, ...(t.action ? { action: t.action } : {}) });
  if (!targets.some((x) => x.chat.platform === ctx.chat.platform && x.chat.id === ctx.chat.id)) {
    ctx.reply(ctx.t(approved ? 'membership:you_approved' : 'membership:you_rejected', { id: r.id, what: requestWhat(ctx.t, r) }));
  }
}

async function decideAndAnnounce(ctx: Ctx, id: number, approve: boolean, reason: string | null): Promise<void> {
  if (!ctx.person) return;
  // whoever may not even list the requests of its approval unit learns nothing about request N,
  // not even whether it exists: the same answer as for a number that was never used
  const req = await getRequest(ctx.db, id);
  const s = req ? await scopeOf(ctx, req.teamId) : undefined;
  if (!req || !s || !(await allowed(ctx, s.approvalUnit, policies.approve))) {
    await audit(ctx.db, { actor: ctx.person.id, action: 'membership.denied', subject: `request:${id}`, details: { approve } }, ctx.now);
    return ctx.reply(ctx.t('membership:req_not_yours', { id }));
  }
  const res = await decide(ctx.db, { requestId: id, by: ctx.person.id, approve, reason, at: ctx.now }, (p) => ctx.svc.profile(p));
  await announce(ctx, res);
}

/** The reject button: only an approver is asked for a reason; anyone else is refused (and audited). */
async function startReject(ctx: Ctx, id: number): Promise<void> {
  if (!ctx.person) return;
  const req = await getRequest(ctx.db, id);
  const s = req ? await scopeOf(ctx, req.teamId) : undefined;
  if (!req || !s || req.status !== 'pending' || !(await canDecide(ctx.db, ctx.person.id, s))) {
    return decideAndAnnounce(ctx, id, false, null);
  }
  await ctx.ask(ctx.t('membership:ask_reason', { id }), REASON, { id }, [{ label: ctx.t('membership:btn_no_reason'), value: 'none' }]);
}

async function listPending(ctx: Ctx, unit: Unit): Promise<void> {
  const list = await pendingUnder(ctx.db, unit);
  if (list.length === 0) return ctx.reply(ctx.t('membership:none_pending', { unit: unit.name }));
  const names = new Map<number, string>();
  for (const q of list) if (!names.has(q.unitId)) names.set(q.unitId, (await getUnit(ctx.db, q.unitId))?.name ?? '');
  const tz = ctx.profile?.timezone ?? 'Asia/Ho_Chi_Minh';
  ctx.reply(
    [
      ctx.t('membership:pending_title', { count: list.length, unit: unit.name }),
      ...list.slice(0, 50).map((q) => `#${q.id} ${requestWhat(ctx.t, q)} — ${names.get(q.unitId)} (${dateOf(q.createdAt, tz)})`),
      ctx.t('membership:pending_how'),
    ].join('\n'),
  );
}

function parseDecision(args: string): { id: number; reason: string } | undefined {
  const m = /^#?(\d+)\s*(.*)$/s.exec(args.trim());
  return m ? { id: Number(m[1]), reason: m[2]!.trim() } : undefined;
}

// ---------------------------------------------------------------- /thanhvien

async function showMembers(ctx: Ctx, args: string): Promise<void> {
  const c = await checked(ctx);
  if (!c || !ctx.person) return;
  const { unit, r } = c;
  const profile = ctx.svc.profile(unit.profile);
  const tz = profile.timezone;
  const f = fold(args);
  const teams = await teamsOfUnit(ctx.db, unit.id);
  const shown = ctx.link?.team_id ? teams.filter((t) => t.id === ctx.link!.team_id) : teams;

  if (['kiemtra', 'kiem tra', 'check'].includes(f)) return checkGroups(ctx, unit, shown.map((t) => t.id));

  const approver = mayDecideHere(await rolesAt(ctx.db, ctx.person.id, await approvalUnitOf(ctx.db, unit, profile)));
  const parts: string[] = [];
  for (const team of shown) {
    const s = await scopeOf(ctx, team.id);
    if (!s) continue;
    const { seats, roster: entries, pending } = await seatsOf(ctx.db, team.id);
    parts.push(
      rosterText(ctx.t, {
        teamName: team.name,
        unitName: unit.name,
        rule: s.rule,
        entries,
        warnings: rosterWarnings(s.rule, seats.filter((x) => !x.pending)),
        pending,
        showPhones: !ctx.isGroup && (r.admin || approver || leadsTeam(ctx, s, entries)),
        tz,
      }),
    );
  }
  const roll = await memberRollup(ctx.db, unit, (id) => ctx.svc.profile(id));
  const kids = roll.children.map((u) => ({ unit: u, counts: roll.total.get(u.id)! })).filter((c) => c.counts.teams > 0);
  if (kids.length > 0) {
    const lines = rollupText(ctx.t, unit, roll.total.get(unit.id)!, kids.slice(0, 80)).split('\n');
    if (kids.length > 80) lines.push(ctx.t('membership:more_units', { count: kids.length - 80 }));
    parts.push(lines.join('\n'));
  }
  if (parts.length === 0) return ctx.reply(ctx.t('membership:no_team', { unit: unit.name }));
  if (!ctx.isGroup && !r.admin && !approver) parts.push(ctx.t('membership:phones_note'));
  ctx.reply(parts.join('\n\n'));
}

function mayDecideHere(r: RolesAt): boolean {
  return r.admin || r.grantsHere.has('approver');
}

async function checkGroups(ctx: Ctx, unit: Unit, teamIds: number[]): Promise<void> {
  if (!(await authorize(ctx, unit, policies.checkRoster))) return;
  const lines: string[] = [ctx.t('membership:check_title', { unit: unit.name })];
  let groups = 0;
  for (const id of teamIds) {
    for (const g of await rosterCheck(ctx.db, unit, id)) {
      groups++;
      const name = g.title ?? g.chatId;
      if (!g.reported) {
        lines.push(ctx.t('membership:check_not_reported', { group: name }));
        continue;
      }
      if (!g.notOnRoster.length && !g.notInGroup.length) lines.push(ctx.t('membership:check_ok', { group: name, count: g.rosterSize }));
      if (g.notInGroup.length) lines.push(ctx.t('membership:check_not_in_group', { group: name, names: g.notInGroup.join(', ') }));
      if (g.notOnRoster.length) lines.push(ctx.t('membership:check_not_on_roster', { group: name, names: g.notOnRoster.join(', ') }));
      if (g.unknown.length) lines.push(ctx.t('membership:check_unknown', { count: g.unknown.length }));
    }
  }
  if (groups === 0) lines.push(ctx.t('membership:check_no_group'));
  ctx.reply(lines.join('\n'));
}

// ---------------------------------------------------------------- /capquyen

export const GRANT_WORDS: Record<string, GrantRole> = {
  'phe duyet': 'approver',
  'nguoi duyet': 'approver',
  'nguoi phe duyet': 'approver',
  duyet: 'approver',
  approver: 'approver',
  'can bo': 'officer',
  officer: 'officer',
  'theo doi': 'observer',
  'nguoi theo doi': 'observer',
  observer: 'observer',
};

/** "<vai trò> <SĐT | tên>": the longest role phrase first. */
export function parseGrantArgs(args: string): { role: GrantRole; who: string } | undefined {
  const words = args.trim().split(/\s+/);
  for (let n = Math.min(3, words.length - 1); n >= 1; n--) {
    const role = GRANT_WORDS[fold(words.slice(0, n).join(' '))];
    if (role) return { role, who: words.slice(n).join(' ').replace(/^[|:]\s*/, '') };
  }
  return undefined;
}

async function grantCmd(ctx: Ctx, args: string): Promise<void> {
  const unit = ctx.unit;
  if (!unit || !ctx.person) return;
  const parsed = parseGrantArgs(args);
  if (!parsed || !parsed.who) return ctx.reply(ctx.t('membership:grant_usage'));
  let personId: number | undefined;
  const phone = normalizePhone(parsed.who);
  if (phone) personId = (await findPersonByPhone(ctx.db, phone))?.id;
  else {
    // by name among the people of this unit's subtree (team members) and those who talk in this chat
    const f = fold(parsed.who);
    const rows = await ctx.db
      .selectFrom('memberships as m')
      .innerJoin('teams as t', 't.id', 'm.team_id')
      .innerJoin('units as u', 'u.id', 't.unit_id')
      .innerJoin('people as p', 'p.id', 'm.person_id')
      .select(['p.id', 'p.display_name'])
      .where(underPath(ctx.db, 'u.path', unit.path))
      .where('m.until', 'is', null)
      .limit(20000)
      .execute();
    const chatPeople = await ctx.db
      .selectFrom('chat_members as c')
      .innerJoin('identities as i', (j) => j.onRef('i.platform', '=', 'c.platform').onRef('i.external_id', '=', 'c.external_id'))
      .innerJoin('people as p', 'p.id', 'i.person_id')
      .select(['p.id', 'p.display_name'])
      .where('c.platform', '=', ctx.chat.platform)
      .where('c.chat_id', '=', ctx.chat.id)
      .execute();
    const ids = [...new Set([...rows, ...chatPeople].filter((p) => fold(p.display_name) === f).map((p) => p.id))];
    if (ids.length > 1) return ctx.reply(ctx.t('membership:grant_ambiguous', { name: parsed.who }));
    personId = ids[0];
  }
  if (personId === undefined) return ctx.reply(ctx.t('membership:grant_not_found', { who: parsed.who }));
  const person = await getPerson(ctx.db, personId);
  await grantRole(ctx.db, { personId, role: parsed.role, unitId: unit.id, grantedBy: ctx.person.id }, ctx.now);
  await audit(ctx.db, { actor: ctx.person.id, action: 'role.grant', subject: `unit:${unit.id}`, details: { personId, role: parsed.role } }, ctx.now);
  ctx.reply(ctx.t('membership:granted', { name: person?.display_name ?? '', role: ctx.t(`membership:grant_${parsed.role}`), unit: unit.name }));
}

// ---------------------------------------------------------------- platform join requests

async function onJoinRequest(ctx: Ctx, e: GroupEvent): Promise<void> {
  const user = e.member ?? e.sender;
  if (!user || !ctx.unit || !ctx.link) return; // an unlinked group: the request waits in the platform
  const teamId = await teamFor(ctx, ctx.unit);
  const s = teamId ? await scopeOf(ctx, teamId) : undefined;
  if (!s) return;
  const { person } = await personForSender(ctx.db, ctx.chat.platform, user.id, user.displayName, ctx.now);
  const entries = await roster(ctx.db, s.team.id);
  const onRoster = entries.find((x) => x.personId === person.id);
  const platformJoin = { platform: ctx.chat.platform, chatId: ctx.chat.id, userId: user.id };
  if (onRoster) {
    // already approved as a member: let them in
    await audit(ctx.db, { actor: null, action: 'membership.platform_join', subject: `team:${s.team.id}`, details: { personId: person.id, approved: true, onRoster: true } }, ctx.now);
    ctx.out.push({ chat: ctx.chat, text: ctx.t('membership:join_on_roster', { name: onRoster.name }), action: { kind: 'approve_join', userId: user.id } });
    return;
  }
  const proposal: Proposal = { name: user.displayName, phone: null, role: 'member', occupation: null, personId: person.id };
  let res = await proposeJoin(ctx.db, s, proposal, person.id, ctx.now, { requirePhone: false, platformJoin });
  if (res.status === 'refused' && res.check.offerCollaborator) {
    res = await proposeJoin(ctx.db, s, { ...proposal, role: 'collaborator' }, person.id, ctx.now, { requirePhone: false, platformJoin });
  }
  if (res.status === 'refused') {
    ctx.out.push({
      chat: ctx.chat,
      text: rulesReply(ctx.t, ctx.t('membership:join_declined', { name: user.displayName }), res.check),
      action: { kind: 'decline_join', userId: user.id },
    });
    return;
  }
  ctx.reply(ctx.t('membership:join_routed', { name: user.displayName, id: res.request.id, unit: s.approvalUnit.name }));
  await postRequest(ctx, s, res.request);
}

// ---------------------------------------------------------------- reminders (for the scheduler)

/**
 * Pending requests older than their profile's `approval.remindAfterDays` (and not listed since),
 * listed again to the approver: in the approval unit's groups and in the approvers' private chats.
 * Marks them reminded and audits; returns the messages for the caller to enqueue in the same
 * transaction. Idempotent: a second call at the same instant returns nothing.
 */
export async function remindPendingRequests(db: Db, now: Date, profileOf: ProfileOf = getProfile): Promise<Outgoing[]> {
  const DAY = 86_400_000;
  const candidates = await stalePending(db, new Date(now.getTime() - DAY));
  const out: Outgoing[] = [];
  const byApprovalUnit = new Map<number, { unit: Unit; locale: Locale; tz: string; days: number; list: (Request & { unitId: number })[] }>();
  const units = new Map<number, Unit | undefined>();
  const unitOf = async (id: number) => {
    if (!units.has(id)) units.set(id, await getUnit(db, id));
    return units.get(id);
  };
  for (const r of candidates) {
    const unit = await unitOf(r.unitId);
    if (!unit) continue;
    const profile = profileOf(unit.profile);
    const before = now.getTime() - profile.approval.remindAfterDays * DAY;
    if (Date.parse(r.createdAt) > before) continue;
    if (r.lastRemindedAt && Date.parse(r.lastRemindedAt) > before) continue;
    const au = await approvalUnitOf(db, unit, profile);
    const g = byApprovalUnit.get(au.id) ?? { unit: au, locale: profile.locale, tz: profile.timezone, days: profile.approval.remindAfterDays, list: [] };
    g.list.push(r);
    byApprovalUnit.set(au.id, g);
  }
  for (const g of byApprovalUnit.values()) {
    const t = translator(g.locale);
    const approvers = await holdersAt(db, 'approver', g.unit.id);
    const lines = [t('membership:remind_title', { count: g.list.length, days: g.days, unit: g.unit.name })];
    for (const r of g.list.slice(0, 50)) {
      lines.push(`#${r.id} ${requestWhat(t, r)} — ${(await unitOf(r.unitId))?.name ?? ''} (${t('membership:since', { date: dateOf(r.createdAt, g.tz) })})`);
    }
    if (approvers.length) lines.push(t('membership:req_approvers', { names: approvers.map((a) => a.name).join(', ') }));
    lines.push(t('membership:pending_how'));
    const text = lines.join('\n');
    for (const l of await activeLinksOfUnit(db, g.unit.id)) {
      const platform = l.platform as Platform;
      const mentions = await mentionsFor(db, platform, approvers);
      out.push({ chat: { platform, id: l.chat_id }, text, ...(mentions.length ? { mentions } : {}) });
    }
    if (approvers.length) {
      const privates = await db
        .selectFrom('identities')
        .select(['platform', 'private_chat_id'])
        .where('person_id', 'in', approvers.map((a) => a.personId))
        .where('private_chat_id', 'is not', null)
        .execute();
      for (const p of privates) out.push({ chat: { platform: p.platform as Platform, id: p.private_chat_id! }, text });
    }
    await markReminded(db, g.list.map((r) => r.id), now);
    await audit(db, { actor: null, action: 'membership.remind', subject: `unit:${g.unit.id}`, details: { requests: g.list.map((r) => r.id) } }, now);
  }
  return out;
}

// ---------------------------------------------------------------- the feature

export const membership: Feature = {
  commands: [
    { names: ['thanhvien', 'members'], allow: policies.readProgress, run: showMembers },
    {
      names: ['themtv', 'addmember'],
      allow: policies.proposeMember,
      run: async (ctx, args, body) => {
        const s = await addTarget(ctx);
        if (!s) return;
        const lines = [args, ...body.split('\n')].map((l) => l.trim()).filter(Boolean);
        if (lines.length === 0) return addStep(ctx, { teamId: s.team.id, step: 'name' });
        for (const line of lines) {
          const p = parseProposalLine(line);
          if (!p) {
            ctx.reply(ctx.t('membership:add_usage'));
            continue;
          }
          if (!p.role) {
            ctx.reply(ctx.t('membership:bad_role', { text: p.roleText }));
            continue;
          }
          await proposeAndReport(ctx, s, { name: p.name, phone: p.phone, role: p.role, occupation: p.occupation });
        }
      },
    },
    { names: ['roitv', 'removemember'], allow: policies.memberAction, run: leaveCmd },
    { names: ['vaitro', 'role'], allow: policies.proposeMember, run: roleCmd },
    {
      names: ['duyet', 'approve'],
      allow: policies.approve,
      // "/duyet 12" acts on request 12 (checked at its approval unit); "/duyet" lists this unit's
      at: (args) => (parseDecision(args) ? 'args' : 'unit'),
      run: async (ctx, args) => {
        const d = parseDecision(args);
        if (d) return decideAndAnnounce(ctx, d.id, true, null);
        if (ctx.unit) await listPending(ctx, ctx.unit);
      },
    },
    {
      names: ['tuchoi', 'reject'],
      allow: policies.approve,
      at: 'args',
      run: async (ctx, args, body) => {
        const d = parseDecision(args);
        if (!d) return ctx.reply(ctx.t('membership:reject_usage'));
        return decideAndAnnounce(ctx, d.id, false, [d.reason, body.trim()].filter(Boolean).join('\n') || null);
      },
    },
    { names: ['capquyen', 'grant'], allow: policies.grantRole, run: grantCmd },
  ],
  flows: {
    [ADD]: {
      onText: async (ctx, state, text) => {
        const data = { ...state.data };
        const step = String(data.step);
        if (step === 'name') {
          if (!text.trim()) return addStep(ctx, data);
          return addStep(ctx, { ...data, name: text.trim().replace(/\s+/g, ' '), step: 'phone' });
        }
        if (step === 'phone') {
          if (!normalizePhone(text)) {
            ctx.reply(ctx.t('membership:bad_phone', { phone: text.trim() }));
            return addStep(ctx, data);
          }
          return addStep(ctx, { ...data, phone: text.trim(), step: 'role' });
        }
        if (step === 'role') {
          const role = parseRole(text);
          if (!role) return addStep(ctx, data);
          return addStep(ctx, { ...data, role, step: 'occupation' });
        }
        if (step === 'occupation') return finishAdd(ctx, data, text.trim() || null);
      },
      onOption: async (ctx, state: DialogState, value) => {
        const data = { ...state.data };
        if (data.step === 'role') return addStep(ctx, { ...data, role: value, step: 'occupation' });
        if (data.step === 'occupation') return finishAdd(ctx, data, null);
      },
    },
    [COLLAB]: {
      onOption: async (ctx, state, value) => {
        await ctx.endDialog();
        if (value !== 'yes') return ctx.reply(ctx.t('common:cancelled'));
        const s = await scopeOf(ctx, Number(state.data.teamId));
        if (!s) return;
        ctx.useUnit(s.unit);
        if (!(await authorize(ctx, s.unit, policies.proposeMember))) return;
        await proposeAndReport(ctx, s, { ...(state.data.proposal as Proposal), role: 'collaborator' });
      },
    },
    [REASON]: {
      onText: async (ctx, state, text) => {
        await ctx.endDialog();
        await decideAndAnnounce(ctx, Number(state.data.id), false, text.trim() || null);
      },
      onOption: async (ctx, state) => {
        await ctx.endDialog();
        await decideAndAnnounce(ctx, Number(state.data.id), false, null);
      },
    },
  },
  actions: {
    'mbr-ok': async (ctx, payload) => decideAndAnnounce(ctx, Number(payload), true, null),
    'mbr-no': async (ctx, payload) => startReject(ctx, Number(payload)),
  },
  replies: {
    // Zalo: the approver replies to the request message ("duyệt", "từ chối lý do…")
    [REQUEST_REPLY]: async (ctx, context, text) => {
      const id = Number(context.data?.id);
      const f = fold(text);
      const m = /^(tu choi|khong duyet|reject|no)\b/.exec(f);
      if (m) {
        const reason = text.trim().split(/\s+/).slice(m[1]!.split(' ').length).join(' ').replace(/^[:,.\-]\s*/, '');
        return decideAndAnnounce(ctx, id, false, reason || null);
      }
      if (/^(duyet|dong y|ok|approve|yes|co)\b/.test(f)) return decideAndAnnounce(ctx, id, true, null);
      ctx.reply(ctx.t('membership:reply_hint_decide'));
    },
  },
  events: {
    join_request: onJoinRequest,
  },
};


