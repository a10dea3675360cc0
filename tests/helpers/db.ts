import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DbHandle } from '../../src/db';
import { migrateToLatest } from '../../src/db/migrate';

/** A migrated database in a real SQLite file under a temporary folder. */
export async function tempDb(): Promise<DbHandle & { file: string; cleanup(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-'));
  const file = path.join(dir, 'test.db');
  const h = openDatabase(`sqlite:${file}`);
  await migrateToLatest(h.db);
  return {
    ...h,
    file,
    async cleanup() {
      await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
