/** `migrate`: bring the configured database to the latest schema. */
import { migrateToLatest } from '../db/migrate';
import type { CliGroup } from './command';

export const migrateGroup: CliGroup = {
  name: 'migrate',
  summary: 'Cập nhật cấu trúc cơ sở dữ liệu (apply database migrations)',
  defaultCommand: 'latest',
  commands: [
    {
      name: 'latest',
      summary: 'Áp dụng mọi migration còn thiếu, theo DATABASE_URL (apply pending migrations)',
      async run(ctx) {
        const { db } = await ctx.openDb({ migrate: false });
        const applied = await migrateToLatest(db);
        if (applied.length === 0) ctx.out('Cơ sở dữ liệu đã ở phiên bản mới nhất (already up to date).');
        else {
          ctx.out(`Đã áp dụng ${applied.length} migration (applied):`);
          for (const name of applied) ctx.out(`  ${name}`);
        }
      },
    },
  ],
};
