/**
 * `backup FILE`: a consistent copy of the SQLite database while the bot keeps running (SQLite's
 * online backup API through better-sqlite3), checked by opening it. Restore: stop the bot, put the
 * copy in place of the database file (and remove its -wal/-shm files), start the bot.
 * PostgreSQL has its own tools: the command says to use pg_dump / pg_restore.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CliError, type CliGroup } from './command';

/** Copies the live database at `source` into `target`; returns row counts read back from the copy. */
export async function backupSqlite(source: string, target: string): Promise<{ tables: number; rows: Record<string, number> }> {
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(target);
  } finally {
    db.close();
  }
  const copy = new SQLite(target, { readonly: true, fileMustExist: true });
  try {
    const ok = copy.pragma('quick_check', { simple: true });
    if (ok !== 'ok') throw new CliError(`Bản sao bị lỗi: ${String(ok)}`, 'the copy failed its integrity check');
    const names = (copy.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[]).map((r) => r.name);
    const rows: Record<string, number> = {};
    for (const n of ['units', 'people', 'reports', 'memberships']) {
      if (names.includes(n)) rows[n] = (copy.prepare(`select count(*) as n from "${n}"`).get() as { n: number }).n;
    }
    return { tables: names.length, rows };
  } finally {
    copy.close();
  }
}

export const backupGroup: CliGroup = {
  name: 'backup',
  summary: 'Sao lưu cơ sở dữ liệu SQLite khi bot đang chạy (online backup of the SQLite database)',
  defaultCommand: 'create',
  commands: [
    {
      name: 'create',
      usage: 'FILE [--force]',
      summary: 'Ghi bản sao nhất quán vào FILE (write a consistent copy to FILE)',
      help: [
        '--force   ghi đè FILE nếu đã có (overwrite an existing FILE)',
        'Khôi phục (restore): dừng bot, chép FILE thay cho tệp trong DATABASE_URL, xoá các tệp -wal và -shm cạnh nó, khởi động lại.',
        'PostgreSQL: dùng pg_dump / pg_restore (see README, Operations).',
      ].join('\n'),
      options: { force: { type: 'boolean' } },
      positionals: 1,
      async run(ctx, args) {
        const url = ctx.config().DATABASE_URL;
        if (!url.startsWith('sqlite:')) {
          throw new CliError(
            'Lệnh backup chỉ dành cho SQLite. Với PostgreSQL hãy dùng pg_dump: pg_dump --format=custom --file=FILE "$DATABASE_URL"; khôi phục bằng pg_restore --clean --if-exists --dbname="$DATABASE_URL" FILE',
            'backup is for SQLite; for PostgreSQL use pg_dump --format=custom and pg_restore',
          );
        }
        const source = url.slice('sqlite:'.length);
        if (source === '' || source === ':memory:') throw new CliError('Cơ sở dữ liệu trong bộ nhớ không sao lưu được', 'an in-memory database cannot be backed up');
        if (!fs.existsSync(source)) throw new CliError(`Không thấy tệp cơ sở dữ liệu ${source}`, 'database file not found');
        const target = path.resolve(args.positionals[0]!);
        if (target === path.resolve(source)) throw new CliError('FILE trùng với tệp đang dùng', 'FILE is the live database');
        if (fs.existsSync(target)) {
          if (args.values.force !== true) throw new CliError(`${target} đã có; thêm --force để ghi đè`, 'FILE exists; add --force to overwrite');
          fs.rmSync(target);
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const r = await backupSqlite(source, target);
        ctx.out(`Đã sao lưu vào ${target} (backup written): ${r.tables} bảng (tables); ${Object.entries(r.rows).map(([t, n]) => `${t} ${n}`).join(', ')}`);
      },
    },
  ],
};
