/** Applies migrations/ in order; safe to run on every start (already applied ones are skipped). */
import { Migrator } from 'kysely';
import { migrations } from '../../migrations';
import type { Db } from './index';

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
