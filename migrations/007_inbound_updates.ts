import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Durable inbound (issue 11 point 1): every platform update is stored raw, deduplicated by
 * (platform, event_id), before it is acknowledged; a worker processes the stored rows in order per
 * chat under a lease, and marks a row done in the same transaction as the core's effects. The
 * rows also replace `inbound_events` as the core's deduplication (events handed straight to the
 * core, as the simulator does, are recorded as done rows); the ids seen so far are carried over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('inbound_updates')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('event_id', 'varchar(128)', (c) => c.notNull())
    /** the chat the update belongs to: updates of one chat are processed one after another */
    .addColumn('chat_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    /** the update as the platform sent it (JSON) */
    .addColumn('payload', 'text', (c) => c.notNull())
    /** pending → done */
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('processed_at', 'varchar(32)')
    /** the instance processing the row, and until when (ISO time); an expired lease is taken over */
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'varchar(32)')
    .addUniqueConstraint('inbound_updates_event', ['platform', 'event_id'])
    .execute();
  await db.schema.createIndex('inbound_updates_pending').on('inbound_updates').columns(['status', 'platform', 'chat_key', 'id']).execute();
  await sql`insert into inbound_updates (platform, event_id, chat_key, received_at, payload, status, processed_at)
    select platform, event_id, '', received_at, 'null', 'done', received_at from inbound_events`.execute(db);
  await db.schema.dropTable('inbound_events').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('inbound_events')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('event_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_pk', ['platform', 'event_id'])
    .execute();
  await sql`insert into inbound_events (platform, event_id, received_at) select platform, event_id, received_at from inbound_updates where status = 'done'`.execute(db);
  await db.schema.dropTable('inbound_updates').execute();
}
