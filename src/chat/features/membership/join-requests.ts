/**
 * A platform's join request to a linked group (Telegram): someone already on the roster is let in;
 * anyone else becomes a request to the approver (as a collaborator when the rules offer that), or is
 * declined with the rules that stop them.
 */
import type { Proposal } from '../../../domain/membership';
import { proposeJoin } from '../../../app/membership';
import { audit } from '../../../store/audit';
import { personForSender } from '../../../store/people';
import { roster } from '../../../store/teams';
import type { Ctx } from '../../context';
import type { GroupEvent } from '../../types';
import { postRequest } from './routing';
import { rulesReply } from './text';
import { scopeOf, teamFor } from './which-team';

export async function onJoinRequest(ctx: Ctx, e: GroupEvent): Promise<void> {
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
