/**
 * Prometheus metrics (prom-client), one registry per app so several apps in one process (tests)
 * never collide. Labels are platforms, statuses and outcomes only: never chats, people or text.
 *
 *   cnscd_outbox_messages{platform,status}       messages waiting (pending, sending, failed) — queue depth
 *   cnscd_outbox_oldest_pending_seconds{platform} age of the oldest message still waiting
 *   cnscd_inbound_pending                          inbound updates stored, not yet processed
 *   cnscd_messages_sent_total{platform}           messages the platforms accepted
 *   cnscd_send_failures_total{platform,kind}      sends that failed: rate_limited | temporary | permanent
 *   cnscd_event_seconds{platform,outcome}         time from an inbound event to its messages queued
 *   cnscd_reminder_runs_total{outcome}            scheduler ticks: ok | error
 *   cnscd_reminder_messages_total                 reminder messages queued
 *   cnscd_retention_deleted_rows_total{table}     rows removed by the daily retention job
 * plus prom-client's default process metrics (cnscd_process_*, cnscd_nodejs_*).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './db';
import type { Clock } from './clock';
import type { PlatformSender } from './outbox/types';
import { queueDepth } from './outbox/store';
import { pendingCount } from './inbound/store';

export interface Metrics {
  registry: Registry;
  eventHandled(platform: string, seconds: number, outcome: string): void;
  reminderRun(ok: boolean, messages: number): void;
  retentionDeleted(table: string, rows: number): void;
  /** the sender, counting what it sent and how its sends failed */
  instrument<S extends PlatformSender>(sender: S): S;
  /** the exposition text and its content type */
  render(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(deps: { db: Db; clock: Clock; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (deps.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'cnscd_' });

  new Gauge({
    name: 'cnscd_outbox_messages',
    help: 'Outbox messages not yet sent, by platform and status (pending, sending, failed)',
    labelNames: ['platform', 'status'] as const,
    registers,
    async collect() {
      this.reset();
      // the database may be away: report nothing rather than fail /metrics
      const rows = await queueDepth(deps.db, ['pending', 'claimed', 'sending', 'failed', 'unknown']).catch(() => []);
      for (const r of rows) this.set({ platform: r.platform, status: r.status }, r.count);
    },
  });

  new Gauge({
    name: 'cnscd_outbox_oldest_pending_seconds',
    help: 'Age of the oldest outbox message still waiting to be sent, by platform',
    labelNames: ['platform'] as const,
    registers,
    async collect() {
      this.reset();
      const rows = await deps.db
        .selectFrom('outbox')
        .select(['platform', (eb) => eb.fn.min('created_at').as('oldest')])
        .where('status', 'in', ['pending', 'sending'])
        .groupBy('platform')
        .execute()
        .catch(() => []);
      const now = deps.clock.now().getTime();
      for (const r of rows) {
        if (r.oldest) this.set({ platform: r.platform }, Math.max(0, (now - new Date(String(r.oldest)).getTime()) / 1000));
      }
    },
  });

  new Gauge({
    name: 'cnscd_inbound_pending',
    help: 'Inbound updates stored and not yet processed',
    registers,
    async collect() {
      this.reset();
      const n = await pendingCount(deps.db).catch(() => undefined);
      if (n !== undefined) this.set(n);
    },
  });

  const sent = new Counter({ name: 'cnscd_messages_sent_total', help: 'Messages accepted by a platform', labelNames: ['platform'] as const, registers });
  const failures = new Counter({
    name: 'cnscd_send_failures_total',
    help: 'Failed sends by platform and kind (rate_limited, temporary, permanent)',
    labelNames: ['platform', 'kind'] as const,
    registers,
  });
  const events = new Histogram({
    name: 'cnscd_event_seconds',
    help: 'Seconds from taking an inbound event to its answers queued, by platform and outcome',
    labelNames: ['platform', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const reminderRuns = new Counter({ name: 'cnscd_reminder_runs_total', help: 'Reminder scheduler runs by outcome', labelNames: ['outcome'] as const, registers });
  const reminderMessages = new Counter({ name: 'cnscd_reminder_messages_total', help: 'Reminder messages queued', registers });
  const retention = new Counter({
    name: 'cnscd_retention_deleted_rows_total',
    help: 'Rows removed by the retention job, by table',
    labelNames: ['table'] as const,
    registers,
  });
  // the series exist (at 0) from the start, so dashboards and alerts see them before the first event
  reminderRuns.inc({ outcome: 'ok' }, 0);
  reminderRuns.inc({ outcome: 'error' }, 0);

  return {
    registry,
    eventHandled(platform, seconds, outcome) {
      events.observe({ platform, outcome }, seconds);
    },
    reminderRun(ok, messages) {
      reminderRuns.inc({ outcome: ok ? 'ok' : 'error' });
      if (messages > 0) reminderMessages.inc(messages);
    },
    retentionDeleted(table, rows) {
      retention.inc({ table }, rows);
    },
    instrument<S extends PlatformSender>(sender: S): S {
      sent.inc({ platform: sender.platform }, 0);
      for (const kind of ['rate_limited', 'temporary', 'permanent']) failures.inc({ platform: sender.platform, kind }, 0);
      const send: PlatformSender['send'] = async (message) => {
        try {
          const r = await sender.send(message);
          sent.inc({ platform: sender.platform });
          return r;
        } catch (e) {
          const x = e as { permanent?: unknown; retryAfterMs?: unknown };
          const kind = x.permanent === true ? 'permanent' : typeof x.retryAfterMs === 'number' ? 'rate_limited' : 'temporary';
          failures.inc({ platform: sender.platform, kind });
          throw e;
        }
      };
      // everything else (limits, platform, extra methods) is the sender's own
      return new Proxy(sender, {
        get: (target, prop) => {
          if (prop === 'send') return send;
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
