/**
 * Builds the whole application from configuration: database (migrated), chat core, outbox
 * drainer, the platform adapters that are configured, the simulator, and the web server.
 * main.ts starts it; tests build it with their own clock and fake platform servers.
 */
import type { Server } from 'node:http';
import type { Router } from 'express';
import { getProfile } from './app/profiles';
import { seedDemo } from './app/demo-seed';
import { createChatCore, type ChatCore } from './chat';
import { OutboxDrainer, type DrainerHooks } from './outbox/drainer';
import type { PlatformSender } from './outbox/types';
import { OffsetClock, type Clock } from './clock';
import { ConfigError, type Config } from './config';
import { openDatabase, type DbHandle } from './db';
import { isDbUnavailable } from './db/errors';
import { migrateToLatest } from './db/migrate';
import { createIntake, InboundWorker } from './inbound';
import type { Logger } from './logger';
import { createSimulator, type Simulator } from './platforms/simulator';
import { telegramFromConfig, type TelegramAdapter } from './platforms/telegram';
import { zaloAdapterFromConfig, type ZaloAdapter } from './platforms/zalo';
import { ReminderScheduler } from './scheduler';
import { createWebApp } from './web/server';
import { createMetrics, type Metrics } from './metrics';
import { RetentionJob } from './scheduler/retention';

export interface App {
  config: Config;
  handle: DbHandle;
  core: ChatCore;
  drainer: OutboxDrainer;
  /** processes the stored platform updates (durable inbound) */
  inbound: InboundWorker;
  clock: Clock;
  simulator?: Simulator;
  telegram?: TelegramAdapter;
  zalo?: ZaloAdapter;
  /** the reminder tick; its cron runs when SCHEDULER=on (tests call `scheduler.tick()` or `scheduler.reminders.runDue`) */
  scheduler: ReminderScheduler;
  /** the daily retention run; its cron runs when SCHEDULER=on (tests call `retention.run()`) */
  retention: RetentionJob;
  /** Prometheus metrics, served at /metrics (METRICS=on) */
  metrics?: Metrics;
  web: ReturnType<typeof createWebApp>;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

export interface BuildOptions {
  log: Logger;
  /** defaults to real time, shiftable from the simulator */
  clock?: Clock;
  /** drainer poll interval (tests use a short one) */
  pollMs?: number;
  /** inbound lease: how long a crashed instance's claim on an update holds (default 30 s) */
  inboundLeaseMs?: number;
  /** outbox metrics: sent, failures, reclaimed leases (more can be added with `app.drainer.addHooks`) */
  outboxHooks?: DrainerHooks;
  /** prom-client's process metrics too (main.ts; off by default, as tests build many apps in one process) */
  defaultMetrics?: boolean;
}

export async function buildApp(config: Config, opts: BuildOptions): Promise<App> {
  const { log } = opts;
  const offsetClock = opts.clock ? undefined : new OffsetClock();
  const clock = opts.clock ?? offsetClock!;
  assertSimulatorLocal(config);
  const handle = openDatabase(config.DATABASE_URL, {
    onConnectionError: (e) => log.warn({ code: (e as { code?: string }).code ?? e.name }, 'database connection lost; reconnecting on the next query'),
  });
  // the database may be starting or unreachable: wait for it instead of exiting
  const applied = await untilDatabase(() => migrateToLatest(handle.db), log);
  if (applied.length) log.info({ applied }, 'migrations applied');

  const metrics = config.METRICS === 'on' ? createMetrics({ db: handle.db, clock, defaultMetrics: opts.defaultMetrics ?? false }) : undefined;
  let drainer: OutboxDrainer | undefined;
  const delivery = { groupsOff: config.ZALO_GROUPS === 'off' ? ['zalo'] : [] };
  const core = createChatCore({
    db: handle.db,
    clock,
    log,
    profile: getProfile,
    defaultLocale: config.DEFAULT_LOCALE,
    delivery,
    ...(config.ZALO_BOT_LINK ? { botLinks: { zalo: config.ZALO_BOT_LINK } } : {}),
    adminIds: (config.ADMIN_IDS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    onQueued: () => drainer?.kick(),
    ...(metrics ? { onHandled: (p: string, s: number, o: string) => metrics.eventHandled(p, s, o) } : {}),
  });

  const inbound = new InboundWorker({
    db: handle.db,
    sink: core,
    log,
    now: () => clock.now(),
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    leaseMs: opts.inboundLeaseMs ?? config.INBOUND_LEASE_SECONDS * 1000,
    // PostgreSQL runs events side by side (waiting on round trips, not CPU); SQLite has one writer
    concurrency: handle.dialect === 'postgres' ? 16 : 8,
  });
  const intake = createIntake(handle.db, inbound, () => clock.now());
  const telegram = telegramFromConfig(config, { sink: core, log, clock, inbound: intake });
  const zalo = zaloAdapterFromConfig(config, { sink: core, log, clock, inbound: intake });
  if (telegram) inbound.register('telegram', telegram.processor);
  if (zalo) inbound.register('zalo', zalo.processor);
  const wantSimulator = config.SIMULATOR === 'on' || (config.SIMULATOR === 'auto' && !telegram && !zalo);
  const simulator = wantSimulator
    ? createSimulator({ sink: core, db: handle.db, clock, ...(offsetClock ? { offsetClock } : {}), idle: () => drainer!.idle(), tz: config.TZ_NAME })
    : undefined;

  const senders: PlatformSender[] = [telegram?.sender, zalo?.sender, simulator?.sender]
    .filter((s): s is PlatformSender => !!s)
    .map((s) => (metrics ? metrics.instrument(s) : s));
  drainer = new OutboxDrainer(handle.db, senders, clock, log, {
    pollMs: opts.pollMs ?? 1000,
    // sends in flight per platform: each waits for its database writes behind the inbound work, so
    // a few would let replies fall behind under load (the platforms' rate windows still apply)
    concurrency: 32,
    maxAgeMs: config.OUTBOX_MAX_AGE_HOURS * 3600_000,
    ...(opts.outboxHooks ? { hooks: opts.outboxHooks } : {}),
  });

  const routers: Router[] = [];
  if (telegram) routers.push(telegram.router);
  if (zalo) routers.push(zalo.webhook.router);
  if (simulator) routers.push(simulator.router);
  const web = createWebApp(routers, {
    ready: () => handle.ping(),
    ...(metrics ? { metrics } : {}),
    ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
  });

  const seed = config.DEMO_SEED === 'on' || (config.DEMO_SEED === 'auto' && !!simulator);
  if (seed) {
    const empty = !(await handle.db.selectFrom('units').select('id').limit(1).executeTakeFirst());
    if (empty || config.DEMO_SEED === 'on') {
      const s = await seedDemo(handle.db, config.DEFAULT_PROFILE, clock.now());
      if (s.created) log.info({ profile: s.profile, units: Object.values(s.unitsByLevel).flat().length }, 'demo data seeded');
      // in the simulator every demo group starts linked to its unit, so reporting works at once
      if (simulator && s.created) await simulator.linkDemoGroups();
    }
  }

  // the same clock as the core and the simulator: a simulator clock jump triggers due points at the next tick
  const scheduler = new ReminderScheduler({
    db: handle.db,
    clock,
    log,
    profile: getProfile,
    timezone: config.TZ_NAME,
    delivery,
    onQueued: () => drainer?.kick(),
    ...(metrics ? { onRun: (r: { messages: number } | undefined) => metrics.reminderRun(!!r, r?.messages ?? 0) } : {}),
  });
  const retention = new RetentionJob({
    db: handle.db,
    clock,
    log,
    periods: {
      inboundDays: config.RETENTION_INBOUND_DAYS,
      outboxDays: config.RETENTION_OUTBOX_DAYS,
      dialogDays: config.RETENTION_DIALOG_DAYS,
      botMessageDays: config.RETENTION_BOT_MESSAGE_DAYS,
    },
    hour: config.RETENTION_HOUR,
    timezone: config.TZ_NAME,
    ...(metrics ? { onPruned: (r) => Object.entries(r).forEach(([t, n]) => metrics.retentionDeleted(t, Number(n))) } : {}),
  });

  let server: Server | undefined;
  return {
    config,
    handle,
    core,
    drainer,
    inbound,
    clock,
    web,
    scheduler,
    retention,
    ...(metrics ? { metrics } : {}),
    ...(simulator ? { simulator } : {}),
    ...(telegram ? { telegram } : {}),
    ...(zalo ? { zalo } : {}),
    async start() {
      drainer!.start();
      inbound.start();
      await new Promise<void>((resolve) => {
        server = web.listen(config.PORT, config.HOST, () => resolve());
      });
      const addr = server!.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
      if (telegram) await telegram.start();
      if (zalo) await zalo.start();
      if (config.SCHEDULER === 'on') {
        scheduler.start();
        retention.start();
      }
      return { port };
    },
    /**
     * Graceful stop: accept nothing new (the server stops listening, pollers stop fetching), let
     * the work in hand finish (requests being answered, updates being handled, a reminder run,
     * the outbox's current pass), then close the database.
     */
    async stop() {
      const closed = new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
      server?.closeIdleConnections();
      await telegram?.stop();
      await zalo?.stop();
      await inbound.stop();
      await scheduler.stop();
      await retention.stop();
      await closed;
      await drainer!.stop();
      await handle.close();
    },
  };
}

/** 127.0.0.0/8, ::1 and localhost: interfaces no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * The simulator lets its user act as anyone and move the bot's clock: it is a local tool, never a
 * public page. Refuse to start it on an interface other machines can reach.
 */
export function assertSimulatorLocal(config: Pick<Config, 'SIMULATOR' | 'HOST' | 'TELEGRAM_BOT_TOKEN' | 'ZALO_BOT_TOKEN'>): void {
  const wanted = config.SIMULATOR === 'on' || (config.SIMULATOR === 'auto' && !config.TELEGRAM_BOT_TOKEN && !config.ZALO_BOT_TOKEN);
  if (!wanted || isLoopbackHost(config.HOST)) return;
  throw new ConfigError(
    `Trình mô phỏng chỉ được chạy trên máy này, nhưng HOST=${config.HOST} cho máy khác truy cập (ai cũng có thể giả làm người khác và chỉnh đồng hồ của bot). ` +
      'Hãy đặt HOST=127.0.0.1, hoặc tắt trình mô phỏng bằng SIMULATOR=off.\n' +
      `(The web simulator only runs on a loopback HOST; HOST=${config.HOST} would let other machines act as anyone and move the clock. Set HOST=127.0.0.1 or SIMULATOR=off.)`,
  );
}

/** Runs a start-up step, retrying with backoff (0.5 s doubling to 15 s) while the database is unreachable. */
async function untilDatabase<T>(step: () => Promise<T>, log: Logger): Promise<T> {
  for (let wait = 500; ; wait = Math.min(wait * 2, 15_000)) {
    try {
      return await step();
    } catch (e) {
      if (!isDbUnavailable(e)) throw e;
      log.warn({ retryInMs: wait, code: (e as { code?: string }).code }, 'database unreachable at start-up; waiting');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
