/** /start and /trogiup. */
import { policies } from '../../app/access';
import type { Feature } from '../feature';
import { claimInvite } from './invite';

export const help: Feature = {
  commands: [
    {
      names: ['start'],
      allow: policies.anyone,
      at: 'chat',
      run: async (ctx, args) => {
        // Telegram's deep link t.me/<bot>?start=<invite code>
        if (args && !ctx.isGroup) return claimInvite(ctx, args);
        ctx.reply(ctx.isGroup ? ctx.t('common:help') : ctx.t('common:start_private', { name: ctx.person?.display_name ?? '' }));
      },
    },
    { names: ['trogiup', 'help'], allow: policies.anyone, at: 'chat', run: async (ctx) => ctx.reply(ctx.t('common:help')) },
  ],
};
