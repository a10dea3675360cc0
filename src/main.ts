/** Composition root: configuration → database → core → adapters → web server. */
import { buildApp } from './compose';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startWaitingServer } from './web/waiting';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.LOG_LEVEL);
  // a stray rejection (a lost database connection in some background step) is logged, not fatal
  process.on('unhandledRejection', (e: unknown) => {
    log.error({ error: e instanceof Error ? ((e as { code?: string }).code ?? e.name) : 'unknown' }, 'unhandled rejection');
  });
  // /healthz answers while start-up waits for the database (/readyz and webhooks: 503)
  const waiting = config.PORT ? await startWaitingServer(config.PORT, config.HOST) : undefined;
  let app;
  try {
    app = await buildApp(config, { log, defaultMetrics: true });
  } catch (e) {
    await waiting?.close();
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  await waiting?.close();
  const { port } = await app.start();
  const platforms = [app.telegram && `telegram (${app.telegram.mode})`, app.zalo && `zalo (${app.zalo.mode})`, app.simulator && 'simulator'].filter(Boolean);
  log.info({ port, platforms, database: config.DATABASE_URL.split(':')[0] }, 'bot started');
  if (app.simulator) console.log(`\n  Mô phỏng (simulator): http://localhost:${port}/\n`);

  // SIGTERM (docker stop, systemd, Ctrl-C on `npm start`): accept nothing new, finish the work in
  // hand, close the database, exit 0. Work that outlives SHUTDOWN_TIMEOUT_SECONDS is left to the
  // next start (nothing is lost: it stays in the database) and the exit code is 1.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing work in hand');
    const timer = setTimeout(() => {
      log.error({ seconds: config.SHUTDOWN_TIMEOUT_SECONDS }, 'stop timed out; exiting with work left for the next start');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
    timer.unref();
    app
      .stop()
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((e: unknown) => {
        log.error({ err: e }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
