/**
 * One person on Telegram and Zalo: `/lienketid` in a private chat on one platform gives a one-time
 * code; `/lienketid <code>` in a private chat on the other joins the two identities into one person.
 * The pending code is kept like a dialog (so any instance can finish it), for ten minutes.
 */
import { randomInt } from 'node:crypto';
import { policies } from '../../app/access';
import { audit } from '../../store/audit';
import { clearDialog, loadDialog, saveDialog } from '../../store/dialogs';
import { mergePeople } from '../../store/people';
import type { Feature } from '../feature';

const SLOT = '*identity-link';
const TTL_MS = 10 * 60_000;

interface Pending {
  personId: number;
  platform: string;
  expiresAt: string;
}

export const identityLink: Feature = {
  commands: [
    {
      names: ['lienketid', 'linkid'],
      allow: policies.anyone,
      at: 'chat',
      run: async (ctx, args) => {
        if (ctx.isGroup) return ctx.reply(ctx.t('identity:private_only'));
        if (!ctx.person) return;
        const code = args.replace(/\D/g, '');
        if (!code) {
          const fresh = String(randomInt(100000, 1000000));
          await saveDialog(ctx.db, SLOT, fresh, '', {
            personId: ctx.person.id,
            platform: ctx.chat.platform,
            expiresAt: new Date(ctx.now.getTime() + TTL_MS).toISOString(),
          } satisfies Pending, ctx.now);
          return ctx.reply(ctx.t('identity:code', { code: fresh }));
        }
        const pending = await loadDialog<Pending>(ctx.db, SLOT, code, '');
        if (!pending || new Date(pending.expiresAt) <= ctx.now) return ctx.reply(ctx.t('identity:bad_code'));
        if (pending.platform === ctx.chat.platform) return ctx.reply(ctx.t('identity:same_platform'));
        await clearDialog(ctx.db, SLOT, code, '');
        if (pending.personId !== ctx.person.id) await mergePeople(ctx.db, pending.personId, ctx.person.id);
        await audit(ctx.db, { actor: pending.personId, action: 'identity.linked', subject: `person:${pending.personId}`, details: { platforms: [pending.platform, ctx.chat.platform], merged: ctx.person.id } }, ctx.now);
        ctx.reply(ctx.t('identity:linked'));
      },
    },
  ],
};
