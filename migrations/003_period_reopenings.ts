import type { Kysely } from 'kysely';

/**
 * A period reopened for one unit (/moky) after the level above had sent a roll-up that included
 * the unit's report. The reopening names that roll-up (`closed_report_id`, the parent's sent-up
 * report row): it lasts until the parent sends up again, which closes the period anew.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('period_reopenings')
    .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id'))
    .addColumn('period', 'varchar(32)', (c) => c.notNull())
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('closed_report_id', 'integer', (c) => c.notNull().references('reports.id'))
    .addColumn('reopened_by', 'integer', (c) => c.references('people.id'))
    .addColumn('reopened_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('period_reopenings_pk', ['unit_id', 'period', 'kind', 'closed_report_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('period_reopenings').ifExists().execute();
}
