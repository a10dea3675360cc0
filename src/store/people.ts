/** People and their platform identities. One person may have a Telegram and a Zalo identity. */
import type { Db } from '../db';
import { sql, type Selectable } from 'kysely';
import type { IdentityTable, Person } from '../db/schema';

export interface Identity {
  platform: string;
  externalId: string;
  personId: number;
  displayName: string;
  privateChatId: string | null;
}

export async function getPerson(db: Db, id: number): Promise<Person | undefined> {
  return db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findIdentity(db: Db, platform: string, externalId: string): Promise<Identity | undefined> {
  const r = await db
    .selectFrom('identities')
    .selectAll()
    .where('platform', '=', platform)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return r && toIdentity(r);
}

function toIdentity(r: Selectable<IdentityTable>): Identity {
  return { platform: r.platform, externalId: r.external_id, personId: r.person_id, displayName: r.display_name, privateChatId: r.private_chat_id };
}

export async function identitiesOf(db: Db, personId: number): Promise<Identity[]> {
  const rows = await db.selectFrom('identities').selectAll().where('person_id', '=', personId).execute();
  return rows.map(toIdentity);
}

export async function createPerson(
  db: Db,
  p: { displayName: string; phone?: string | null; locale?: string | null },
  at: Date,
): Promise<Person> {
  return db
    .insertInto('people')
    .values({ display_name: p.displayName, phone: p.phone ?? null, locale: p.locale ?? null, created_at: at.toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findPersonByPhone(db: Db, phone: string): Promise<Person | undefined> {
  return db.selectFrom('people').selectAll().where('phone', '=', phone).executeTakeFirst();
}

export async function addIdentity(
  db: Db,
  i: { platform: string; externalId: string; personId: number; displayName: string },
  at: Date,
): Promise<void> {
  await db
    .insertInto('identities')
    .values({
      platform: i.platform,
      external_id: i.externalId,
      person_id: i.personId,
      display_name: i.displayName,
      private_chat_id: null,
      created_at: at.toISOString(),
    })
    .onConflict((oc) => oc.columns(['platform', 'external_id']).doUpdateSet({ person_id: i.personId }))
    .execute();
}

/** The person behind a platform user, created on first contact. */
export async function personForSender(
  db: Db,
  platform: string,
  externalId: string,
  displayName: string,
  at: Date,
): Promise<{ person: Person; identity: Identity; created: boolean }> {
  // one query for the identity and its person: this runs for every inbound event (plain SQL keeps it cheap)
  const { rows } = await sql<Person & { identity_name: string; private_chat_id: string | null }>`
    select p.*, i.display_name as identity_name, i.private_chat_id
    from identities i join people p on p.id = i.person_id
    where i.platform = ${platform} and i.external_id = ${externalId}`.execute(db);
  const found = rows[0];
  if (found) {
    if (found.identity_name !== displayName && displayName) {
      await db
        .updateTable('identities')
        .set({ display_name: displayName })
        .where('platform', '=', platform)
        .where('external_id', '=', externalId)
        .execute();
    }
    const { identity_name, private_chat_id, ...person } = found;
    return {
      person,
      identity: { platform, externalId, personId: person.id, displayName: identity_name, privateChatId: private_chat_id },
      created: false,
    };
  }
  const person = await createPerson(db, { displayName }, at);
  await addIdentity(db, { platform, externalId, personId: person.id, displayName }, at);
  return {
    person,
    identity: { platform, externalId, personId: person.id, displayName, privateChatId: null },
    created: true,
  };
}

export async function rememberPrivateChat(db: Db, platform: string, externalId: string, chatId: string): Promise<void> {
  await db
    .updateTable('identities')
    .set({ private_chat_id: chatId })
    .where('platform', '=', platform)
    .where('external_id', '=', externalId)
    .execute();
}

/**
 * Joins person `from` into person `into`: identities, memberships, grants and authored records
 * move over — and every reference to `from` (who granted a role, who made or used a code) — then
 * `from` is deleted. Used when one person links a second platform or claims a roster entry.
 */
export async function mergePeople(db: Db, into: number, from: number): Promise<void> {
  await db.updateTable('identities').set({ person_id: into }).where('person_id', '=', from).execute();
  await db.updateTable('memberships').set({ person_id: into }).where('person_id', '=', from).execute();
  // a grant both already hold is kept once (the older one)
  const held = await db.selectFrom('role_grants').select(['role', 'unit_id']).where('person_id', '=', into).execute();
  for (const g of held) {
    await db
      .deleteFrom('role_grants')
      .where('person_id', '=', from)
      .where('role', '=', g.role)
      .where('unit_id', g.unit_id === null ? 'is' : '=', g.unit_id)
      .execute();
  }
  await db.updateTable('role_grants').set({ person_id: into }).where('person_id', '=', from).execute();
  await db.updateTable('role_grants').set({ granted_by: into }).where('granted_by', '=', from).execute();
  await db.updateTable('one_time_codes').set({ created_by: into }).where('created_by', '=', from).execute();
  await db.updateTable('one_time_codes').set({ used_by: into }).where('used_by', '=', from).execute();
  await db.updateTable('reports').set({ submitted_by: into }).where('submitted_by', '=', from).execute();
  await db.updateTable('membership_requests').set({ proposed_by: into }).where('proposed_by', '=', from).execute();
  await db.updateTable('membership_requests').set({ decided_by: into }).where('decided_by', '=', from).execute();
  await db.updateTable('membership_requests').set({ person_id: into }).where('person_id', '=', from).execute();
  await db.updateTable('chat_links').set({ linked_by: into }).where('linked_by', '=', from).execute();
  await db.updateTable('audit_log').set({ actor_person_id: into }).where('actor_person_id', '=', from).execute();
  await db.deleteFrom('people').where('id', '=', from).execute();
}
