/**
 * Drains the outbox through each platform's sender: in order per chat, within the platform's
 * rate limits, retrying on 429/5xx with backoff, and recording messages that finally fail without
 * blocking the others. Several processes may drain one database: rows are claimed before sending.
 */
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import * as outbox from '../store/outbox';
import { rememberBotMessage } from '../store/bot-messages';
import { SendError, type Outgoing, type PlatformSender } from './types';

export interface DrainerOptions {
  maxAttempts?: number;
  /** first retry delay; doubles each attempt, capped at 5 minutes */
  backoffMs?: number;
  pollMs?: number;
}

export class OutboxDrainer {
  private readonly senders = new Map<string, PlatformSender>();
  private readonly sentAt = new Map<string, number[]>(); // "platform:chat" → send instants within the last minute
  private readonly lastSend = new Map<string, number>(); // platform → last send instant
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly db: Db,
    senders: PlatformSender[],
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: DrainerOptions = {},
  ) {
    for (const s of senders) this.senders.set(s.platform, s);
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.pollMs = opts.pollMs ?? 1000;
  }

  /** Starts draining periodically; `kick()` wakes it at once. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref?.();
    void outbox.releaseStale(this.db, new Date(this.clock.now().getTime() - 60_000)).catch(() => undefined);
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drainAll()
      .then(() => undefined)
      .catch((e: unknown) => this.log.error({ err: e }, 'outbox drain failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits until everything currently due has been tried (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** One pass over every platform; returns the number of messages sent. */
  async drainAll(): Promise<number> {
    let n = 0;
    for (const platform of this.senders.keys()) n += await this.drain(platform);
    return n;
  }

  async drain(platform: string): Promise<number> {
    const sender = this.senders.get(platform);
    if (!sender) return 0;
    let sent = 0;
    const blocked = new Set<string>();
    for (;;) {
      const rows = await outbox.duePending(this.db, platform, this.clock.now(), 100);
      const todo = rows.filter((r) => !blocked.has(r.chat_id));
      if (todo.length === 0) return sent;
      for (const row of todo) {
        if (blocked.has(row.chat_id)) continue;
        const wait = this.waitFor(sender, row.chat_id);
        if (wait > 0) {
          if (wait > 2000) {
            // a group over its per-minute budget: leave its rows for later, keep going with others
            blocked.add(row.chat_id);
            continue;
          }
          await sleep(wait);
        }
        if (!(await outbox.claim(this.db, row.id, this.clock.now()))) continue;
        const message = JSON.parse(row.payload) as Outgoing;
        this.note(sender, row.chat_id);
        try {
          const { messageIds } = await sender.send(message);
          const now = this.clock.now();
          await outbox.markSent(this.db, row.id, messageIds, now);
          if (message.context) {
            await rememberBotMessage(this.db, platform, row.chat_id, messageIds, message.context, now);
          }
          sent++;
        } catch (e) {
          blocked.add(row.chat_id); // keep this chat's order: later rows wait for this one
          await this.failed(row.id, row.attempts + 1, e);
        }
      }
    }
  }

  private async failed(id: number, attempts: number, e: unknown): Promise<void> {
    const reason = e instanceof Error ? e.message : String(e);
    const permanent = e instanceof SendError && e.permanent;
    if (permanent || attempts >= this.maxAttempts) {
      this.log.warn({ outboxId: id, attempts, reason }, 'outbox message failed for good');
      await outbox.markFailed(this.db, id, attempts, reason);
      return;
    }
    const retryAfter = e instanceof SendError && e.retryAfterMs !== undefined
      ? e.retryAfterMs
      : Math.min(this.backoffMs * 2 ** (attempts - 1), 300_000);
    this.log.info({ outboxId: id, attempts, retryAfter }, 'outbox message will be retried');
    await outbox.markRetry(this.db, id, attempts, new Date(this.clock.now().getTime() + retryAfter), reason);
  }

  /** Milliseconds to wait before the next message to `chatId` is within the platform's limits. */
  private waitFor(sender: PlatformSender, chatId: string): number {
    const now = Date.now();
    let wait = 0;
    const last = this.lastSend.get(sender.platform);
    if (last !== undefined) wait = Math.max(wait, last + 1000 / sender.limits.perSecond - now);
    const perMinute = sender.limits.perGroupPerMinute;
    if (perMinute !== undefined) {
      const key = `${sender.platform}:${chatId}`;
      const recent = (this.sentAt.get(key) ?? []).filter((t) => t > now - 60_000);
      this.sentAt.set(key, recent);
      if (recent.length >= perMinute) wait = Math.max(wait, recent[0]! + 60_000 - now);
    }
    return wait;
  }

  private note(sender: PlatformSender, chatId: string): void {
    const now = Date.now();
    this.lastSend.set(sender.platform, now);
    if (sender.limits.perGroupPerMinute !== undefined) {
      const key = `${sender.platform}:${chatId}`;
      const list = this.sentAt.get(key) ?? [];
      list.push(now);
      this.sentAt.set(key, list);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
