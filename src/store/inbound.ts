/** Inbound deduplication: an event id is processed once per platform. */
import type { Db } from '../db';

/** Records the event; false when it was seen before. */
export async function firstSeen(db: Db, platform: string, eventId: string, at: Date): Promise<boolean> {
  const r = await db
    .insertInto('inbound_events')
    .values({ platform, event_id: eventId, received_at: at.toISOString() })
    .onConflict((oc) => oc.columns(['platform', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}
