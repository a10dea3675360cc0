/**
 * The real process under a shifted clock (libfaketime, Debian's `faketime`): started a few seconds
 * before 08:00 on a reminder day, the bot queues the day's reminders through the outbox within a
 * minute (and the simulator adapter sends them); killed and restarted after 08:00, it sends none again.
 * CI installs faketime (.ci/run); without it this test is skipped with a message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDemo } from '../../src/app/demo-seed';
import { openDatabase } from '../../src/db';
import { migrateToLatest } from '../../src/db/migrate';
import { upsertLink } from '../../src/store/chats';
import { freshDatabaseUrl } from '../helpers/db';

const ROOT = path.resolve(__dirname, '../..');
const faketime = spawnSync('sh', ['-c', 'command -v faketime'], { encoding: 'utf8' }).stdout.trim();
const maybe = faketime ? describe : describe.skip;
if (!faketime) {
  // eslint-disable-next-line no-console
  console.warn('faketime is not installed (apt-get install faketime): skipping the real-process reminder test');
}

interface Proc {
  child: ChildProcess;
  log: string[];
}

/**
 * The faketime wrapper names its shared memory and semaphore after its pid; a wrapper killed with
 * SIGKILL (as this test does) leaves them in /dev/shm, and a later wrapper given the same pid cannot
 * start ("sem_open: File exists"). Removes those of processes no longer alive.
 */
function clearStaleFaketime(): void {
  let names: string[];
  try {
    names = fs.readdirSync('/dev/shm');
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^(?:sem\.)?faketime_(?:shm|sem)_(\d+)$/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      fs.rmSync(`/dev/shm/${name}`, { force: true });
    }
  }
}

/** Starts `tsx src/main.ts` as it would run in production, with the clock starting at `start` (local time). */
function startBot(dbUrl: string, start: string): Proc {
  clearStaleFaketime();
  const log: string[] = [];
  const child = spawn(faketime, ['-f', `@${start}`, process.execPath, require.resolve('tsx/cli'), 'src/main.ts'], {
    cwd: ROOT,
    // TZ: faketime reads "@2026-12-13 07:59:50" as local time; the bot itself uses the profile's zone
    env: {
      ...process.env,
      TZ: 'Asia/Ho_Chi_Minh',
      DATABASE_URL: dbUrl,
      PORT: '0',
      SIMULATOR: 'on',
      DEMO_SEED: 'on',
      DEFAULT_PROFILE: 'ca-mau-2023',
      SCHEDULER: 'on',
      LOG_LEVEL: 'debug',
      TELEGRAM_BOT_TOKEN: '',
      ZALO_BOT_TOKEN: '',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const take = (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  return { child, log };
}

/** SIGKILL the whole process group we started (faketime → node → tsx's child): a crash, no clean stop. */
async function kill(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  try {
    process.kill(-p.child.pid!, 'SIGKILL');
  } catch {
    p.child.kill('SIGKILL');
  }
  await exited;
  clearStaleFaketime();
}

async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms: number, p: Proc): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; process log:\n${p.log.slice(-30).join('\n')}`);
    if (p.child.exitCode !== null) throw new Error(`bot exited (${p.child.exitCode}) waiting for ${what}:\n${p.log.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function readOutbox(dbUrl: string): Promise<{ created_at: string; status: string; chat_id: string }[]> {
  // a separate connection, as another process would
  const h = openDatabase(dbUrl);
  try {
    return await h.db.selectFrom('outbox').select(['created_at', 'status', 'chat_id']).orderBy('id').execute();
  } finally {
    await h.close();
  }
}

const ticks = (p: Proc) => p.log.filter((l) => l.includes('"reminder tick"')).map((l) => JSON.parse(l) as { now: string; messages: number });

maybe('the bot process under a shifted clock (faketime)', () => {
  let dir: string;
  let dbFile: string;
  let drop: () => Promise<void>;
  const procs: Proc[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-faketime-'));
    const fresh = await freshDatabaseUrl(dir);
    dbFile = fresh.url;
    drop = fresh.drop;
    const h = openDatabase(dbFile);
    await migrateToLatest(h.db);
    const s = await seedDemo(h.db, 'ca-mau-2023', new Date('2026-12-01T00:00:00+07:00'));
    for (const id of Object.values(s.unitsByLevel).flat()) {
      await upsertLink(h.db, { platform: 'simulator', chatId: `g${id}`, unitId: id, teamId: null, title: null, linkedBy: null }, new Date('2026-12-01T00:00:00+07:00'));
    }
    await h.close();
  });

  afterAll(async () => {
    for (const p of procs) await kill(p);
    await drop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends the 08:00 reminders within a minute of start, and none again after a kill and restart', async () => {
    const first = startBot(dbFile, '2026-12-13 07:59:50');
    procs.push(first);
    await until('bot started', () => first.log.some((l) => l.includes('"bot started"')), 45_000, first);

    const rows = await until('reminders in the outbox', async () => {
      const r = await readOutbox(dbFile);
      return r.length > 0 && r;
    }, 75_000, first);
    // queued at 08:00 local (01:00 UTC), by the tick of that minute (or the start tick when start-up ran past 08:00)
    const t0 = new Date('2026-12-13T01:00:00Z').getTime();
    for (const r of rows) {
      expect(new Date(r.created_at).getTime()).toBeGreaterThanOrEqual(t0);
      expect(new Date(r.created_at).getTime()).toBeLessThan(t0 + 60_000);
    }
    // the point's whole plan went out in one go: every linked village group, and their communes
    const queued = await until('the tick that queued them logged', async () => {
      const q = await readOutbox(dbFile);
      return ticks(first).some((t) => t.messages === q.length) && q;
    }, 20_000, first);
    const villages = queued.filter((r) => r.chat_id.startsWith('g'));
    expect(villages.length).toBeGreaterThan(10);
    expect(ticks(first).some((t) => t.messages === queued.length)).toBe(true);
    // the simulator adapter drained them
    await until('outbox drained', async () => (await readOutbox(dbFile)).every((r) => r.status === 'sent'), 20_000, first);
    await kill(first);

    // restarted after the point (a crash at 08:00:40, back at 08:00:50): a start tick and the 08:01 tick send nothing
    const second = startBot(dbFile, '2026-12-13 08:00:50');
    procs.push(second);
    await until('two ticks after restart', () => ticks(second).length >= 2 && ticks(second), 75_000, second);
    expect(ticks(second).every((t) => t.messages === 0)).toBe(true);
    expect(await readOutbox(dbFile)).toHaveLength(queued.length);
    await kill(second);
  }, 180_000);
});
