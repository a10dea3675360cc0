/**
 * Drains the outbox through each platform's sender. Every pass claims, per platform, the due head
 * of each chat's queue within the shared rate limits (outbox/store.ts: leases, FIFO per chat,
 * fairness, rate windows in the database), sends those rows concurrently (one per chat, so order holds),
 * and records the outcome:
 *
 * - sent: `sending` is written right before the send call and `sent` right after, so a crash can
 *   lose a send's outcome only during the call itself; such a row is resent once (maybe_sent), never twice;
 * - 429 / 5xx / network errors: retried with backoff (or the platform's retry_after) for as long as
 *   the row is younger than `maxAgeMs` (24 h), then failed — time, not a count of attempts;
 * - permanent errors (403 blocked or kicked, 400 chat not found): failed at once. The failed row
 *   stops holding its chat back: the chat's later messages are still tried (each fails at once if
 *   the chat is really gone), so nothing waits for a message that can never go.
 *
 * Several instances may drain one database; leases of a crashed one are reclaimed by the next
 * claim of any running instance, and a running instance renews the leases of rows it is sending.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { OutboxRow } from '../db/schema';
import { rememberBotMessage } from '../store/bot-messages';
import { chatWindows, globalWindow, type Window } from './rate-limit';
import * as store from './store';
import { SendError, type Outgoing, type PlatformSender } from './types';

export interface SendFailure {
  platform: string;
  /** retry: will be tried again; failed: permanent error; expired: retried past the max age; unknown: outcome lost twice */
  outcome: 'retry' | 'failed' | 'expired' | 'unknown';
  permanent: boolean;
  /** error summary (never message text) */
  reason: string;
  attempts: number;
}

/** For metrics (ops): called synchronously; must not throw. */
export interface DrainerHooks {
  onSent?(e: { platform: string; attempts: number; /** ms from queueing to sent */ latencyMs: number; parts: number }): void;
  onFailure?(e: SendFailure): void;
  onReclaim?(e: { platform: string } & store.Reclaimed): void;
}

export interface DrainerOptions {
  /** first retry delay; doubles each attempt up to `maxBackoffMs` (default 1 s) */
  backoffMs?: number;
  /** longest delay between retries (default 5 min) */
  maxBackoffMs?: number;
  /** a message still failing this long after it was queued fails for good (default 24 h) */
  maxAgeMs?: number;
  /** how long a claim holds without renewal: a crashed instance's rows wait this long at most (default 30 s) */
  leaseMs?: number;
  /** renewal period for rows being sent (default leaseMs / 3) */
  heartbeatMs?: number;
  /** the periodic pass (default 1 s) */
  pollMs?: number;
  /** rows claimed per platform per round (default 20) */
  batch?: number;
  /** concurrent send calls per platform (default 4) */
  concurrency?: number;
  /** this instance's name in `claimed_by` (default host:pid:random) */
  instanceId?: string;
  hooks?: DrainerHooks;
}

interface PendingMark {
  row: OutboxRow;
  message: Outgoing;
  messageIds: string[];
  at: Date;
}

export class OutboxDrainer {
  readonly instanceId: string;
  private readonly senders = new Map<string, PlatformSender>();
  private readonly hooks: DrainerHooks[] = [];
  private timer: NodeJS.Timeout | undefined;
  private wake: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Set<number>();
  /** sends that succeeded but whose `sent` could not be written yet (database away) */
  private readonly unmarked: PendingMark[] = [];
  private readonly o: Required<Omit<DrainerOptions, 'hooks' | 'instanceId'>>;

  constructor(
    private readonly db: Db,
    senders: PlatformSender[],
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: DrainerOptions = {},
  ) {
    for (const s of senders) this.senders.set(s.platform, s);
    const leaseMs = opts.leaseMs ?? 30_000;
    this.o = {
      backoffMs: opts.backoffMs ?? 1000,
      maxBackoffMs: opts.maxBackoffMs ?? 300_000,
      maxAgeMs: opts.maxAgeMs ?? 24 * 3600_000,
      leaseMs,
      heartbeatMs: opts.heartbeatMs ?? Math.max(1000, Math.floor(leaseMs / 3)),
      pollMs: opts.pollMs ?? 1000,
      batch: opts.batch ?? 20,
      concurrency: opts.concurrency ?? 4,
    };
    this.instanceId = opts.instanceId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    if (opts.hooks) this.hooks.push(opts.hooks);
  }

  /** Adds metric hooks; returns a function that removes them. */
  addHooks(h: DrainerHooks): () => void {
    this.hooks.push(h);
    return () => {
      const i = this.hooks.indexOf(h);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Outbox rows by platform and status (for a queue-depth gauge). */
  depth(statuses?: readonly string[]): Promise<store.QueueDepth[]> {
    return store.queueDepth(this.db, statuses);
  }

  /** Starts draining periodically; `kick()` wakes it at once. */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.o.pollMs);
    this.timer.unref?.();
    this.kick();
  }

  /** Stops the timer and waits for the pass in progress (its sends finish and are recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.wake) clearTimeout(this.wake);
    this.timer = undefined;
    this.wake = undefined;
    await this.idle();
  }

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drainAll()
      .then(() => undefined)
      .catch((e: unknown) => this.log.error({ err: errorSummary(e) }, 'outbox drain failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits until everything currently due has been tried (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Rounds over every platform until nothing more can be claimed now; returns the number sent. */
  async drainAll(): Promise<number> {
    await this.flushUnmarked();
    const beat = setInterval(() => void this.renew(), this.o.heartbeatMs);
    beat.unref?.();
    let sent = 0;
    let rateWait: number | undefined;
    try {
      for (;;) {
        let claimed = 0;
        for (const platform of this.senders.keys()) {
          const r = await this.round(platform);
          claimed += r.claimed;
          sent += r.sent;
          if (r.rateWaitMs !== undefined) rateWait = Math.min(rateWait ?? Infinity, r.rateWaitMs);
        }
        // stopping: the rows claimed so far were sent and recorded; the rest waits for the next start
        if (claimed === 0 || this.stopped) break;
      }
    } finally {
      clearInterval(beat);
    }
    // held back by a rate limit for less than a poll: come back when it allows
    if (rateWait !== undefined && rateWait < this.o.pollMs && this.timer && !this.wake) {
      this.wake = setTimeout(() => {
        this.wake = undefined;
        this.kick();
      }, rateWait);
      this.wake.unref?.();
    }
    return sent;
  }

  /** One platform until nothing more can be claimed now; returns the number sent. */
  async drain(platform: string): Promise<number> {
    let sent = 0;
    for (;;) {
      const r = await this.round(platform);
      sent += r.sent;
      if (r.claimed === 0) return sent;
    }
  }

  private async round(platform: string): Promise<{ claimed: number; sent: number; rateWaitMs?: number }> {
    const sender = this.senders.get(platform);
    if (!sender) return { claimed: 0, sent: 0 };
    const claim = await store.claimBatch(this.db, {
      platform,
      owner: this.instanceId,
      now: this.clock.now(),
      leaseMs: this.o.leaseMs,
      limit: this.o.batch,
      global: globalWindow(platform, sender.limits),
      windowsFor: (chatId) => this.chatWindows(sender, chatId),
    });
    const { released, resent, unknown } = claim.reclaimed;
    if (released + resent + unknown > 0) {
      this.log.warn({ platform, released, resent, unknown }, 'outbox leases of a stopped instance reclaimed');
      this.emit((h) => h.onReclaim?.({ platform, ...claim.reclaimed }));
      for (let i = 0; i < unknown; i++) this.emit((h) => h.onFailure?.({ platform, outcome: 'unknown', permanent: false, reason: 'send outcome unknown twice', attempts: 0 }));
    }
    let sent = 0;
    const queue = [...claim.rows];
    const errors: unknown[] = [];
    const worker = async (): Promise<void> => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        try {
          if (await this.sendOne(sender, row)) sent++;
        } catch (e) {
          errors.push(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, queue.length) }, worker));
    if (errors.length > 0) throw errors[0];
    return { claimed: claim.rows.length, sent, ...(claim.rateWaitMs !== undefined ? { rateWaitMs: claim.rateWaitMs } : {}) };
  }

  private chatWindows(sender: PlatformSender, chatId: string): Window[] {
    return chatWindows(sender.platform, chatId, sender.limits, sender.isGroupChat ? sender.isGroupChat(chatId) : true);
  }

  /** Sends one claimed row; true when it was sent. */
  private async sendOne(sender: PlatformSender, row: OutboxRow): Promise<boolean> {
    this.inFlight.add(row.id);
    try {
      // the window in which a crash loses the outcome opens here…
      if (!(await store.markSending(this.db, row.id, this.instanceId, this.clock.now(), this.o.leaseMs))) {
        this.log.warn({ outboxId: row.id }, 'outbox claim lost before sending; left to its new holder');
        return false;
      }
      const message = JSON.parse(row.payload) as Outgoing;
      let messageIds: string[];
      try {
        ({ messageIds } = await sender.send(message));
      } catch (e) {
        await this.failed(row, e);
        return false;
      }
      // …and closes here
      const mark: PendingMark = { row, message, messageIds, at: this.clock.now() };
      try {
        await this.markSent(sender, mark);
      } catch (e) {
        this.unmarked.push(mark);
        throw e;
      }
      return true;
    } finally {
      if (!this.unmarked.some((m) => m.row.id === row.id)) this.inFlight.delete(row.id);
    }
  }

  private async markSent(sender: PlatformSender, { row, message, messageIds, at }: PendingMark): Promise<void> {
    if (!message.context && messageIds.length <= 1) {
      // one statement: atomic on its own, no transaction needed
      await store.markSent(this.db, row.id, messageIds, at);
    } else {
      await store.writeTx(this.db, async (trx) => {
        await store.markSent(trx, row.id, messageIds, at);
        if (message.context) await rememberBotMessage(trx, row.platform, row.chat_id, messageIds, message.context, at);
        if (messageIds.length > 1) {
          await store.chargeWindows(trx, [globalWindow(row.platform, sender.limits), ...this.chatWindows(sender, row.chat_id)], at, messageIds.length - 1);
        }
      });
    }
    const latencyMs = at.getTime() - Date.parse(row.created_at);
    this.emit((h) => h.onSent?.({ platform: row.platform, attempts: row.attempts + 1, latencyMs, parts: messageIds.length }));
  }

  /** Sends whose `sent` could not be written (database away) are recorded before anything else. */
  private async flushUnmarked(): Promise<void> {
    while (this.unmarked.length > 0) {
      const mark = this.unmarked[0]!;
      const sender = this.senders.get(mark.row.platform)!;
      await this.markSent(sender, mark);
      this.unmarked.shift();
      this.inFlight.delete(mark.row.id);
    }
  }

  private async renew(): Promise<void> {
    const until = new Date(this.clock.now().getTime() + this.o.leaseMs);
    await store.renewLeases(this.db, this.instanceId, [...this.inFlight], until).catch((e: unknown) => {
      this.log.warn({ err: errorSummary(e) }, 'outbox lease renewal failed');
    });
  }

  private async failed(row: OutboxRow, e: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const reason = errorSummary(e);
    const permanent = e instanceof SendError && e.permanent;
    const platform = row.platform;
    if (permanent) {
      this.log.warn({ outboxId: row.id, platform, attempts, reason }, 'outbox message failed for good');
      await store.markFailed(this.db, row.id, this.instanceId, attempts, reason);
      this.emit((h) => h.onFailure?.({ platform, outcome: 'failed', permanent, reason, attempts }));
      return;
    }
    const now = this.clock.now().getTime();
    // never 0: a row retried "now" would be claimed again within the same pass
    const delay = Math.max(
      1,
      e instanceof SendError && e.retryAfterMs !== undefined
        ? e.retryAfterMs
        : Math.min(this.o.backoffMs * 2 ** Math.min(attempts - 1, 30), this.o.maxBackoffMs),
    );
    const deadline = Date.parse(row.created_at) + this.o.maxAgeMs;
    if (now + delay > deadline) {
      const hours = Math.round(this.o.maxAgeMs / 360_000) / 10;
      this.log.warn({ outboxId: row.id, platform, attempts, reason }, 'outbox message failed: retried for the whole max age');
      await store.markFailed(this.db, row.id, this.instanceId, attempts, `${reason} (still failing after ${hours} h)`);
      this.emit((h) => h.onFailure?.({ platform, outcome: 'expired', permanent, reason, attempts }));
      return;
    }
    this.log.info({ outboxId: row.id, platform, attempts, retryInMs: delay }, 'outbox message will be retried');
    await store.markRetry(this.db, row.id, this.instanceId, attempts, new Date(now + delay), reason);
    this.emit((h) => h.onFailure?.({ platform, outcome: 'retry', permanent, reason, attempts }));
  }

  private emit(call: (h: DrainerHooks) => void): void {
    for (const h of this.hooks) {
      try {
        call(h);
      } catch (e) {
        this.log.warn({ err: errorSummary(e) }, 'outbox hook failed');
      }
    }
  }
}

/** A short error text for rows and logs: the SendError's summary, never a payload. */
function errorSummary(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 500);
}
