/**
 * kill -9, again and again (≥ 50 times), while leaders submit and amend reports and while the
 * reminder run at each start goes: real bot processes (`node --import tsx src/main.ts`) on one
 * database (SQLite file, or PostgreSQL when TEST_DATABASE_URL names one), Telegram played by the
 * fake Bot API plus a deliverer that repeats each webhook delivery until it is answered 200.
 * Afterwards every update was processed exactly once, each chat in order, and nothing the bot
 * queued was queued twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { openDatabase } from '../../src/db';
import { freshDatabaseUrl } from '../helpers/db';
import { FakeTelegram } from '../helpers/fake-telegram';
import { FakeZalo } from '../helpers/fake-zalo';
import {
  allProcessed,
  checkTeam,
  deliver,
  deliverZalo,
  prepare,
  prepareZalo,
  queuedTexts,
  round,
  TG_SECRET,
  waitFor,
  ZALO_BOT,
  ZALO_SECRET,
  zaloRound,
  type Team,
  type ZaloTeam,
} from './scenario';

const ROOT = path.resolve(__dirname, '../..');
const KILLS = 50;
const SLOTS = 3;

jest.setTimeout(900_000); // 3 bot processes restarted 50+ times: minutes on a loaded 2-core machine

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One place for a bot process: started, killed with SIGKILL, started again. */
class Slot {
  child: ChildProcess | undefined;
  healthy = false;
  starts = 0;
  /** exits the test did not cause (a start-up that failed): the process is started again, as a supervisor would */
  selfExits: string[] = [];
  tail: string[] = [];
  constructor(
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): void {
    this.healthy = false;
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      this.tail.push(d.toString());
      if (this.tail.length > 20) this.tail.shift();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.child !== child || signal === 'SIGKILL') return;
      this.selfExits.push(`exit ${code ?? signal}: ${this.tail.slice(-3).join('').slice(-600)}`);
      this.start();
    });
    // never left behind, even when the test times out before its clean-up
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    void (async () => {
      while (this.child === child && child.exitCode === null && child.signalCode === null) {
        try {
          // ready: the app itself serves (while start-up waits for the database, a stand-in answers 503)
          if ((await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200) {
            if (this.child === child) this.healthy = true;
            return;
          }
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.healthy = false;
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    this.child = undefined;
  }
}

function isDaytimeInVietnam(): boolean {
  const h = DateTime.now().setZone('Asia/Ho_Chi_Minh').hour;
  return h >= 8 && h < 20;
}

describe('kill -9 loop', () => {
  it(`${KILLS}+ kill -9 during report submissions and reminder runs: nothing lost, nothing doubled, order kept`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-kill-'));
    const fresh = await freshDatabaseUrl(dir);
    const tg = await FakeTelegram.start();
    const zalo = await new FakeZalo().start();
    const direct = openDatabase(fresh.url);
    const slots: Slot[] = [];
    try {
      const teams: Team[] = await prepare(direct.db, 6, new Date());
      const zaloTeams: ZaloTeam[] = await prepareZalo(direct.db, 6, 3, new Date());
      // a one-off deadline at the end of tomorrow: its "3 days before" point has passed, so each
      // start's reminder run has reminders to queue (once: reminders_sent) to the village groups —
      // unless quiet hours hold them back at night; either way none may be queued twice
      const due = DateTime.now().setZone('Asia/Ho_Chi_Minh').plus({ days: 1 }).toISODate();
      await direct.db
        .insertInto('oneoff_deadlines')
        .values({ profile: 'two-tier-2025', id: 'kiem-tra', level: 'village', title_vi: 'Báo cáo kiểm tra', title_en: 'Check report', due_local: `${due}T24:00`, source: 'test', created_at: new Date().toISOString() })
        .execute();
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        DATABASE_URL: fresh.url,
        HOST: '127.0.0.1',
        PUBLIC_URL: 'https://bot.example.vn',
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
        ZALO_BOT_TOKEN: zalo.token,
        ZALO_API_ROOT: zalo.apiRoot,
        ZALO_WEBHOOK_SECRET: ZALO_SECRET,
        ZALO_BOT_NAME: ZALO_BOT,
        ZALO_RATE_PER_SECOND: '100',
        SIMULATOR: 'off',
        DEMO_SEED: 'off',
        SCHEDULER: 'on',
        DEFAULT_PROFILE: 'two-tier-2025',
        LOG_LEVEL: 'warn',
        INBOUND_LEASE_SECONDS: '1',
      };
      for (let i = 0; i < SLOTS; i++) slots.push(new Slot(await freePort(), env));
      for (const s of slots) s.start();

      // the kills: the longest-running healthy process, 0–400 ms after it came up, then at once a new one
      let kills = 0;
      let killing = true;
      const killer = (async () => {
        let next = 0;
        while (killing) {
          const s = slots[next % SLOTS]!;
          next++;
          await waitFor(() => s.healthy || !killing, `process on ${s.port} up`, 180_000);
          if (!killing) break;
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
          await s.kill();
          kills++;
          s.start();
        }
      })();

      // the leaders: round after round of "/baocao …" then "đồng ý", until the kills are done
      const stats = { refused: 0 };
      const live = () => {
        const up = slots.filter((s) => s.healthy);
        return `${(up.length ? up[Math.floor(Math.random() * up.length)]! : slots[0]!).url}/webhook/telegram`;
      };
      const liveZalo = () => live().replace('/webhook/telegram', '/webhook/zalo');
      const rounds = new Map<Team | ZaloTeam, number>();
      await Promise.all([
        ...teams.map(async (t) => {
          let r = 0;
          while (kills < KILLS && r < 60) {
            r++;
            for (const u of round(tg, t, r)) await deliver(live, u, stats, 120_000);
            rounds.set(t, r);
          }
        }),
        // on Zalo too (it does not redeliver on its own: here the deliverer repeats until a 200)
        ...zaloTeams.map(async (t) => {
          let r = 0;
          while (kills < KILLS && r < 60) {
            r++;
            for (const u of zaloRound(t, r)) await deliverZalo(liveZalo, u, stats, 120_000);
            rounds.set(t, r);
          }
        }),
      ]);
      await waitFor(() => kills >= KILLS, `${KILLS} kills`, 120_000);
      killing = false;
      await killer;

      // the survivors finish the work
      await waitFor(() => slots.some((s) => s.healthy), 'a process up', 60_000);
      await waitFor(() => allProcessed(direct.db), 'every stored update processed', 60_000);

      let lost = 0;
      let doubled = 0;
      let outOfOrder = 0;
      let updates = 0;
      for (const t of teams) {
        const n = rounds.get(t) ?? 0;
        updates += 2 * n;
        const r = await checkTeam(direct.db, t, n);
        lost += r.lost;
        doubled += r.doubled;
        outOfOrder += r.outOfOrder;
        // everything the bot queued for the chat (previews, confirmations, reminders) queued once
        const texts = await queuedTexts(direct.db, String(t.chat.id));
        doubled += texts.length - new Set(texts).size;
      }
      for (const t of zaloTeams) {
        const n = rounds.get(t) ?? 0;
        updates += 2 * n;
        const r = await checkTeam(direct.db, t, n);
        lost += r.lost;
        doubled += r.doubled;
        outOfOrder += r.outOfOrder;
        const texts = await queuedTexts(direct.db, t.chatId, 'zalo');
        doubled += texts.length - new Set(texts).size;
      }
      const stored = await direct.db.selectFrom('inbound_updates').select('event_id').where('platform', 'in', ['telegram', 'zalo']).where('payload', '!=', 'null').execute();
      lost += updates - stored.length;
      const reminders = await direct.db.selectFrom('reminders_sent').selectAll().execute();
      const starts = slots.reduce((n, s) => n + s.starts, 0);
      // what reached the platforms so far (the outbox's part, paced by the platforms' rate limits:
      // a send cut by a kill may be repeated once)
      const sending = (await direct.db.selectFrom('outbox').select('id').where('status', '=', 'sending').execute()).length;
      let deliveredTwice = 0;
      for (const t of teams) {
        const got = tg.sent(t.chat.id).map((m) => m.text);
        deliveredTwice += got.length - new Set(got).size;
      }
      for (const t of zaloTeams) {
        const got = zalo.sentTo(t.chatId);
        deliveredTwice += got.length - new Set(got).size;
      }
      console.log(`kill loop, delivery: ${deliveredTwice} messages delivered twice, ${sending} outbox rows left 'sending' by a kill`);
      const selfExits = slots.flatMap((s) => s.selfExits);
      if (selfExits.length) console.log(`kill loop: ${selfExits.length} processes exited by themselves and were started again:\n${selfExits.join('\n')}`);
      console.log(
        `kill loop: ${kills} kills, ${starts} starts (each running the reminders), ${updates} updates on Telegram and Zalo (${stats.refused} deliveries refused and repeated), ${reminders.length} reminders recorded; lost ${lost}, doubled ${doubled}, out of order ${outOfOrder}`,
      );
      expect(kills).toBeGreaterThanOrEqual(KILLS);
      expect(rounds.size).toBe(teams.length + zaloTeams.length);
      expect(Math.min(...rounds.values())).toBeGreaterThanOrEqual(2); // every chat saved and amended under the kills
      expect({ lost, doubled, outOfOrder }).toEqual({ lost: 0, doubled: 0, outOfOrder: 0 });
      // by day the starts' reminder runs queue reminders (each once); in quiet hours (21:00–07:00 in
      // Vietnam) they queue none — a clock moved by libfaketime was tried and dropped: node under it
      // sometimes spun at 100 % CPU holding its transactions open
      if (isDaytimeInVietnam()) expect(reminders.length).toBeGreaterThan(0);
    } catch (e) {
      for (const s of slots) console.log(`process on ${s.port}:\n${s.tail.join('')}`);
      throw e;
    } finally {
      for (const s of slots) await s.stop();
      await direct.close();
      await tg.close();
      await zalo.close();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
