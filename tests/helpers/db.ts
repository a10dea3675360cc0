import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type DbHandle } from '../../src/db';
import { migrateToLatest } from '../../src/db/migrate';

/**
 * A fresh database URL for one test: a SQLite file in a temporary folder, or — when
 * TEST_DATABASE_URL names a PostgreSQL server (`npm test` runs every suite on both) — a new database on it.
 */
export async function freshDatabaseUrl(dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL;
  if (!server || !/^postgres(ql)?:\/\//.test(server)) return { url: `sqlite:${path.join(dir, 'test.db')}`, drop: async () => undefined };
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: server });
      await c.connect();
      try {
        // a closed pool's connections may still be on their way out: a forced drop would hit them
        // with 57P01 after their pool stopped listening. Wait (up to 5 s) until they are gone.
        for (let i = 0; i < 100; i++) {
          const r = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (r.rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated database in a real SQLite file under a temporary folder (or on TEST_DATABASE_URL). */
export async function tempDb(): Promise<DbHandle & { file: string; url: string; cleanup(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-'));
  const fresh = await freshDatabaseUrl(dir);
  const h = openDatabase(fresh.url);
  await migrateToLatest(h.db);
  return {
    ...h,
    file: path.join(dir, 'test.db'),
    /** the DATABASE_URL of this database, for a CLI or a second process */
    url: fresh.url,
    async cleanup() {
      await h.close();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
