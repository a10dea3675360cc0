/**
 * Three instances of the bot on one PostgreSQL database behind "one webhook URL": every update is
 * delivered to all three at once (the worst a load balancer with retries can do). Each update is
 * stored once, processed once by one of them, each chat in order.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../../src/compose';
import { openDatabase } from '../../src/db';
import { silentLogger } from '../../src/logger';
import { freshDatabaseUrl } from '../helpers/db';
import { FakeTelegram } from '../helpers/fake-telegram';
import { allProcessed, checkTeam, countOutOfOrder, deliver, expectedConfirmations, prepare, round, waitFor, webhookBotConfig } from './scenario';

const server = process.env.TEST_DATABASE_URL ?? '';
const onPostgres = /^postgres(ql)?:\/\//.test(server);
const pgIt = onPostgres ? it : it.skip;

jest.setTimeout(120_000);

describe('several instances', () => {
  pgIt('(PostgreSQL only; skipped without TEST_DATABASE_URL=postgres://…) 3 instances, every update pushed to all: nothing lost, nothing doubled, order kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-instances-'));
    const fresh = await freshDatabaseUrl(dir);
    const tg = await FakeTelegram.start();
    const direct = openDatabase(fresh.url);
    const apps: App[] = [];
    try {
      const ROUNDS = 4;
      const teams = await prepare(direct.db, 6, new Date());
      const config = webhookBotConfig(fresh.url, tg);
      const hooks: string[] = [];
      for (let i = 0; i < 3; i++) {
        const app = await buildApp(config, { log: silentLogger, pollMs: 100, inboundLeaseMs: 5000 });
        apps.push(app);
        const { port } = await app.start();
        hooks.push(`http://127.0.0.1:${port}/webhook/telegram`);
      }
      const stats = { refused: 0 };
      await Promise.all(
        teams.map(async (t) => {
          for (let r = 1; r <= ROUNDS; r++) {
            for (const u of round(tg, t, r)) await Promise.all(hooks.map((h) => deliver(() => h, u, stats)));
          }
        }),
      );
      await waitFor(() => allProcessed(direct.db), 'every update processed');
      for (const a of apps) a.drainer.kick();
      await waitFor(() => teams.every((t) => tg.sent(t.chat.id).filter((m) => /✅ Đã lưu/.test(m.text)).length >= ROUNDS), 'confirmations delivered');

      const stored = await direct.db.selectFrom('inbound_updates').select('event_id').where('platform', '=', 'telegram').where('payload', '!=', 'null').execute();
      expect(stored).toHaveLength(teams.length * ROUNDS * 2);
      let lost = 0;
      let doubled = 0;
      let outOfOrder = 0;
      for (const t of teams) {
        const r = await checkTeam(direct.db, t, ROUNDS);
        lost += r.lost;
        doubled += r.doubled;
        outOfOrder += r.outOfOrder;
        const delivered = tg.sent(t.chat.id).map((m) => m.text).filter((x) => /✅ Đã lưu/.test(x));
        doubled += delivered.length - new Set(delivered).size;
        outOfOrder += countOutOfOrder(delivered, expectedConfirmations(ROUNDS));
      }
      console.log(`3 instances: ${stored.length} updates, each pushed 3×; lost ${lost}, doubled ${doubled}, out of order ${outOfOrder}`);
      expect({ lost, doubled, outOfOrder }).toEqual({ lost: 0, doubled: 0, outOfOrder: 0 });
      expect(stats.refused).toBe(0);
    } finally {
      for (const a of apps) await a.stop().catch(() => undefined);
      await direct.close();
      await tg.close();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
