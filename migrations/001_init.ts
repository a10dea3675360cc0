import { Kysely, PostgresAdapter, type CreateTableBuilder } from 'kysely';

/** An auto-incrementing integer primary key on either dialect. */
function withId<T extends string>(db: Kysely<unknown>, t: CreateTableBuilder<T, never>) {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('units'))
    .addColumn('code', 'varchar(32)', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('short_name', 'text', (c) => c.notNull())
    .addColumn('search_name', 'text', (c) => c.notNull())
    .addColumn('level', 'varchar(32)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)')
    .addColumn('parent_id', 'integer', (c) => c.references('units.id'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('profile', 'varchar(64)', (c) => c.notNull())
    .addColumn('households', 'integer')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('units_parent').on('units').column('parent_id').execute();
  await db.schema.createIndex('units_path').on('units').column('path').execute();
  await db.schema.createIndex('units_search').on('units').column('search_name').execute();
  await db.schema.createIndex('units_parent_name').on('units').columns(['parent_id', 'search_name']).execute();

  await withId(db, db.schema.createTable('people'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('phone', 'varchar(20)')
    .addColumn('locale', 'varchar(8)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('people_phone').on('people').column('phone').execute();

  await db.schema
    .createTable('identities')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('external_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('private_chat_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('identities_pk', ['platform', 'external_id'])
    .execute();
  await db.schema.createIndex('identities_person').on('identities').column('person_id').execute();

  await withId(db, db.schema.createTable('teams'))
    .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('teams_unit').on('teams').column('unit_id').execute();

  await withId(db, db.schema.createTable('memberships'))
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id'))
    .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('occupation', 'text')
    .addColumn('since', 'varchar(32)', (c) => c.notNull())
    .addColumn('until', 'varchar(32)')
    .execute();
  await db.schema.createIndex('memberships_team').on('memberships').columns(['team_id', 'until']).execute();
  await db.schema.createIndex('memberships_person').on('memberships').column('person_id').execute();

  await withId(db, db.schema.createTable('membership_requests'))
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id'))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('person_id', 'integer', (c) => c.references('people.id').onDelete('cascade'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('proposed_by', 'integer', (c) => c.notNull().references('people.id'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('decided_by', 'integer', (c) => c.references('people.id'))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('decided_at', 'varchar(32)')
    .addColumn('last_reminded_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('requests_team_status').on('membership_requests').columns(['team_id', 'status']).execute();

  await db.schema
    .createTable('chat_links')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('chat_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id'))
    .addColumn('team_id', 'integer', (c) => c.references('teams.id'))
    .addColumn('title', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('linked_by', 'integer', (c) => c.references('people.id'))
    .addColumn('linked_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_links_pk', ['platform', 'chat_id'])
    .execute();
  await db.schema.createIndex('chat_links_unit').on('chat_links').column('unit_id').execute();

  await db.schema
    .createTable('chat_members')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('chat_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('external_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('present', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_members_pk', ['platform', 'chat_id', 'external_id'])
    .execute();

  await withId(db, db.schema.createTable('reports'))
    .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id'))
    .addColumn('team_id', 'integer', (c) => c.references('teams.id'))
    .addColumn('period', 'varchar(32)', (c) => c.notNull())
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('values', 'text', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('submitted_by', 'integer', (c) => c.references('people.id'))
    .addColumn('submitted_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('due_at', 'varchar(32)')
    .addColumn('late', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sent_up_at', 'varchar(32)')
    .addUniqueConstraint('reports_version_uq', ['unit_id', 'period', 'kind', 'version'])
    .execute();
  await db.schema.createIndex('reports_period').on('reports').columns(['period', 'kind', 'unit_id']).execute();

  await db.schema
    .createTable('reminders_sent')
    .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('sent_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('outbox'))
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('chat_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('sent_at', 'varchar(32)')
    .addColumn('message_ids', 'text')
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['platform', 'status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('inbound_events')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('event_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_pk', ['platform', 'event_id'])
    .execute();

  await db.schema
    .createTable('dialogs')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('chat_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('dialogs_pk', ['platform', 'chat_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('bot_messages')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('chat_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('message_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('bot_messages_pk', ['platform', 'chat_id', 'message_id'])
    .execute();

  await withId(db, db.schema.createTable('role_grants'))
    .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('unit_id', 'integer', (c) => c.references('units.id'))
    .addColumn('granted_by', 'integer', (c) => c.references('people.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('grants_person').on('role_grants').column('person_id').execute();

  await withId(db, db.schema.createTable('audit_log'))
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor_person_id', 'integer')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('subject', 'varchar(128)')
    .addColumn('details', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'audit_log', 'role_grants', 'bot_messages', 'dialogs', 'inbound_events', 'outbox', 'reminders_sent', 'reports',
    'chat_members', 'chat_links', 'membership_requests', 'memberships', 'teams', 'identities', 'people', 'units',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
