/** Commands of the product that this version does not offer yet: say so instead of "unknown". */
import { policies } from '../../app/access';
import type { Feature } from '../feature';

export const later: Feature = {
  commands: [{ names: ['thongbao', 'announce', 'dotxuat', 'adhoc', 'dangnhap', 'login'], allow: policies.anyone, at: 'chat', run: async (ctx) => ctx.reply(ctx.t('common:not_available')) }],
};
