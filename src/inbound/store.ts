/**
 * The stored platform updates (table `inbound_updates`): stored raw before they are acknowledged,
 * deduplicated by (platform, event_id), then processed by the worker in order per chat under a
 * lease. Leases use real time (they are about which process is alive), not the app's clock.
 */
import { sql } from 'kysely';
import type { Db } from '../db';
import { prepared } from '../db/prepared';
import type { InboundRow } from '../db/schema';
import { isPostgres } from '../store/subtree';

export interface RawUpdate {
  platform: string;
  /** the platform's id of this update (Telegram update_id; Zalo event:message id) */
  eventId: string;
  /** the chat it belongs to ('' when it has none) */
  chatKey: string;
  payload: unknown;
  receivedAt: Date;
}

const insertUpdate = prepared('inbound.storeUpdate', (db, platform: string, eventId: string, chatKey: string, receivedAt: string, payload: string) =>
  db
    .insertInto('inbound_updates')
    .values({ platform, event_id: eventId, chat_key: chatKey, received_at: receivedAt, payload, status: 'pending' })
    .onConflict((oc) => oc.columns(['platform', 'event_id']).doNothing()),
);

/** Stores an update for processing; false when it was stored before (a redelivery). */
export async function storeUpdate(db: Db, u: RawUpdate): Promise<boolean> {
  const r = await insertUpdate(db, u.platform, u.eventId.slice(0, 128), u.chatKey.slice(0, 64), u.receivedAt.toISOString(), JSON.stringify(u.payload ?? null));
  return Number(r.numAffectedRows ?? 0) === 1;
}

/**
 * Records an event handed straight to the core (the simulator, tests) as processed, inside the
 * core's transaction; false when that event was seen before. The core's deduplication.
 */
export async function recordProcessed(db: Db, platform: string, eventId: string, chatKey: string, at: Date): Promise<boolean> {
  const iso = at.toISOString();
  const r = await insertProcessed(db, platform, eventId.slice(0, 128), chatKey.slice(0, 64), iso);
  return Number(r.numAffectedRows ?? 0) === 1;
}
const insertProcessed = prepared('inbound.recordProcessed', (db, platform: string, eventId: string, chatKey: string, at: string) =>
  db
    .insertInto('inbound_updates')
    .values({ platform, event_id: eventId, chat_key: chatKey, received_at: at, payload: 'null', status: 'done', processed_at: at })
    .onConflict((oc) => oc.columns(['platform', 'event_id']).doNothing()),
);

/** The claim's select, per number of platforms: each chat's oldest pending row not leased now, oldest first. */
const selectHeads = (platforms: number) =>
  prepared(`inbound.claimHeads:${platforms}`, (db, now: string, limit: number, ...names: string[]) =>
    db
      .selectFrom('inbound_updates as u')
      .selectAll('u')
      .select(({ exists, selectFrom }) =>
        exists(
          selectFrom('inbound_updates as n')
            .select(sql<number>`1`.as('one'))
            .where('n.status', '=', 'pending')
            .whereRef('n.platform', '=', 'u.platform')
            .whereRef('n.chat_key', '=', 'u.chat_key')
            .whereRef('n.id', '>', 'u.id'),
        ).as('has_next'),
      )
      .where('u.status', '=', 'pending')
      .where('u.platform', 'in', names)
      .where((eb) => eb.or([eb('u.lease_until', 'is', null), eb('u.lease_until', '<', now)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('inbound_updates as p')
              .select(sql<number>`1`.as('one'))
              .where('p.status', '=', 'pending')
              .whereRef('p.platform', '=', 'u.platform')
              .whereRef('p.chat_key', '=', 'u.chat_key')
              .whereRef('p.id', '<', 'u.id'),
          ),
        ),
      )
      .orderBy('u.id')
      .limit(limit),
  );

/** A leased row, and whether its chat had a later row pending when it was claimed. */
export type ClaimedRow = InboundRow & { has_next: boolean };

/**
 * Leases up to `limit` rows that may be processed now: for each chat only its oldest pending row
 * (the next one waits until it is done), and only when nobody holds a live lease on it.
 */
export async function claimHeads(
  db: Db,
  opts: { owner: string; platforms: string[]; nowMs: number; leaseMs: number; limit: number; skip?: number[] },
): Promise<ClaimedRow[]> {
  if (opts.platforms.length === 0 || opts.limit <= 0) return [];
  const now = new Date(opts.nowMs).toISOString();
  // rows to skip (in hand here) are left out after the select, which reads as many more
  const skip = new Set(opts.skip ?? []);
  const read = await selectHeads(opts.platforms.length)(db, now, opts.limit + skip.size, ...opts.platforms);
  const candidates = (read.rows as (InboundRow & { has_next: unknown })[]).filter((r) => !skip.has(r.id)).slice(0, opts.limit);
  if (candidates.length === 0) return [];
  const until = new Date(opts.nowMs + opts.leaseMs).toISOString();
  // compare-and-set, all candidates in one statement: another instance may have taken some since
  // the select (on PostgreSQL rows another claim is locking are skipped: no waiting, no deadlock)
  const ids = candidates.map((r) => r.id);
  const taken = await db
    .updateTable('inbound_updates')
    .set({ lease_owner: opts.owner, lease_until: until })
    .where('id', 'in', isPostgres(db) ? db.selectFrom('inbound_updates').select('id').where('id', 'in', ids).orderBy('id').forUpdate().skipLocked() : ids)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .returning('id')
    .execute();
  const won = new Set(taken.map((r) => Number(r.id)));
  return candidates.filter((row) => won.has(row.id)).map((row) => ({ ...row, has_next: !!row.has_next, lease_owner: opts.owner, lease_until: until }));
}

const finishUpdate = prepared('inbound.finishRow', (db, id: number, owner: string, at: string) =>
  db
    .updateTable('inbound_updates')
    .set({ status: 'done', processed_at: at, lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', owner),
);

/**
 * Marks a leased row done — inside the transaction that applies its effects, first, so that the
 * row is locked for the whole transaction. False when the lease was lost (another instance took
 * the row over): the caller must then roll back.
 */
export async function finishRow(trx: Db, id: number, owner: string, at: Date): Promise<boolean> {
  const r = await finishUpdate(trx, id, owner, at.toISOString());
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Gives a leased row back, to be taken again after `retryMs` (by anyone). */
export async function releaseRow(db: Db, id: number, owner: string, nowMs: number, retryMs: number): Promise<void> {
  await db
    .updateTable('inbound_updates')
    .set({ lease_until: new Date(nowMs + retryMs).toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', owner)
    .execute();
}

/** Whether a pending row of these platforms is leased only until before `beforeMs` (put back for a short retry). */
export async function hasRowRetryingBefore(db: Db, platforms: string[], beforeMs: number): Promise<boolean> {
  if (platforms.length === 0) return false;
  const row = await db
    .selectFrom('inbound_updates')
    .select('id')
    .where('status', '=', 'pending')
    .where('platform', 'in', platforms)
    .where('lease_until', 'is not', null)
    .where('lease_until', '<', new Date(beforeMs).toISOString())
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

/** Rows stored and not yet processed (for readiness and metrics). */
export async function pendingCount(db: Db): Promise<number> {
  const r = await db
    .selectFrom('inbound_updates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
