/**
 * getUpdates long polling, for development when there is no public HTTPS URL (research/zalo.md
 * §2.4). Zalo hands out ONE update per call and has no offset or ack; "no update" is error 408 and
 * is not a failure. Network and server errors back off (1 s doubling to 30 s), and so does a "no
 * update" answered at once instead of after holding the poll (a server that does not long-poll
 * must not turn the loop into a tight one); `stop()` aborts the call in flight and resolves once
 * the loop has ended.
 */
import type { Logger } from '../../logger';
import { silentLogger } from '../../logger';
import { ZaloApiError, ZaloNetworkError, type ZaloClient } from './client';
import type { ZaloUpdate } from './update';

export interface ZaloPollerOptions {
  client: ZaloClient;
  onUpdate: (update: ZaloUpdate) => Promise<void>;
  log?: Logger;
  /** the `timeout` sent to getUpdates, in seconds (default 30) */
  timeoutSeconds?: number;
  /** first backoff after an error (default 1000 ms), doubling to `maxBackoffMs` (default 30 s) */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * durable inbound: `onUpdate` stores the update; when it fails (the database is unreachable) it
   * is tried again, backing off, before more updates are asked for
   */
  retryFailed?: boolean;
  /** an empty answer faster than this (default 250 ms) was not a held long poll */
  minPollMs?: number;
  /** how the loop waits (tests pass one that records and resolves at once) */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** milliseconds, for telling a held poll from an instant answer */
  now?: () => number;
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

export class ZaloPoller {
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly log: Logger;
  /** consecutive failures, for the backoff and for health checks */
  failures = 0;

  constructor(private readonly opts: ZaloPollerOptions) {
    this.log = opts.log ?? silentLogger;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  start(): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    this.loop = this.run(controller.signal).finally(() => {
      this.loop = undefined;
    });
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const timeoutSeconds = this.opts.timeoutSeconds ?? 30;
    const base = this.opts.backoffMs ?? 1000;
    const cap = this.opts.maxBackoffMs ?? 30_000;
    const minPollMs = this.opts.minPollMs ?? 250;
    const now = this.opts.now ?? Date.now;
    const delay = this.opts.delay ?? sleep;
    let instantEmpty = 0;
    this.log.info({ timeoutSeconds }, 'zalo: polling getUpdates');
    while (!signal.aborted) {
      let updates: ZaloUpdate[];
      const asked = now();
      try {
        updates = await this.opts.client.getUpdates({ timeoutSeconds }, { signal });
        this.failures = 0;
        if (updates.length === 0 && now() - asked < minPollMs) {
          if (signal.aborted) break;
          instantEmpty++;
          const wait = Math.min(base * 2 ** (instantEmpty - 1), cap);
          if (instantEmpty === 1) this.log.warn({ retryInMs: wait }, 'zalo getUpdates answered "no update" at once; backing off');
          await delay(wait, signal);
          continue;
        }
        instantEmpty = 0;
      } catch (e) {
        if (signal.aborted) break;
        this.failures++;
        const wait = Math.min(base * 2 ** (this.failures - 1), cap);
        if (e instanceof ZaloApiError) {
          this.log[e.unauthorized ? 'error' : 'warn'](
            { code: e.code, failures: this.failures, retryInMs: wait },
            e.unauthorized ? 'zalo getUpdates: token rejected (401)' : 'zalo getUpdates failed',
          );
        } else if (e instanceof ZaloNetworkError) {
          this.log.warn({ reason: e.reason, failures: this.failures, retryInMs: wait }, 'zalo getUpdates: network error');
        } else {
          this.log.warn({ failures: this.failures, retryInMs: wait }, 'zalo getUpdates: unexpected error');
        }
        await delay(wait, signal);
        continue;
      }
      for (const u of updates) {
        if (this.opts.retryFailed) {
          await this.untilStored(u, signal);
          continue;
        }
        try {
          await this.opts.onUpdate(u);
        } catch (e) {
          this.log.error(
            { eventName: u.event_name, messageId: u.message.message_id, error: e instanceof Error ? e.name : 'unknown' },
            'zalo: handling an update failed',
          );
        }
      }
    }
    this.log.info('zalo: polling stopped');
  }

  /** Hands the update over until it is taken (stored), pausing the polling meanwhile. */
  private async untilStored(u: ZaloUpdate, signal: AbortSignal): Promise<void> {
    const base = this.opts.backoffMs ?? 1000;
    const cap = this.opts.maxBackoffMs ?? 30_000;
    for (let failures = 0; ; ) {
      try {
        await this.opts.onUpdate(u);
        return;
      } catch (e) {
        failures++;
        const wait = Math.min(base * 2 ** (failures - 1), cap);
        this.log.warn({ failures, retryInMs: wait, error: e instanceof Error ? ((e as { code?: string }).code ?? e.name) : 'unknown' }, 'zalo: update not stored; polling paused');
        // stopping now loses this one update: Zalo's getUpdates has no offset to ask for it again
        if (signal.aborted) return;
        await (this.opts.delay ?? sleep)(wait, signal);
        if (signal.aborted) return;
      }
    }
  }
}
