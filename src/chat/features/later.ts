/** Commands of the product that this version does not offer yet: say so instead of "unknown". */
import type { Feature } from '../feature';

export const later: Feature = {
  commands: [{ names: ['thongbao', 'announce', 'dotxuat', 'adhoc', 'dangnhap', 'login'], run: async (ctx) => ctx.reply(ctx.t('common:not_available')) }],
};
