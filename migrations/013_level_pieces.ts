import type { Kysely } from 'kysely';

/**
 * Reminder planning and the members import at national scale (issue 12).
 * - A point is planned in pieces of parents: their children at the point's level are read through
 *   (parent_id, level, profile) — three equalities, so SQLite and PostgreSQL both pick it over
 *   `units_level` (which would scan the whole level for every piece).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('units_parent_level').ifNotExists().on('units').columns(['parent_id', 'level', 'profile']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('units_parent_level').ifExists().execute();
}
