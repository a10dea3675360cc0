import type { Kysely } from 'kysely';

/**
 * One-off deadlines added by an admin (beside the profile's own `reporting.oneOff`): the scheduler
 * reminds them through the same machinery. Keyed by (profile, id); the id shares the profile's
 * one-off namespace (`oneoff:<id>` is the report kind and period key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oneoff_deadlines')
    .addColumn('profile', 'varchar(64)', (c) => c.notNull())
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('level', 'varchar(32)', (c) => c.notNull())
    .addColumn('title_vi', 'text', (c) => c.notNull())
    .addColumn('title_en', 'text', (c) => c.notNull())
    /** local wall time the report is due, "2026-12-20T24:00" (as in profiles) */
    .addColumn('due_local', 'varchar(32)', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('oneoff_deadlines_pk', ['profile', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oneoff_deadlines').ifExists().execute();
}
