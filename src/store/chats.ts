/** Chat links: a platform group ↔ a unit (and team). */
import { sql } from 'kysely';
import type { Db } from '../db';
import type { ChatLink, Unit } from '../db/schema';

export async function getLink(db: Db, platform: string, chatId: string): Promise<ChatLink | undefined> {
  return db
    .selectFrom('chat_links')
    .selectAll()
    .where('platform', '=', platform)
    .where('chat_id', '=', chatId)
    .executeTakeFirst();
}

/** The chat's active link with its unit, in one query (every inbound event asks; plain SQL keeps it cheap). */
export async function linkWithUnit(db: Db, platform: string, chatId: string): Promise<{ link: ChatLink; unit: Unit } | undefined> {
  const { rows } = await sql<Unit & { l_team_id: number | null; l_title: string | null; l_linked_by: number | null; l_linked_at: string }>`
    select u.*, l.team_id as l_team_id, l.title as l_title, l.linked_by as l_linked_by, l.linked_at as l_linked_at
    from chat_links l join units u on u.id = l.unit_id
    where l.platform = ${platform} and l.chat_id = ${chatId} and l.active = 1`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { l_team_id, l_title, l_linked_by, l_linked_at, ...unit } = row;
  return {
    link: { platform, chat_id: chatId, unit_id: unit.id, team_id: l_team_id, title: l_title, active: 1, linked_by: l_linked_by, linked_at: l_linked_at },
    unit,
  };
}

export async function activeLinksOfUnit(db: Db, unitId: number): Promise<ChatLink[]> {
  return db.selectFrom('chat_links').selectAll().where('unit_id', '=', unitId).where('active', '=', 1).execute();
}

export async function activeLinksOfUnits(db: Db, unitIds: number[]): Promise<ChatLink[]> {
  if (unitIds.length === 0) return [];
  const out: ChatLink[] = [];
  for (let i = 0; i < unitIds.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('chat_links')
        .selectAll()
        .where('unit_id', 'in', unitIds.slice(i, i + 500))
        .where('active', '=', 1)
        .execute()),
    );
  }
  return out;
}

export async function upsertLink(
  db: Db,
  l: { platform: string; chatId: string; unitId: number; teamId: number | null; title: string | null; linkedBy: number | null },
  at: Date,
): Promise<void> {
  const values = {
    unit_id: l.unitId,
    team_id: l.teamId,
    title: l.title,
    active: 1,
    linked_by: l.linkedBy,
    linked_at: at.toISOString(),
  };
  await db
    .insertInto('chat_links')
    .values({ platform: l.platform, chat_id: l.chatId, ...values })
    .onConflict((oc) => oc.columns(['platform', 'chat_id']).doUpdateSet(values))
    .execute();
}

export async function setLinkActive(db: Db, platform: string, chatId: string, active: boolean): Promise<void> {
  await db
    .updateTable('chat_links')
    .set({ active: active ? 1 : 0 })
    .where('platform', '=', platform)
    .where('chat_id', '=', chatId)
    .execute();
}

export async function setLinkTitle(db: Db, platform: string, chatId: string, title: string): Promise<void> {
  await db.updateTable('chat_links').set({ title }).where('platform', '=', platform).where('chat_id', '=', chatId).execute();
}

/** A group became a supergroup (Telegram): the link follows the new id. */
export async function moveLink(db: Db, platform: string, fromChatId: string, toChatId: string): Promise<void> {
  await db.updateTable('chat_links').set({ chat_id: toChatId }).where('platform', '=', platform).where('chat_id', '=', fromChatId).execute();
}

export async function recordChatMember(
  db: Db,
  m: { platform: string; chatId: string; externalId: string; displayName: string; present: boolean },
  at: Date,
): Promise<void> {
  const values = { display_name: m.displayName, present: m.present ? 1 : 0, updated_at: at.toISOString() };
  await db
    .insertInto('chat_members')
    .values({ platform: m.platform, chat_id: m.chatId, external_id: m.externalId, ...values })
    .onConflict((oc) => oc.columns(['platform', 'chat_id', 'external_id']).doUpdateSet(values))
    .execute();
}

export async function chatMembers(db: Db, platform: string, chatId: string) {
  return db
    .selectFrom('chat_members')
    .selectAll()
    .where('platform', '=', platform)
    .where('chat_id', '=', chatId)
    .where('present', '=', 1)
    .execute();
}
