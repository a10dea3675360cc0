import type { Kysely } from 'kysely';

/** The daily retention job (src/app/retention.ts) deletes by age: index the instants it reads. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('outbox_finished_age').on('outbox').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('dialogs_age').on('dialogs').column('updated_at').execute();
  await db.schema.createIndex('bot_messages_age').on('bot_messages').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('bot_messages_age').ifExists().execute();
  await db.schema.dropIndex('dialogs_age').ifExists().execute();
  await db.schema.dropIndex('outbox_finished_age').ifExists().execute();
}
