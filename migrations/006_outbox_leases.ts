import type { Kysely } from 'kysely';

/**
 * The outbox as leases (src/outbox): a claim names its instance (`claimed_by`) and expires
 * (`lease_until`), so a running drainer reclaims the rows of a crashed one. `maybe_sent` marks a
 * row whose send outcome was lost once (reclaimed from `sending`): it is resent once, never twice.
 * `outbox_rate` holds the send-rate windows every instance shares (one row per platform, chat, group).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // one column per ALTER: SQLite adds one at a time
  await db.schema.alterTable('outbox').addColumn('claimed_by', 'varchar(64)').execute();
  await db.schema.alterTable('outbox').addColumn('lease_until', 'varchar(32)').execute();
  await db.schema.alterTable('outbox').addColumn('send_started_at', 'varchar(32)').execute();
  await db.schema.alterTable('outbox').addColumn('maybe_sent', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // the head of each chat's queue: min(id) among its unfinished rows
  await db.schema.createIndex('outbox_chat_head').on('outbox').columns(['platform', 'status', 'chat_id', 'id']).execute();

  await db.schema
    .createTable('outbox_rate')
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    /** JSON array of the window's recent send instants (epoch ms), at most its count */
    .addColumn('times', 'text', (c) => c.notNull())
    /** the newest of them, for pruning idle windows */
    .addColumn('last_ms', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox_rate').ifExists().execute();
  await db.schema.dropIndex('outbox_chat_head').ifExists().execute();
  for (const c of ['maybe_sent', 'send_started_at', 'lease_until', 'claimed_by']) {
    await db.schema.alterTable('outbox').dropColumn(c).execute();
  }
}
