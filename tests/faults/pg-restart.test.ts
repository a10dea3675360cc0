/**
 * PostgreSQL goes away while members are reporting: the bot's connections are terminated as a
 * restart terminates them (57P01) and new ones are refused until it is back. The bot stays up
 * (/healthz 200), says so (/readyz 503), refuses webhooks with 503 so Telegram delivers again, and
 * once the database is back processes everything: nothing lost, nothing doubled, order kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Client } from 'pg';
import { buildApp, type App } from '../../src/compose';
import { openDatabase, type DbHandle } from '../../src/db';
import { silentLogger } from '../../src/logger';
import { freshDatabaseUrl } from '../helpers/db';
import { FakeTelegram } from '../helpers/fake-telegram';
import { PgProxy } from './pg-proxy';
import { allProcessed, checkTeam, countOutOfOrder, deliver, expectedConfirmations, prepare, round, waitFor, webhookBotConfig, type Team } from './scenario';

const server = process.env.TEST_DATABASE_URL ?? '';
const onPostgres = /^postgres(ql)?:\/\//.test(server);
const pgIt = onPostgres ? it : it.skip;

jest.setTimeout(120_000);

describe('PostgreSQL restart', () => {
  pgIt('(PostgreSQL only; skipped without TEST_DATABASE_URL=postgres://…) the bot stays up, answers 503 while the database is away, and afterwards nothing is lost, doubled or out of order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-pgrestart-'));
    const fresh = await freshDatabaseUrl(dir);
    const proxy = await PgProxy.start(new URL(fresh.url));
    const tg = await FakeTelegram.start();
    const direct: DbHandle = openDatabase(fresh.url);
    let app: App | undefined;
    try {
      const teams: Team[] = await prepare(direct.db, 4, new Date());
      const config = webhookBotConfig(proxy.url(fresh.url), tg);
      app = await buildApp(config, { log: silentLogger, pollMs: 100, inboundLeaseMs: 2000 });
      const { port } = await app.start();
      const base = `http://127.0.0.1:${port}`;
      const hook = () => `${base}/webhook/telegram`;
      const stats = { refused: 0 };
      const sendRound = (r: number) => Promise.all(teams.map(async (t) => { for (const u of round(tg, t, r)) await deliver(hook, u, stats); }));

      await sendRound(1);
      await waitFor(() => allProcessed(direct.db), 'round 1 processed');
      expect(stats.refused).toBe(0);

      // the database goes away: live connections terminated (57P01), new ones refused
      proxy.block();
      const admin = new Client({ connectionString: fresh.url });
      await admin.connect();
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      await admin.end();
      proxy.cut();
      const downAt = Date.now();

      // members keep writing: Telegram's deliveries are refused (503) and repeated
      const during = sendRound(2);
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 503, '/readyz 503');
      const ready = await fetch(`${base}/readyz`);
      expect(await ready.json()).toEqual({ ok: false, database: 'unreachable', error: 'the database is unreachable' });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // the outage lasts at least 5 s (and until the bot has noticed it everywhere)
      await waitFor(() => stats.refused >= 40 && !app!.inbound.databaseUp && Date.now() - downAt >= 5000, 'webhook deliveries refused and the worker waiting while the database is away');

      // it comes back
      proxy.restore();
      const upAt = Date.now();
      await during;
      await waitFor(() => allProcessed(direct.db), 'what came during the outage processed');
      const recoveredAt = Date.now();
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, '/readyz 200 again');
      await sendRound(3);
      await waitFor(() => allProcessed(direct.db), 'everything processed');
      app.drainer.kick();
      await waitFor(() => teams.every((t) => tg.sent(t.chat.id).filter((m) => /✅ Đã lưu/.test(m.text)).length >= 3), 'confirmations delivered');

      let lost = 0;
      let doubled = 0;
      let outOfOrder = 0;
      for (const t of teams) {
        const r = await checkTeam(direct.db, t, 3);
        lost += r.lost;
        doubled += r.doubled;
        outOfOrder += r.outOfOrder;
        const delivered = tg.sent(t.chat.id).map((m) => m.text).filter((x) => /✅ Đã lưu/.test(x));
        doubled += delivered.length - new Set(delivered).size;
        outOfOrder += countOutOfOrder(delivered, expectedConfirmations(3));
      }
      console.log(`pg restart: down ${((upAt - downAt) / 1000).toFixed(1)} s, ${stats.refused} deliveries refused, recovered ${((recoveredAt - upAt) / 1000).toFixed(1)} s after; lost ${lost}, doubled ${doubled}, out of order ${outOfOrder}`);
      expect({ lost, doubled, outOfOrder }).toEqual({ lost: 0, doubled: 0, outOfOrder: 0 });
    } finally {
      await app?.stop().catch(() => undefined);
      await direct.close();
      await proxy.close();
      await tg.close();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  pgIt('(PostgreSQL only; skipped without TEST_DATABASE_URL=postgres://…) the bot process started while the database is unreachable waits for it (/healthz 200, /readyz 503), then serves', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-pgstart-'));
    const fresh = await freshDatabaseUrl(dir);
    const proxy = await PgProxy.start(new URL(fresh.url));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let child: ChildProcess | undefined;
    const errors: string[] = [];
    try {
      proxy.block();
      child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: path.resolve(__dirname, '../..'),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: proxy.url(fresh.url), PORT: String(port), HOST: '127.0.0.1', SIMULATOR: 'on', DEMO_SEED: 'off', SCHEDULER: 'off', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => errors.push(d.toString()));
      child.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));
      const status = async (p: string) => (await fetch(`${base}${p}`).catch(() => undefined))?.status;
      await waitFor(async () => (await status('/healthz')) === 200, 'the process answers /healthz', 60_000);
      expect(await status('/readyz')).toBe(503);
      await waitFor(() => errors.join('').split('database unreachable at start-up').length > 2, 'two start-up retries', 30_000);
      expect(child.exitCode).toBeNull();
      expect(await status('/readyz')).toBe(503);
      proxy.restore();
      await waitFor(async () => (await status('/readyz')) === 200, 'ready once the database is back', 60_000);
    } finally {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      await proxy.close();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
