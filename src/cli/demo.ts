/** `demo seed [--profile ID]`: the demo province for the local simulator (src/app/demo-seed.ts). */
import { formatDemoSummary, seedDemo } from '../app/demo-seed';
import { stringOption, type CliGroup } from './command';
import { resolveProfile } from './profile-arg';

export const demoGroup: CliGroup = {
  name: 'demo',
  summary: 'Dữ liệu thử nghiệm (demo data)',
  commands: [
    {
      name: 'seed',
      usage: '[--profile ca-mau-2023]',
      summary: 'Tạo tỉnh demo với tổ, người dùng mô phỏng; chạy lại không tạo trùng (seed a demo province, idempotent)',
      options: { profile: { type: 'string' } },
      async run(ctx, args) {
        const profile = resolveProfile(stringOption(args, 'profile') ?? 'ca-mau-2023');
        const { db } = await ctx.openDb();
        const summary = await seedDemo(db, profile, ctx.now());
        ctx.out(formatDemoSummary(summary));
      },
    },
  ],
};
