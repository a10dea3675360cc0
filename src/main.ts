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
  const app = await buildApp(config, { log });
  await waiting?.close();
  const { port } = await app.start();
  const platforms = [app.telegram && `telegram (${app.telegram.mode})`, app.zalo && `zalo (${app.zalo.mode})`, app.simulator && 'simulator'].filter(Boolean);
  log.info({ port, platforms, database: config.DATABASE_URL.split(':')[0] }, 'bot started');
  if (app.simulator) console.log(`\n  Mô phỏng (simulator): http://localhost:${port}/\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
