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
import type { Config } from './config';
import { openDatabase, type DbHandle } from './db';
import { migrateToLatest } from './db/migrate';
import type { Logger } from './logger';
import { createSimulator, type Simulator } from './platforms/simulator';
import { telegramFromConfig, type TelegramAdapter } from './platforms/telegram';
import { zaloAdapterFromConfig, type ZaloAdapter } from './platforms/zalo';
import { ReminderScheduler } from './scheduler';
import { createWebApp } from './web/server';

export interface App {
  config: Config;
  handle: DbHandle;
  core: ChatCore;
  drainer: OutboxDrainer;
  clock: Clock;
  simulator?: Simulator;
  telegram?: TelegramAdapter;
  zalo?: ZaloAdapter;
  /** the reminder tick; its cron runs when SCHEDULER=on (tests call `scheduler.tick()` or `scheduler.reminders.runDue`) */
  scheduler: ReminderScheduler;
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
  /** outbox metrics: sent, failures, reclaimed leases (more can be added with `app.drainer.addHooks`) */
  outboxHooks?: DrainerHooks;
}

export async function buildApp(config: Config, opts: BuildOptions): Promise<App> {
  const { log } = opts;
  const offsetClock = opts.clock ? undefined : new OffsetClock();
  const clock = opts.clock ?? offsetClock!;
  const handle = openDatabase(config.DATABASE_URL);
  const applied = await migrateToLatest(handle.db);
  if (applied.length) log.info({ applied }, 'migrations applied');

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
  });

  const telegram = telegramFromConfig(config, { sink: core, log, clock });
  const zalo = zaloAdapterFromConfig(config, { sink: core, log, clock });
  const wantSimulator = config.SIMULATOR === 'on' || (config.SIMULATOR === 'auto' && !telegram && !zalo);
  const simulator = wantSimulator
    ? createSimulator({ sink: core, db: handle.db, clock, ...(offsetClock ? { offsetClock } : {}), idle: () => drainer!.idle(), tz: config.TZ_NAME })
    : undefined;

  if (simulator && !['127.0.0.1', 'localhost', '::1'].includes(config.HOST)) {
    // the simulator lets anyone act as any demo person: it is a local tool, never a public page
    log.warn({ host: config.HOST }, 'the web simulator is reachable beyond this machine; set SIMULATOR=off or HOST=127.0.0.1');
  }
  const senders: PlatformSender[] = [telegram?.sender, zalo?.sender, simulator?.sender].filter((s): s is PlatformSender => !!s);
  drainer = new OutboxDrainer(handle.db, senders, clock, log, {
    pollMs: opts.pollMs ?? 1000,
    maxAgeMs: config.OUTBOX_MAX_AGE_HOURS * 3600_000,
    ...(opts.outboxHooks ? { hooks: opts.outboxHooks } : {}),
  });

  const routers: Router[] = [];
  if (telegram) routers.push(telegram.router);
  if (zalo) routers.push(zalo.webhook.router);
  if (simulator) routers.push(simulator.router);
  const web = createWebApp(routers);

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
  });

  let server: Server | undefined;
  return {
    config,
    handle,
    core,
    drainer,
    clock,
    web,
    scheduler,
    ...(simulator ? { simulator } : {}),
    ...(telegram ? { telegram } : {}),
    ...(zalo ? { zalo } : {}),
    async start() {
      drainer!.start();
      await new Promise<void>((resolve) => {
        server = web.listen(config.PORT, config.HOST, () => resolve());
      });
      const addr = server!.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
      if (telegram) await telegram.start();
      if (zalo) await zalo.start();
      if (config.SCHEDULER === 'on') scheduler.start();
      return { port };
    },
    async stop() {
      await scheduler.stop();
      await telegram?.stop();
      await zalo?.stop();
      await drainer!.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await handle.close();
    },
  };
}
