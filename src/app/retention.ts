/**
 * Retention (Law 91/2025: personal data only as long as needed). Once a day the scheduler removes
 *  - inbound updates already processed (raw platform payloads: names, message text),
 *  - outbox rows that were sent or failed for good (their payloads hold names and phone numbers),
 *  - dialogs nobody continued within their period (half-typed reports, phone numbers),
 *  - the contexts of bot messages old enough that nobody replies to them any more,
 * each after its own configurable period. Reports, people, memberships and the audit log stay.
 *
 * Tables: `inbound_updates` (status 'done', processed_at; pending rows stay whatever their age),
 * `outbox` (status, created_at), `dialogs` (updated_at), `bot_messages` (created_at).
 */
import type { Db } from '../db';

export interface RetentionPeriods {
  /** processed inbound updates (also the window in which a redelivered update is recognised) */
  inboundDays: number;
  /** sent or finally failed outbox messages */
  outboxDays: number;
  /** dialogs not continued */
  dialogDays: number;
  /** what a reply to a bot message continues */
  botMessageDays: number;
}

export const DEFAULT_RETENTION: RetentionPeriods = { inboundDays: 30, outboxDays: 30, dialogDays: 7, botMessageDays: 180 };

export interface PruneResult {
  inbound: number;
  outbox: number;
  dialogs: number;
  botMessages: number;
}

const DAY = 86_400_000;
const before = (now: Date, days: number): string => new Date(now.getTime() - days * DAY).toISOString();
const count = (r: { numDeletedRows: bigint }): number => Number(r.numDeletedRows);

/** Inbound updates processed before the cutoff (a pending one is kept, whatever its age). */
export async function pruneInbound(db: Db, cutoff: string): Promise<number> {
  return count(await db.deleteFrom('inbound_updates').where('status', '=', 'done').where('processed_at', '<', cutoff).executeTakeFirst());
}

/** Outbox messages that are finished (sent, or failed for good) and older than the cutoff. */
export async function pruneOutbox(db: Db, cutoff: string): Promise<number> {
  return count(
    await db.deleteFrom('outbox').where('status', 'in', ['sent', 'failed']).where('created_at', '<', cutoff).executeTakeFirst(),
  );
}

export async function pruneDialogs(db: Db, cutoff: string): Promise<number> {
  return count(await db.deleteFrom('dialogs').where('updated_at', '<', cutoff).executeTakeFirst());
}

export async function pruneBotMessages(db: Db, cutoff: string): Promise<number> {
  return count(await db.deleteFrom('bot_messages').where('created_at', '<', cutoff).executeTakeFirst());
}

/** Removes everything past its period at `now`; returns how many rows went from each table. */
export async function pruneExpired(db: Db, now: Date, periods: RetentionPeriods = DEFAULT_RETENTION): Promise<PruneResult> {
  return {
    inbound: await pruneInbound(db, before(now, periods.inboundDays)),
    outbox: await pruneOutbox(db, before(now, periods.outboxDays)),
    dialogs: await pruneDialogs(db, before(now, periods.dialogDays)),
    botMessages: await pruneBotMessages(db, before(now, periods.botMessageDays)),
  };
}
