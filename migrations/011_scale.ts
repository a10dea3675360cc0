import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * National scale (issue 12).
 * - PostgreSQL: subtree filters (`path like '/1/23/%'`) use an index only when it is built with
 *   text_pattern_ops (the default b-tree follows the database collation). SQLite answers its
 *   range form from the existing `units_path` index.
 * - Roll-ups sum report values in SQL straight from `reports.values` (a JSON object per version),
 *   so existing reports need no copying; the latest version per unit is found through the unique
 *   (unit_id, period, kind, version) index.
 * - Reminder planning reads a level's units in pages by id: `units_level` (profile, level, id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create index if not exists units_path_pattern on units (path text_pattern_ops)`.execute(db);
  }
  await db.schema.createIndex('units_level').ifNotExists().on('units').columns(['profile', 'level', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('units_level').ifExists().execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`drop index if exists units_path_pattern`.execute(db);
}
