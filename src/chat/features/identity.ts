/**
 * One person on Telegram and Zalo: `/lienketid` in a private chat on one platform gives a one-time
 * code; `/lienketid <code>` in a private chat on the other joins the two identities into one person.
 * Codes are unique, live ten minutes, are spent once, replace the person's previous code, and wrong
 * attempts are limited per person and per chat (app/codes).
 */
import { policies } from '../../app/access';
import { attemptKeys, digitCode, redeem } from '../../app/codes';
import { audit } from '../../store/audit';
import { createCode, spendCode, withdrawCodes } from '../../store/codes';
import { mergePeople } from '../../store/people';
import type { Feature } from '../feature';

const TTL_MS = 10 * 60_000;

interface Pending {
  platform: string;
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
        const typed = args.replace(/\D/g, '');
        if (!args.trim()) {
          await withdrawCodes(ctx.db, 'identity', ctx.person.id, ctx.now);
          const made = await createCode<Pending>(
            ctx.db,
            { kind: 'identity', createdBy: ctx.person.id, payload: { platform: ctx.chat.platform }, expiresAt: new Date(ctx.now.getTime() + TTL_MS), draw: () => digitCode(8) },
            ctx.now,
          );
          return ctx.reply(ctx.t('identity:code', { code: made.code }));
        }
        const r = await redeem<Pending>(ctx.db, 'identity', typed, attemptKeys(ctx.person.id, ctx.chat.platform, ctx.chat.id), ctx.now);
        if (r.status === 'limited') return ctx.reply(ctx.t('identity:limited', { minutes: r.minutes }));
        if (r.status !== 'ok') {
          await audit(ctx.db, { actor: ctx.person.id, action: 'identity.code_refused', details: { status: r.status } }, ctx.now);
          return ctx.reply(ctx.t(r.status === 'expired' ? 'identity:expired' : r.status === 'used' ? 'identity:used' : 'identity:bad_code'));
        }
        const code = r.code;
        if (code.payload.platform === ctx.chat.platform) return ctx.reply(ctx.t('identity:same_platform'));
        const into = code.createdBy;
        if (into === null || !(await spendCode(ctx.db, code.id, into, ctx.now))) return ctx.reply(ctx.t('identity:used'));
        if (into !== ctx.person.id) await mergePeople(ctx.db, into, ctx.person.id);
        await audit(ctx.db, { actor: into, action: 'identity.linked', subject: `person:${into}`, details: { platforms: [code.payload.platform, ctx.chat.platform], merged: ctx.person.id } }, ctx.now);
        ctx.reply(ctx.t('identity:linked'));
      },
    },
  ],
};
