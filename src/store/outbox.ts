/**
 * The outbox: every message the bot sends is first a row here, written in the same transaction as
 * the decision to send it; a drainer sends rows with each platform's limits and retries.
 */
import type { Db } from '../db';
import type { OutboxRow } from '../db/schema';
import type { Outgoing } from '../chat/types';

export async function enqueue(db: Db, messages: Outgoing[], at: Date): Promise<void> {
  if (messages.length === 0) return;
  const ts = at.toISOString();
  for (let i = 0; i < messages.length; i += 200) {
    await db
      .insertInto('outbox')
      .values(
        messages.slice(i, i + 200).map((m) => ({
          platform: m.chat.platform,
          chat_id: m.chat.id,
          payload: JSON.stringify(m),
          status: 'pending',
          attempts: 0,
          next_attempt_at: ts,
          last_error: null,
          created_at: ts,
          sent_at: null,
          message_ids: null,
        })),
      )
      .execute();
  }
}

export async function duePending(db: Db, platform: string, at: Date, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('platform', '=', platform)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', at.toISOString())
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Claims a row for sending; false when another drainer took it first. */
export async function claim(db: Db, id: number, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set({ status: 'sending', next_attempt_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markSent(db: Db, id: number, messageIds: string[], at: Date): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'sent', sent_at: at.toISOString(), message_ids: JSON.stringify(messageIds) })
    .where('id', '=', id)
    .execute();
}

export async function markRetry(db: Db, id: number, attempts: number, nextAt: Date, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'pending', attempts, next_attempt_at: nextAt.toISOString(), last_error: error })
    .where('id', '=', id)
    .execute();
}

export async function markFailed(db: Db, id: number, attempts: number, error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'failed', attempts, last_error: error }).where('id', '=', id).execute();
}

/** Rows left "sending" by a crash go back to pending. */
export async function releaseStale(db: Db, olderThan: Date): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'pending' })
    .where('status', '=', 'sending')
    .where('next_attempt_at', '<', olderThan.toISOString())
    .execute();
}

export async function allOutbox(db: Db, platform?: string): Promise<OutboxRow[]> {
  let q = db.selectFrom('outbox').selectAll().orderBy('id');
  if (platform) q = q.where('platform', '=', platform);
  return q.execute();
}
