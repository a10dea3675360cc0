import type { Kysely } from 'kysely';

/**
 * Reminder planning at national scale (issue 12): a point is planned in pieces of parents.
 * `units_level_parent` (level, profile, active, parent_id) answers both reads of a piece plan from
 * one index range: the sizes of a level's parents (GROUP BY parent_id, covering, in parent order)
 * and a piece's units (`parent_id IN (…)` after the three equalities) — where `units_level`
 * (profile, level, id) made every piece scan the whole level.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('units_level_parent').ifNotExists().on('units').columns(['level', 'profile', 'active', 'parent_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('units_level_parent').ifExists().execute();
}
