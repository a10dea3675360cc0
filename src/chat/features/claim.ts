/**
 * `/toila` ("I am"): a person on a team's roster who has no chat account yet (added by /themtv or a
 * bulk import) claims their roster entry from their Zalo or Telegram account. Nobody may claim an
 * entry alone: the team's leader, an officer or approver above, or an admin confirms it.
 */
import { randomUUID } from 'node:crypto';
import { policies, rolesAt } from '../../app/access';
import { permits } from '../../app/access/policies';
import { fold } from '../../domain/text';
import { audit } from '../../store/audit';
import { clearDialog, loadDialog, saveDialog } from '../../store/dialogs';
import { identitiesOf, mergePeople } from '../../store/people';
import { roster, teamsOfUnit, type RosterEntry } from '../../store/teams';
import type { Ctx } from '../context';
import type { Feature } from '../feature';

const SLOT = '*roster-claim';
const FLOW = 'roster-claim';

interface Claim {
  rosterPersonId: number;
  rosterName: string;
  claimantPersonId: number;
  claimantName: string;
  platform: string;
  unitId: number;
}

async function unclaimed(ctx: Ctx): Promise<RosterEntry[]> {
  const out: RosterEntry[] = [];
  for (const team of await teamsOfUnit(ctx.db, ctx.unit!.id)) {
    for (const e of await roster(ctx.db, team.id)) {
      const ids = await identitiesOf(ctx.db, e.personId);
      if (!ids.some((i) => i.platform === ctx.chat.platform) && !out.some((o) => o.personId === e.personId)) out.push(e);
    }
  }
  return out;
}

async function fileClaim(ctx: Ctx, entry: RosterEntry): Promise<void> {
  const id = randomUUID().slice(0, 8);
  const claim: Claim = {
    rosterPersonId: entry.personId,
    rosterName: entry.name,
    claimantPersonId: ctx.person!.id,
    claimantName: ctx.person!.display_name,
    platform: ctx.chat.platform,
    unitId: ctx.unit!.id,
  };
  await saveDialog(ctx.db, SLOT, id, '', claim, ctx.now);
  await audit(ctx.db, { actor: ctx.person!.id, action: 'identity.claim_filed', subject: `person:${entry.personId}` }, ctx.now);
  ctx.reply(ctx.t('claim:filed', { who: claim.claimantName, name: entry.name, unit: ctx.unit!.name }), {
    buttons: [[{ label: ctx.t('common:yes'), value: `claim-ok:${id}` }, { label: ctx.t('claim:refuse'), value: `claim-no:${id}` }]],
    context: { flow: FLOW, data: { id } },
    replyHint: ctx.t('claim:reply_hint'),
  });
}

async function decide(ctx: Ctx, id: string, accept: boolean): Promise<void> {
  const claim = await loadDialog<Claim>(ctx.db, SLOT, id, '');
  if (!claim || !ctx.person || !ctx.unit || ctx.unit.id !== claim.unitId) return ctx.reply(ctx.t('common:button_expired'));
  const r = await rolesAt(ctx.db, ctx.person.id, ctx.unit);
  if (!permits(policies.confirmClaim, r, ctx.unit, ctx.svc.profile(ctx.unit.profile)) || (ctx.person.id === claim.claimantPersonId && !r.admin)) {
    return ctx.reply(ctx.t('common:denied', { who: ctx.t(policies.confirmClaim.who, { unit: ctx.unit.name }) }));
  }
  await clearDialog(ctx.db, SLOT, id, '');
  if (!accept) {
    await audit(ctx.db, { actor: ctx.person.id, action: 'identity.claim_refused', subject: `person:${claim.rosterPersonId}` }, ctx.now);
    return ctx.reply(ctx.t('claim:refused', { who: claim.claimantName, name: claim.rosterName }));
  }
  await mergePeople(ctx.db, claim.rosterPersonId, claim.claimantPersonId);
  await audit(ctx.db, { actor: ctx.person.id, action: 'identity.claim_confirmed', subject: `person:${claim.rosterPersonId}`, details: { platform: claim.platform, merged: claim.claimantPersonId } }, ctx.now);
  ctx.reply(ctx.t('claim:confirmed', { who: claim.claimantName, name: claim.rosterName }));
}

export const rosterClaim: Feature = {
  commands: [
    {
      names: ['toila', 'iam'],
      allow: policies.anyone,
      at: 'chat',
      run: async (ctx, args) => {
        if (!ctx.isGroup || !ctx.unit) return ctx.reply(ctx.t(ctx.isGroup ? 'common:not_linked' : 'claim:group_only'));
        if (!ctx.person) return;
        const mine = (await rolesAt(ctx.db, ctx.person.id, ctx.unit)).teamRoles;
        if (mine.size > 0) return ctx.reply(ctx.t('claim:already', { unit: ctx.unit.name }));
        const q = fold(args);
        const digits = args.replace(/\D/g, '');
        const candidates = (await unclaimed(ctx)).filter(
          (e) => !q || fold(e.name).includes(q) || (digits.length >= 3 && (e.phone ?? '').endsWith(digits)),
        );
        if (candidates.length === 0) return ctx.reply(ctx.t('claim:none', { unit: ctx.unit.name }));
        if (candidates.length === 1 && q) return fileClaim(ctx, candidates[0]!);
        await ctx.ask(
          ctx.t('claim:choose'),
          FLOW,
          {},
          candidates.slice(0, 12).map((e) => ({ label: e.name, value: String(e.personId) })),
        );
      },
    },
  ],
  flows: {
    [FLOW]: {
      onOption: async (ctx, _state, value) => {
        await ctx.endDialog();
        const entry = (await unclaimed(ctx)).find((e) => e.personId === Number(value));
        if (entry) await fileClaim(ctx, entry);
      },
    },
  },
  actions: {
    'claim-ok': (ctx, id) => decide(ctx, id, true),
    'claim-no': (ctx, id) => decide(ctx, id, false),
  },
  replies: {
    [FLOW]: async (ctx, rc, text) => {
      const f = fold(text);
      if (/^(1|ok|dong y|xac nhan|yes|dung)\b/.test(f)) return decide(ctx, String(rc.data?.id), true);
      if (/^(2|tu choi|khong|no|sai)\b/.test(f)) return decide(ctx, String(rc.data?.id), false);
      ctx.reply(ctx.t('claim:reply_hint'));
    },
  },
};
