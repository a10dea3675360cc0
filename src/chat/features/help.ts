/** /start and /trogiup. */
import { policies } from '../../app/access';
import type { Feature } from '../feature';

export const help: Feature = {
  commands: [
    {
      names: ['start'],
      allow: policies.anyone,
      at: 'chat',
      run: async (ctx) => {
        ctx.reply(ctx.isGroup ? ctx.t('common:help') : ctx.t('common:start_private', { name: ctx.person?.display_name ?? '' }));
      },
    },
    { names: ['trogiup', 'help'], allow: policies.anyone, at: 'chat', run: async (ctx) => ctx.reply(ctx.t('common:help')) },
  ],
};
