/**
 * Processes the stored updates: in order per chat (a chat's next update only after its previous
 * one is done), different chats side by side, several instances sharing the rows through leases
 * (a crashed instance's lease expires and another takes the row over). Each row is marked done in
 * the same transaction as the core's effects, so a crash at any point loses nothing and repeats
 * nothing. While the database is unreachable the worker waits, backing off, and carries on after.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ChatEvent } from '../chat/types';
import type { Db } from '../db';
import { dbErrorKind } from '../db/errors';
import type { InboundRow } from '../db/schema';
import type { Logger } from '../logger';
import { claimHeads, finishRow, hasRowRetryingBefore, releaseRow, type ClaimedRow } from './store';

/** Turns one stored update of a platform into core events; owned by the platform's adapter. */
export interface InboundProcessor {
  /** the events of one stored update (may be none); throw NotReadyError when it cannot be mapped yet */
  toEvents(payload: unknown): ChatEvent[] | Promise<ChatEvent[]>;
  /** a side effect after the row is done (e.g. Telegram's answerCallbackQuery); errors are only logged */
  afterCommit?(payload: unknown): Promise<void>;
}

/** The part of the chat core the worker needs. */
export interface StoredEventSink {
  /**
   * Applies the events in one transaction that begins with `finish(trx)` (marking the row done);
   * nothing happens when finish returns false. Throws when the database is unavailable (and, when
   * `conflictsThrow`, on a conflict with a concurrent transaction); other failures are apologised for.
   */
  handleStored(events: ChatEvent[], finish: (trx: Db) => Promise<boolean>, opts?: { conflictsThrow?: boolean }): Promise<void>;
}

/** The platform side is not ready to map the update (e.g. Telegram's getMe not answered yet). */
export class NotReadyError extends Error {}

export interface InboundWorkerOptions {
  db: Db;
  sink: StoredEventSink;
  log: Logger;
  /** how long a claim holds before another instance may take the row over (default 30 s) */
  leaseMs?: number;
  /** how often to look for rows stored by other instances or with expired leases (default 1 s) */
  pollMs?: number;
  /** chats processed side by side (default 8) */
  concurrency?: number;
  /**
   * rows held at most (claimed, processing or waiting for a slot; default 4 × concurrency): a claim
   * is made when fewer than `concurrency` are held, and takes up to this many, so a backlog costs
   * one claim per batch rather than one per row
   */
  prefetch?: number;
  /** first wait after a failure (default 250 ms), doubling up to maxBackoffMs (default 5 s) */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** the application clock (for processed_at); leases use real time */
  now?: () => Date;
}

const CONFLICT_RETRIES = 5;
/** how long idle() waits for rows put back for a short retry */
const IDLE_RETRY_WAIT_MS = 5000;

export class InboundWorker {
  readonly owner = `${os.hostname().slice(0, 20)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly processors = new Map<string, InboundProcessor>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly conflicts = new Map<number, number>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly prefetch: number;
  /** rows being processed (at most `concurrency`); the others held wait in `slotWaiters` */
  private active = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  /** the chats of the rows in hand, and those of them known to have a later row stored */
  private readonly chatsInHand = new Set<string>();
  private readonly moreFor = new Map<string, number>();
  private storeSeq = 0;
  /** whether the last pass took as many rows as it asked for (there may be more to claim now) */
  private lastPassFull = false;
  private failures = 0;
  /** false after a failed database call, until one succeeds */
  databaseUp = true;

  constructor(private readonly opts: InboundWorkerOptions) {
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 1000;
    this.concurrency = opts.concurrency ?? 8;
    this.prefetch = Math.max(this.concurrency, opts.prefetch ?? this.concurrency * 4);
    this.backoffMs = opts.backoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
  }

  register(platform: string, processor: InboundProcessor): void {
    this.processors.set(platform, processor);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming, and waits for the rows in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    await Promise.all([...this.inFlight.values()]);
  }

  /**
   * Something was stored (for `chat`, when known): look at once — unless that chat's current row
   * is in hand here, so the new one cannot be claimed before it is done; it is noted, and claimed
   * when that row finishes.
   */
  kick(chat?: { platform: string; chatKey: string }): void {
    if (chat) {
      // noted even when the chat is not in hand: a claim running now may take the chat's current
      // row without having seen this one (the note's number tells: stored after the claim began)
      const key = chatKeyOf(chat.platform, chat.chatKey);
      if (this.moreFor.size >= 10_000) this.moreFor.clear();
      this.moreFor.set(key, ++this.storeSeq);
      if (this.chatsInHand.has(key)) return;
    }
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Resolves when every stored row that can be processed now has been (tests, graceful shutdown).
   * Processes in this call's own passes when the worker is not started.
   */
  async idle(): Promise<void> {
    // a row put back for a short retry (a conflict with a concurrent transaction) is waited for too,
    // for a bounded time: a row that cannot be processed (database away) does not hold idle() forever
    const until = Date.now() + IDLE_RETRY_WAIT_MS;
    for (;;) {
      if (this.inFlight.size > 0) {
        await Promise.all([...this.inFlight.values()]);
        continue;
      }
      const n = await this.pass();
      if (n === 0 && this.inFlight.size === 0) {
        if (Date.now() >= until || !(await this.retryingSoon())) return;
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      await Promise.all([...this.inFlight.values()]);
    }
  }

  /** Rows of this worker's platforms put back to be retried within a second. */
  private async retryingSoon(): Promise<boolean> {
    return hasRowRetryingBefore(this.opts.db, [...this.processors.keys()], Date.now() + 1000).catch(() => false);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.pass();
        this.failures = 0;
      } catch (e) {
        this.failures++;
        const wait = Math.min(this.backoffMs * 2 ** (this.failures - 1), this.maxBackoffMs);
        this.opts.log.warn({ kind: dbErrorKind(e) ?? 'error', failures: this.failures, retryInMs: wait, error: errName(e) }, 'inbound: cannot claim updates; retrying');
        // a kick means an update was just stored: the database is back, look at once
        await this.sleep(wait);
        continue;
      }
      // claimed all there was (or holding enough): wait for a kick (a store, a finished row) or the poll
      if (claimed === 0 || !this.lastPassFull || this.inFlight.size >= this.concurrency) await this.sleep(this.pollMs);
    }
  }

  /**
   * Claims what can be processed now and starts it; the number claimed. Passes run one after the
   * other: a row claimed by the loop's pass is in `inFlight` before idle()'s pass looks.
   */
  private pass(): Promise<number> {
    const next = this.passing.then(
      () => this.passOnce(),
      () => this.passOnce(),
    );
    this.passing = next.catch(() => undefined);
    return next;
  }
  private passing: Promise<unknown> = Promise.resolve();

  private async passOnce(): Promise<number> {
    // the kick is taken before anything else: with every slot busy, a kick left standing made the
    // loop's sleep return at once, a loop of microtasks that starved the process (100 % CPU, its
    // transactions left open); the next kick comes when a row in flight finishes
    this.kicked = false;
    // every slot busy and rows waiting for one: the next claim comes when the held rows run low
    this.lastPassFull = false;
    if (this.inFlight.size >= this.concurrency) return 0;
    const free = this.prefetch - this.inFlight.size;
    const seq = this.storeSeq;
    let rows: ClaimedRow[];
    try {
      rows = await claimHeads(this.opts.db, {
        owner: this.owner,
        platforms: [...this.processors.keys()],
        nowMs: Date.now(),
        leaseMs: this.leaseMs,
        limit: free,
        skip: [...this.inFlight.keys()],
      });
      this.databaseUp = true;
    } catch (e) {
      if (dbErrorKind(e) === 'unavailable') this.databaseUp = false;
      throw e;
    }
    this.lastPassFull = rows.length === free;
    for (const row of rows) {
      const key = chatKeyOf(row.platform, row.chat_key);
      this.chatsInHand.add(key);
      const p = this.inSlot(() => this.process(row)).then(
        (outcome) => {
          this.inFlight.delete(row.id);
          this.chatsInHand.delete(key);
          // the chat's next update may go now: look when there is one (known at the claim, or
          // stored since), or when this one was put back; rows other instances stored are found
          // by the poll, as always
          const stored = this.moreFor.get(key);
          this.moreFor.delete(key);
          if (row.has_next || (stored !== undefined && stored > seq) || outcome !== 'done') this.kick();
        },
        () => {
          this.inFlight.delete(row.id);
          this.chatsInHand.delete(key);
          this.moreFor.delete(key);
          this.kick();
        },
      );
      this.inFlight.set(row.id, p);
    }
    return rows.length;
  }

  /** Runs `task` when one of the `concurrency` slots is free (in the order asked). */
  private async inSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) this.active++;
    else await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    try {
      return await task();
    } finally {
      // the slot goes straight to the next waiting row, or is freed
      const next = this.slotWaiters.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Processes one claimed row: 'done' when it was marked done, 'released' when put back for a retry. */
  private async process(row: InboundRow): Promise<'done' | 'released'> {
    const log = this.opts.log;
    const processor = this.processors.get(row.platform)!;
    const now = () => this.opts.now?.() ?? new Date();
    let payload: unknown;
    try {
      payload = JSON.parse(row.payload);
      const events = await processor.toEvents(payload);
      const conflictsThrow = (this.conflicts.get(row.id) ?? 0) < CONFLICT_RETRIES;
      await this.opts.sink.handleStored(events, (trx) => finishRow(trx, row.id, this.owner, now()), { conflictsThrow });
      this.conflicts.delete(row.id);
      this.databaseUp = true;
    } catch (e) {
      const kind = dbErrorKind(e);
      if (kind === 'unavailable' || kind === 'conflict' || e instanceof NotReadyError) {
        if (kind === 'unavailable') this.databaseUp = false;
        if (kind === 'conflict') this.conflicts.set(row.id, (this.conflicts.get(row.id) ?? 0) + 1);
        const retryMs = kind === 'conflict' ? 50 : Math.min(this.backoffMs * 2 ** this.failures, this.maxBackoffMs);
        log.warn({ platform: row.platform, row: row.id, kind: kind ?? 'not_ready', retryInMs: retryMs }, 'inbound: update not processed yet; will retry');
        // when the database is down this fails too, and the lease simply expires
        await releaseRow(this.opts.db, row.id, this.owner, Date.now(), retryMs).catch(() => undefined);
        return 'released';
      }
      // the mapping itself failed (a bug, or a payload it cannot read): never retried forever
      log.error({ platform: row.platform, row: row.id, error: errName(e) }, 'inbound: update could not be mapped; marked done');
      await this.opts.db
        .transaction()
        .execute((trx) => finishRow(trx, row.id, this.owner, now()))
        .catch(() => undefined);
      return 'done';
    }
    if (processor.afterCommit) {
      await processor.afterCommit(payload).catch((e: unknown) => log.warn({ platform: row.platform, error: errName(e) }, 'inbound: after-commit step failed'));
    }
    return 'done';
  }

  /** Waits `ms`, or until kick() (or stop()). */
  private sleep(ms: number): Promise<void> {
    if (this.kicked || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        if (self.wake === done) self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}

const chatKeyOf = (platform: string, chatKey: string): string => `${platform}\u0000${chatKey.slice(0, 64)}`;

function errName(e: unknown): string {
  if (e instanceof Error) return (e as { code?: string }).code ?? e.name;
  return 'unknown';
}
