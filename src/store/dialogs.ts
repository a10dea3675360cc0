/** Dialog state per (platform, chat, user), stored so a restart mid-dialog loses nothing. */
import type { Db } from '../db';

export async function loadDialog<T>(db: Db, platform: string, chatId: string, userId: string): Promise<T | undefined> {
  const r = await db
    .selectFrom('dialogs')
    .select('state')
    .where('platform', '=', platform)
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r ? (JSON.parse(r.state) as T) : undefined;
}

export async function saveDialog(db: Db, platform: string, chatId: string, userId: string, state: unknown, at: Date): Promise<void> {
  const values = { state: JSON.stringify(state), updated_at: at.toISOString() };
  await db
    .insertInto('dialogs')
    .values({ platform, chat_id: chatId, user_id: userId, ...values })
    .onConflict((oc) => oc.columns(['platform', 'chat_id', 'user_id']).doUpdateSet(values))
    .execute();
}

export async function clearDialog(db: Db, platform: string, chatId: string, userId: string): Promise<void> {
  await db
    .deleteFrom('dialogs')
    .where('platform', '=', platform)
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .execute();
}
