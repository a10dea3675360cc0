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
import { claimHeads, finishRow, hasRowRetryingBefore, releaseRow } from './store';

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
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private failures = 0;
  /** false after a failed database call, until one succeeds */
  databaseUp = true;

  constructor(private readonly opts: InboundWorkerOptions) {
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 1000;
    this.concurrency = opts.concurrency ?? 8;
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

  /** Something was stored: look at once. */
  kick(): void {
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
      if (claimed === 0 || this.inFlight.size >= this.concurrency) await this.sleep(this.pollMs);
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
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    let rows: InboundRow[];
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
    for (const row of rows) {
      const p = this.process(row).finally(() => {
        this.inFlight.delete(row.id);
        this.kick(); // the chat's next update may go now
      });
      this.inFlight.set(row.id, p);
    }
    return rows.length;
  }

  private async process(row: InboundRow): Promise<void> {
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
        return;
      }
      // the mapping itself failed (a bug, or a payload it cannot read): never retried forever
      log.error({ platform: row.platform, row: row.id, error: errName(e) }, 'inbound: update could not be mapped; marked done');
      await this.opts.db
        .transaction()
        .execute((trx) => finishRow(trx, row.id, this.owner, now()))
        .catch(() => undefined);
      return;
    }
    if (processor.afterCommit) {
      await processor.afterCommit(payload).catch((e: unknown) => log.warn({ platform: row.platform, error: errName(e) }, 'inbound: after-commit step failed'));
    }
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

function errName(e: unknown): string {
  if (e instanceof Error) return (e as { code?: string }).code ?? e.name;
  return 'unknown';
}
