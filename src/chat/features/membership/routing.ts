/**
 * Where a membership request goes: the approval unit's groups (with buttons where the platform has
 * them, and @-mentions of the approvers), or the approvers' private chats (app/delivery).
 */
import type { Db } from '../../../db';
import type { TeamScope } from '../../../app/membership';
import { holdersAt } from '../../../store/grants';
import { getPerson } from '../../../store/people';
import type { Request } from '../../../store/requests';
import type { Ctx } from '../../context';
import { routeFor } from '../../deliver';
import { CAPABILITIES, type Mention, type Platform } from '../../types';
import { requestText } from './text';

/** The reply context of a posted request: a reply to it is the approver's decision (decide.ts). */
export const REQUEST_REPLY = 'mbr-request';

export async function mentionsFor(db: Db, platform: Platform, people: { personId: number; name: string }[]): Promise<Mention[]> {
  if (!CAPABILITIES[platform].mentions || people.length === 0) return [];
  const rows = await db
    .selectFrom('identities')
    .select(['person_id', 'external_id'])
    .where('platform', '=', platform)
    .where('person_id', 'in', people.map((p) => p.personId))
    .execute();
  return rows.map((r) => ({ userId: r.external_id, name: people.find((p) => p.personId === r.person_id)!.name }));
}

/** Posts a request to the approver: the approval unit's groups, or the approvers' private chats (app/delivery). */
export async function postRequest(ctx: Ctx, s: TeamScope, request: Request): Promise<void> {
  const approvers = await holdersAt(ctx.db, 'approver', s.approvalUnit.id);
  const proposer = (await getPerson(ctx.db, request.proposedBy))?.display_name ?? '';
  const where = await routeFor(ctx, s.approvalUnit, 'approvers');
  const t = ctx.t;
  for (const chat of where.groups) {
    const platform = chat.platform;
    const text = requestText(t, request, {
      teamName: s.team.name,
      unitName: s.unit.name,
      proposer,
      approvers: approvers.map((a) => a.name),
      phone: 'masked',
      withCommands: true,
    });
    ctx.send(chat, text, {
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
  // approvers no group reaches: in private, with the full phone and how to answer there
  for (const p of where.privates) {
    const text = requestText(t, request, { teamName: s.team.name, unitName: s.unit.name, proposer, approvers: [], phone: 'full', withCommands: true });
    ctx.send(p.chat, text + '\n' + t('membership:req_how_private', { id: request.id }), { context: { flow: REQUEST_REPLY, data: { id: request.id } } });
  }
  if (where.groups.length === 0) {
    ctx.reply(ctx.t(where.privates.length ? 'membership:no_approval_group_private' : 'membership:no_approval_group', { unit: s.approvalUnit.name }));
  }
}
