/** What a reply to each bot message continues (its ReplyContext), recorded once the message is sent. */
import type { Db } from '../db';
import type { ReplyContext } from '../outbox/types';

export async function rememberBotMessage(
  db: Db,
  platform: string,
  chatId: string,
  messageIds: string[],
  context: ReplyContext,
  at: Date,
): Promise<void> {
  if (messageIds.length === 0) return;
  await db
    .insertInto('bot_messages')
    .values(
      messageIds.map((id) => ({
        platform,
        chat_id: chatId,
        message_id: id,
        context: JSON.stringify(context),
        created_at: at.toISOString(),
      })),
    )
    .onConflict((oc) => oc.columns(['platform', 'chat_id', 'message_id']).doNothing())
    .execute();
}

export async function botMessageContext(
  db: Db,
  platform: string,
  chatId: string,
  messageId: string,
): Promise<ReplyContext | undefined> {
  const r = await db
    .selectFrom('bot_messages')
    .select('context')
    .where('platform', '=', platform)
    .where('chat_id', '=', chatId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return r ? (JSON.parse(r.context) as ReplyContext) : undefined;
}
