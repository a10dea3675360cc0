import { Kysely, PostgresAdapter, type CreateTableBuilder } from 'kysely';

function withId<T extends string>(db: Kysely<unknown>, t: CreateTableBuilder<T, never>) {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/**
 * One-time codes (identity links between platforms, role invites): unique while they live,
 * expiring, single use; and the wrong attempts per person and per chat, for rate limiting.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('one_time_codes'))
    /** identity | invite */
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('code', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('created_by', 'integer', (c) => c.references('people.id'))
    /** JSON: what the code gives */
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(32)')
    .addColumn('used_by', 'integer', (c) => c.references('people.id'))
    .execute();
  await db.schema.createIndex('one_time_codes_creator').on('one_time_codes').columns(['created_by', 'kind']).execute();

  await withId(db, db.schema.createTable('code_attempts'))
    /** "person:12" or "chat:zalo:123" */
    .addColumn('key', 'varchar(160)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('code_attempts_key').on('code_attempts').columns(['key', 'kind', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('code_attempts').ifExists().execute();
  await db.schema.dropTable('one_time_codes').ifExists().execute();
}
