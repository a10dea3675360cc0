/**
 * The outbox table: every message the bot sends is first a row here, written in the same
 * transaction as the decision to send it. A row moves
 *
 *   pending ──claim──▶ claimed ──right before the call──▶ sending ──right after──▶ sent
 *      ▲                  │ lease expired                   │ lease expired (outcome unknown)
 *      └──────────────────┘                                 ├─ first time: pending, maybe_sent = 1 (resent once)
 *                                                           └─ again: unknown (never resent a second time)
 *   errors: 429/5xx/network → pending with a later next_attempt_at (until the max age) → failed
 *           permanent (403 blocked, 400 chat not found) → failed at once
 *
 * Claims are leases (claimed_by, lease_until) reclaimed by any instance's next claim. Only the
 * head of each chat's queue (its oldest unfinished row) can be claimed, so a chat's messages go
 * out in order even across retries, and every chat's head competes for the same batch, so a busy
 * group does not starve the others. Rates are sliding windows in `outbox_rate`, counted inside the
 * claim transaction, so all instances together keep each platform's limits.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Db } from '../db';
import { prepared } from '../db/prepared';
import type { Database, OutboxRow } from '../db/schema';
import { parseTimes, take, waitMs, type Window } from './rate-limit';
import type { Outgoing } from './types';

export type OutboxStatus = 'pending' | 'claimed' | 'sending' | 'sent' | 'failed' | 'unknown';
/** statuses of a row not finished yet: it holds its chat's later rows back */
export const ACTIVE_STATUSES: readonly OutboxStatus[] = ['pending', 'claimed', 'sending'];

type Q = Kysely<Database>;

export function isPostgres(db: Q): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A write transaction. On SQLite `BEGIN IMMEDIATE` takes the write lock at once (a deferred
 * transaction that reads first could not upgrade when another process wrote meanwhile).
 */
export async function writeTx<T>(db: Db, fn: (trx: Q) => Promise<T>): Promise<T> {
  if (isPostgres(db)) return db.transaction().execute(fn);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const r = await fn(conn);
      await sql`commit`.execute(conn);
      return r;
    } catch (e) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw e;
    }
  });
}

const insertOne = prepared('outbox.enqueueOne', (db, platform: string, chatId: string, payload: string, ts: string) =>
  db.insertInto('outbox').values({ platform, chat_id: chatId, payload, status: 'pending', attempts: 0, next_attempt_at: ts, last_error: null, created_at: ts, sent_at: null, message_ids: null }),
);

export async function enqueue(db: Db, messages: Outgoing[], at: Date): Promise<void> {
  if (messages.length === 0) return;
  const ts = at.toISOString();
  if (messages.length === 1) {
    const m = messages[0]!;
    await insertOne(db, m.chat.platform, m.chat.id, JSON.stringify(m), ts);
    return;
  }
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

export interface Reclaimed {
  /** claimed, never started: simply pending again */
  released: number;
  /** lost during the send call: pending again, marked maybe_sent (resent once) */
  resent: number;
  /** lost during the send call a second time: status unknown, never resent */
  unknown: number;
}

/** Expired leases of `platform` (any instance's) back to the queue; see the diagram above. */
export async function reclaimExpired(db: Q, platform: string, now: Date): Promise<Reclaimed> {
  const nowIso = now.toISOString();
  const base = () =>
    db
      .updateTable('outbox')
      .where('platform', '=', platform)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]));
  const released = await base()
    .set({ status: 'pending', claimed_by: null, lease_until: null })
    .where('status', '=', 'claimed')
    .executeTakeFirst();
  const resent = await base()
    .set({ status: 'pending', claimed_by: null, lease_until: null, maybe_sent: 1, last_error: 'send outcome unknown (the sending instance stopped during the call); resent once' })
    .where('status', '=', 'sending')
    .where('maybe_sent', '=', 0)
    .executeTakeFirst();
  const unknown = await base()
    .set({ status: 'unknown', claimed_by: null, lease_until: null, last_error: 'send outcome unknown twice; not resent again' })
    .where('status', '=', 'sending')
    .where('maybe_sent', '<>', 0)
    .executeTakeFirst();
  return { released: Number(released.numUpdatedRows), resent: Number(resent.numUpdatedRows), unknown: Number(unknown.numUpdatedRows) };
}

export interface ClaimRequest {
  platform: string;
  /** the claiming instance */
  owner: string;
  now: Date;
  leaseMs: number;
  /** most rows to claim (one per chat) */
  limit: number;
  /** the platform's overall rate window */
  global: Window;
  /** the chat's own windows (per chat, per group) */
  windowsFor(chatId: string): Window[];
}

export interface Claim {
  rows: OutboxRow[];
  reclaimed: Reclaimed;
  /** when rows were due but held back by a rate limit: ms until the earliest may go */
  rateWaitMs?: number;
}

async function readWindows(db: Q, keys: string[], lock: boolean): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < keys.length; i += 500) {
    let q = db.selectFrom('outbox_rate').select(['key', 'times']).where('key', 'in', keys.slice(i, i + 500));
    if (lock) q = q.forUpdate();
    for (const r of await q.execute()) out.set(r.key, parseTimes(r.times));
  }
  return out;
}

async function writeWindows(db: Q, windows: Map<string, number[]>): Promise<void> {
  const rows = [...windows].map(([key, times]) => ({ key, times: JSON.stringify(times), last_ms: times.at(-1) ?? 0 }));
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('outbox_rate')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) => oc.column('key').doUpdateSet({ times: (eb) => eb.ref('excluded.times'), last_ms: (eb) => eb.ref('excluded.last_ms') }))
      .execute();
  }
}

/**
 * One claim transaction: reclaim lapsed leases, lock the platform's rate row (claims of one
 * platform queue there), pick the due head of each chat, oldest first, count them in their rate
 * windows and lease them to `owner`.
 */
export async function claimBatch(db: Db, req: ClaimRequest): Promise<Claim> {
  const pg = isPostgres(db);
  return writeTx(db, async (trx) => {
    const nowIso = req.now.toISOString();
    const nowMs = req.now.getTime();
    const reclaimed = await reclaimExpired(trx, req.platform, req.now);

    await trx.insertInto('outbox_rate').values({ key: req.global.key, times: '[]', last_ms: 0 }).onConflict((oc) => oc.column('key').doNothing()).execute();
    let globalTimes = (await readWindows(trx, [req.global.key], pg)).get(req.global.key) ?? [];
    const state = new Map<string, number[]>();

    const heads = trx
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('id').as('head_id'))
      .where('platform', '=', req.platform)
      .where('status', 'in', ACTIVE_STATUSES)
      .groupBy('chat_id')
      .as('h');
    const page = Math.max(req.limit * 4, 50);
    const claimed: OutboxRow[] = [];
    const changed = new Map<string, number[]>();
    let rateWaitMs: number | undefined;
    const held = (w: number): void => {
      rateWaitMs = rateWaitMs === undefined ? w : Math.min(rateWaitMs, w);
    };
    // pages of heads, oldest first, until the batch is full, the platform's window is, or none are left
    let after = 0;
    let globalFull = false;
    for (let p = 0; p < 20 && claimed.length < req.limit && !globalFull; p++) {
      let cq = trx
        .selectFrom('outbox as o')
        .innerJoin(heads, 'h.head_id', 'o.id')
        .selectAll('o')
        .where('o.status', '=', 'pending')
        .where('o.next_attempt_at', '<=', nowIso)
        .where('o.id', '>', after)
        .orderBy('o.id')
        .limit(page);
      if (pg) cq = cq.forUpdate('o').skipLocked();
      const candidates = (await cq.execute()) as OutboxRow[];
      if (candidates.length === 0) break;
      after = candidates[candidates.length - 1]!.id;

      const windowsOf = new Map(candidates.map((r) => [r.chat_id, req.windowsFor(r.chat_id)]));
      const unread = [...new Set([...windowsOf.values()].flat().map((w) => w.key))].filter((k) => !state.has(k));
      for (const [k, v] of await readWindows(trx, unread, false)) state.set(k, v);

      for (const row of candidates) {
        if (claimed.length >= req.limit) break;
        const gw = waitMs(globalTimes, nowMs, req.global);
        if (gw > 0) {
          held(gw);
          globalFull = true;
          break;
        }
        const windows = windowsOf.get(row.chat_id)!;
        const cw = Math.max(0, ...windows.map((w) => waitMs(state.get(w.key) ?? [], nowMs, w)));
        if (cw > 0) {
          held(cw);
          continue;
        }
        globalTimes = take(globalTimes, nowMs, req.global);
        for (const w of windows) {
          const t = take(state.get(w.key) ?? [], nowMs, w);
          state.set(w.key, t);
          changed.set(w.key, t);
        }
        claimed.push(row);
      }
      if (candidates.length < page) break;
    }
    if (claimed.length === 0) return { rows: [], reclaimed, ...(rateWaitMs !== undefined ? { rateWaitMs } : {}) };

    changed.set(req.global.key, globalTimes);
    await writeWindows(trx, changed);
    const leaseUntil = new Date(nowMs + req.leaseMs).toISOString();
    await trx
      .updateTable('outbox')
      .set({ status: 'claimed', claimed_by: req.owner, lease_until: leaseUntil })
      .where('id', 'in', claimed.map((r) => r.id))
      .execute();
    return {
      rows: claimed.map((r) => ({ ...r, status: 'claimed', claimed_by: req.owner, lease_until: leaseUntil })),
      reclaimed,
      ...(rateWaitMs !== undefined ? { rateWaitMs } : {}),
    };
  });
}

/**
 * Right before the send call: `sending`, lease renewed. False when this instance no longer holds
 * the claim (its lease lapsed and another took the row): then it must not send.
 */
export async function markSending(db: Db, id: number, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const r = await updateSending(db, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), id, owner);
  return Number(r.numAffectedRows ?? 0) === 1;
}
const updateSending = prepared('outbox.markSending', (db, startedAt: string, leaseUntil: string, id: number, owner: string) =>
  db
    .updateTable('outbox')
    .set({ status: 'sending', send_started_at: startedAt, lease_until: leaseUntil })
    .where('id', '=', id)
    .where('claimed_by', '=', owner)
    .where('status', '=', 'claimed'),
);

/** Extends the leases this instance still holds on `ids` (rows being sent). */
export async function renewLeases(db: Db, owner: string, ids: number[], until: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ lease_until: until.toISOString() })
    .where('id', 'in', ids)
    .where('claimed_by', '=', owner)
    .where('status', 'in', ['claimed', 'sending'])
    // only forward: two heartbeats in flight may land out of order, and a late one must not shorten the lease
    .where('lease_until', '<', until.toISOString())
    .execute();
}

/** Right after the send call returned: the platform has the message, whoever held the lease. */
export async function markSent(db: Q, id: number, messageIds: string[], at: Date): Promise<void> {
  await updateSent(db, at.toISOString(), JSON.stringify(messageIds), id);
}
const updateSent = prepared('outbox.markSent', (db, sentAt: string, messageIds: string, id: number) =>
  db
    .updateTable('outbox')
    .set({ status: 'sent', sent_at: sentAt, message_ids: messageIds, claimed_by: null, lease_until: null })
    .where('id', '=', id)
    .where('status', '<>', 'sent'),
);

/** Sending failed for now: back to the queue (still the chat's head) until `nextAt`. */
export async function markRetry(db: Db, id: number, owner: string, attempts: number, nextAt: Date, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'pending', attempts, next_attempt_at: nextAt.toISOString(), last_error: error, claimed_by: null, lease_until: null })
    .where('id', '=', id)
    .where('claimed_by', '=', owner)
    .execute();
}

/** Given up: a permanent error, or retried for longer than the outbox's max age. */
export async function markFailed(db: Db, id: number, owner: string, attempts: number, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'failed', attempts, last_error: error, claimed_by: null, lease_until: null })
    .where('id', '=', id)
    .where('claimed_by', '=', owner)
    .execute();
}

/** A message that went out as `n` extra platform messages (a split text) counts them in its windows too. */
export async function chargeWindows(db: Q, windows: Window[], now: Date, n: number): Promise<void> {
  if (n <= 0 || windows.length === 0) return;
  const state = await readWindows(db, windows.map((w) => w.key), isPostgres(db));
  const t = now.getTime();
  await writeWindows(db, new Map(windows.map((w) => [w.key, take(state.get(w.key) ?? [], t, w, n)])));
}

export interface QueueDepth {
  platform: string;
  status: string;
  count: number;
}

/** Rows by platform and status (a gauge for metrics). */
export async function queueDepth(db: Db, statuses?: readonly string[]): Promise<QueueDepth[]> {
  let q = db
    .selectFrom('outbox')
    .select(['platform', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(['platform', 'status'])
    .orderBy('platform')
    .orderBy('status');
  if (statuses) q = q.where('status', 'in', statuses);
  return (await q.execute()).map((r) => ({ platform: r.platform, status: r.status, count: Number(r.n) }));
}

/** Rate windows idle since before `before` (older than any window) hold nothing: their rows can go. */
export async function pruneRates(db: Db, before: Date): Promise<number> {
  const r = await db.deleteFrom('outbox_rate').where('last_ms', '<', before.getTime()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function allOutbox(db: Db, platform?: string): Promise<OutboxRow[]> {
  let q = db.selectFrom('outbox').selectAll().orderBy('id');
  if (platform) q = q.where('platform', '=', platform);
  return q.execute();
}
