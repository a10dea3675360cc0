/**
 * The approver decides (/duyet, /tuchoi, the buttons, a reply to the request, "duyệt 12" in a
 * private chat); the decision is announced to the team, the platform's join request and the decider.
 */
import type { Unit } from '../../../db/schema';
import { policies } from '../../../app/access';
import { canDecide, decide, seatsOf, type DecideResult } from '../../../app/membership';
import { rosterWarnings } from '../../../domain/membership';
import { fold } from '../../../domain/text';
import { audit } from '../../../store/audit';
import { getRequest, pendingUnder } from '../../../store/requests';
import { getUnit } from '../../../store/units';
import type { Ctx } from '../../context';
import { routeFor } from '../../deliver';
import type { Feature, Flow } from '../../feature';
import type { ChatRef, Outgoing, Platform, ReplyContext } from '../../types';
import { allowed } from '../../scope';
import { dateOf, requestWhat, rulesReply, sourceLine, warningText } from './text';
import { scopeOf } from './which-team';

export const REASON = 'mbr-reason';

function personName(ctx: Ctx): string {
  return ctx.person?.display_name ?? '';
}

/** "duyệt 12", "từ chối 12 lý do" typed in a private chat: the approver's answer to request 12. */
export async function decisionByNumber(ctx: Ctx, text: string): Promise<boolean> {
  const m = /^#?(\d{1,9})\b\s*[:,.-]?\s*([\s\S]*)$/;
  const f = fold(text);
  const no = /^(tu choi|khong duyet|reject)\s+/.exec(f);
  const yes = /^(duyet|dong y|approve)\s+/.exec(f);
  const word = no ?? yes;
  if (!word) return false;
  const rest = text.trim().split(/\s+/).slice(word[1]!.split(' ').length).join(' ');
  const n = m.exec(rest);
  if (!n) return false;
  await decideAndAnnounce(ctx, Number(n[1]), !no, no ? n[2]!.trim() || null : null);
  return true;
}

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
  // the team's groups, or its leaders in private — and, without a group, the proposer and the
  // person concerned in private too (app/delivery)
  const where = await routeFor(ctx, s.unit, 'leaders', s.team.id);
  const targets: { chat: ChatRef; action?: Outgoing['action'] }[] = [...where.groups, ...where.privates.map((p) => p.chat)].map((chat) => ({ chat }));
  const told = new Set(where.privates.map((p) => p.name));
  if (where.groups.length === 0) {
    const concerned = [r.proposedBy, r.personId].filter((x): x is number => typeof x === 'number');
    const rows = concerned.length
      ? await ctx.db
          .selectFrom('identities as i')
          .innerJoin('people as p', 'p.id', 'i.person_id')
          .select(['i.platform', 'i.private_chat_id', 'p.display_name'])
          .where('i.person_id', 'in', concerned)
          .where('i.private_chat_id', 'is not', null)
          .execute()
      : [];
    for (const row of rows) {
      if (row.platform === ctx.chat.platform && row.private_chat_id === ctx.chat.id) continue;
      told.add(row.display_name);
      if (!targets.some((x) => x.chat.platform === row.platform && x.chat.id === row.private_chat_id)) targets.push({ chat: { platform: row.platform as Platform, id: row.private_chat_id! } });
    }
  }
  if (pj) {
    const action = { kind: approved ? ('approve_join' as const) : ('decline_join' as const), userId: pj.userId };
    const t = targets.find((x) => x.chat.platform === pj.platform && x.chat.id === pj.chatId);
    if (t) t.action = action;
    else targets.push({ chat: { platform: pj.platform as Platform, id: pj.chatId }, action });
  }
  for (const t of targets) ctx.out.push({ chat: t.chat, text: body, ...(t.action ? { action: t.action } : {}) });
  if (!targets.some((x) => x.chat.platform === ctx.chat.platform && x.chat.id === ctx.chat.id)) {
    const privately = where.groups.length === 0 && told.size > 0;
    ctx.reply(
      ctx.t(`membership:${approved ? 'you_approved' : 'you_rejected'}${privately ? '_private' : ''}`, { id: r.id, what: requestWhat(ctx.t, r), names: [...told].join(', ') }),
    );
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

export function parseDecision(args: string): { id: number; reason: string } | undefined {
  const m = /^#?(\d+)\s*(.*)$/s.exec(args.trim());
  return m ? { id: Number(m[1]), reason: m[2]!.trim() } : undefined;
}

export async function approveCmd(ctx: Ctx, args: string): Promise<void> {
  const d = parseDecision(args);
  if (d) return decideAndAnnounce(ctx, d.id, true, null);
  if (ctx.unit) await listPending(ctx, ctx.unit);
}

export async function rejectCmd(ctx: Ctx, args: string, body: string): Promise<void> {
  const d = parseDecision(args);
  if (!d) return ctx.reply(ctx.t('membership:reject_usage'));
  return decideAndAnnounce(ctx, d.id, false, [d.reason, body.trim()].filter(Boolean).join('\n') || null);
}

/** The reject button's question: the reason, or none. */
export const reasonFlow: Flow = {
  onText: async (ctx, state, text) => {
    await ctx.endDialog();
    await decideAndAnnounce(ctx, Number(state.data.id), false, text.trim() || null);
  },
  onOption: async (ctx, state) => {
    await ctx.endDialog();
    await decideAndAnnounce(ctx, Number(state.data.id), false, null);
  },
};

export const decisionButtons: NonNullable<Feature['actions']> = {
  'mbr-ok': async (ctx, payload) => decideAndAnnounce(ctx, Number(payload), true, null),
  'mbr-no': async (ctx, payload) => startReject(ctx, Number(payload)),
};

/** Zalo: the approver replies to the request message ("duyệt", "từ chối lý do…") */
export async function requestReply(ctx: Ctx, context: ReplyContext, text: string): Promise<void> {
  const id = Number(context.data?.id);
  const f = fold(text);
  const m = /^(tu choi|khong duyet|reject|no)\b/.exec(f);
  if (m) {
    const reason = text.trim().split(/\s+/).slice(m[1]!.split(' ').length).join(' ').replace(/^[:,.\-]\s*/, '');
    return decideAndAnnounce(ctx, id, false, reason || null);
  }
  if (/^(duyet|dong y|ok|approve|yes|co)\b/.test(f)) return decideAndAnnounce(ctx, id, true, null);
  ctx.reply(ctx.t('membership:reply_hint_decide'));
}
