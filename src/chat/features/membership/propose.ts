/** Proposing roster changes, each filed as a request for the approver: /themtv, /roitv, /vaitro. */
import { policies } from '../../../app/access';
import { proposeJoin, proposeLeave, proposeRoleChange, type TeamScope } from '../../../app/membership';
import { normalizePhone, parseProposalLine, parseRole, type Proposal } from '../../../domain/membership';
import type { TeamRole } from '../../../domain/profile';
import { fold } from '../../../domain/text';
import type { Request } from '../../../store/requests';
import { roster, type RosterEntry } from '../../../store/teams';
import type { Ctx, DialogState, Option } from '../../context';
import type { Flow } from '../../feature';
import type { T } from '../../../i18n';
import { authorize } from '../../scope';
import { postRequest } from './routing';
import { requestWhat, roleLabel, rulesReply, sourceLine, warningText } from './text';
import { checked, leadsTeam, scopeOf, teamFor } from './which-team';

export const ADD = 'mbr-add';
export const COLLAB = 'mbr-collab';

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

export async function addCmd(ctx: Ctx, args: string, body: string): Promise<void> {
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
}

/** /themtv alone: asks name, phone, role and occupation in turn. */
export const addFlow: Flow = {
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
};

/** The offer, after a refusal, to add the person as a collaborator instead. */
export const collabFlow: Flow = {
  onOption: async (ctx, state, value) => {
    await ctx.endDialog();
    if (value !== 'yes') return ctx.reply(ctx.t('common:cancelled'));
    const s = await scopeOf(ctx, Number(state.data.teamId));
    if (!s) return;
    ctx.useUnit(s.unit);
    if (!(await authorize(ctx, s.unit, policies.proposeMember))) return;
    await proposeAndReport(ctx, s, { ...(state.data.proposal as Proposal), role: 'collaborator' });
  },
};

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

export async function leaveCmd(ctx: Ctx, args: string, body: string): Promise<void> {
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

export async function roleCmd(ctx: Ctx, args: string, body: string): Promise<void> {
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
