/**
 * The real bot process (issue 11, points 5 and 7): `npm start` runs Node directly, so SIGTERM
 * reaches the bot itself; the bot stops taking new work, finishes a send in flight, closes the
 * database and exits 0, leaving no process behind. The simulator refuses a HOST other machines can reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db';
import { freshDatabaseUrl } from '../helpers/db';
import { FakeZalo, FAKE_ZALO_TOKEN, zaloText } from '../helpers/fake-zalo';

const ROOT = path.resolve(__dirname, '../..');

interface Proc {
  child: ChildProcess;
  lines: string[];
  /** resolves when a line of output matches */
  line(re: RegExp, what: string, ms?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(cmd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TELEGRAM_BOT_TOKEN: '', ZALO_BOT_TOKEN: '', ...env },
    detached: true, // its own process group, to check nothing is left behind
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  const take = (d: Buffer) => {
    lines.push(...d.toString().split('\n').filter(Boolean));
    for (const w of [...watchers]) w();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const w of [...watchers]) w();
    }),
  );
  const line = (re: RegExp, what: string, ms = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const l = lines.find((x) => re.test(x));
        if (l) return done(() => resolve(l));
        if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`exited before ${what}:\n${lines.slice(-20).join('\n')}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}:\n${lines.slice(-20).join('\n')}`))), ms);
      const done = (f: () => void) => {
        clearTimeout(timer);
        watchers.delete(check);
        f();
      };
      watchers.add(check);
      check();
    });
  return { child, lines, line, exited };
}

/** True while any process of the group we started is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves true once every process of the group is gone. A helper that outlives the bot briefly
 * (tsx's esbuild service ends when its pipe closes) gets up to 10 s; no event tells us, so poll.
 */
async function groupEmpties(pgid: number): Promise<boolean> {
  for (let i = 0; i < 200 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 50));
  return !groupAlive(pgid);
}

const procs: Proc[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (groupAlive(p.child.pid!)) process.kill(-p.child.pid!, 'SIGKILL');
});

describe('graceful shutdown', () => {
  let dir: string;
  let db: { url: string; drop(): Promise<void> };
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-proc-'));
    db = await freshDatabaseUrl(dir);
  });
  afterEach(async () => {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM while a Zalo send is in flight: the send completes and is recorded, then the process exits 0', async () => {
    const fake = await new FakeZalo().start();
    let release: () => void = () => undefined;
    let sendStarted: () => void = () => undefined;
    const started = new Promise<void>((r) => (sendStarted = r));
    fake.hold = (method) => {
      if (method !== 'sendMessage') return undefined;
      sendStarted();
      return new Promise<void>((r) => (release = r));
    };
    try {
      const bot = start(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        DATABASE_URL: db.url,
        PORT: '0',
        ZALO_BOT_TOKEN: FAKE_ZALO_TOKEN,
        ZALO_API_ROOT: fake.apiRoot,
        SIMULATOR: 'off',
        DEMO_SEED: 'off',
        SCHEDULER: 'off',
        LOG_LEVEL: 'info',
      });
      procs.push(bot);
      await bot.line(/"bot started"/, 'start-up');
      fake.queueUpdate(zaloText('xin chào', { chatType: 'PRIVATE', fromId: 'u-9', messageId: 'm-term-1' }));
      await started; // the reply is on its way to Zalo and held there

      process.kill(bot.child.pid!, 'SIGTERM');
      await bot.line(/"stopping: finishing work in hand"/, 'the stop to begin');
      expect(bot.child.exitCode).toBeNull(); // still waiting for the send
      release();
      expect(await bot.exited).toEqual({ code: 0, signal: null });
      expect(bot.lines.some((l) => l.includes('"stopped"'))).toBe(true);
      expect(await groupEmpties(bot.child.pid!)).toBe(true);

      expect(fake.sentTo('u-9')).toEqual(['Chào bạn! Gõ /trogiup để xem bot làm được gì.']);
      const h = openDatabase(db.url);
      try {
        const rows = await h.db.selectFrom('outbox').select(['chat_id', 'status']).execute();
        expect(rows).toEqual([{ chat_id: 'u-9', status: 'sent' }]);
      } finally {
        await h.close();
      }
      // no personal data in the process's log
      const log = bot.lines.join('\n');
      expect(log).not.toContain('Nguyễn Văn A');
      expect(log).not.toContain('xin chào');
    } finally {
      release();
      await fake.close();
    }
  }, 90_000);

  it('`npm start` then SIGTERM to npm: the bot stops and no process of the group is left', async () => {
    const bot = start('npm', ['start', '--silent'], {
      DATABASE_URL: db.url,
      PORT: '0',
      SIMULATOR: 'on',
      DEMO_SEED: 'off',
      SCHEDULER: 'off',
      LOG_LEVEL: 'info',
    });
    procs.push(bot);
    await bot.line(/"bot started"/, 'start-up');
    process.kill(bot.child.pid!, 'SIGTERM');
    await bot.exited;
    await bot.line(/"stopped"/, 'the bot to log its clean stop', 30_000).catch(() => undefined);
    // the process group empties (the old `tsx` wrapper left its child running)
    expect(await groupEmpties(bot.child.pid!)).toBe(true);
    expect(bot.lines.some((l) => l.includes('"stopped"'))).toBe(true);
  }, 90_000);
});

describe('the simulator on a non-loopback HOST', () => {
  it('refuses to start, exit code 2, saying how to fix it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-proc-'));
    try {
      const bot = start(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        DATABASE_URL: `sqlite:${path.join(dir, 'never.db')}`,
        PORT: '0',
        HOST: '0.0.0.0',
        SIMULATOR: 'on',
        SCHEDULER: 'off',
      });
      procs.push(bot);
      expect(await bot.exited).toEqual({ code: 2, signal: null });
      const out = bot.lines.join('\n');
      expect(out).toContain('HOST=0.0.0.0');
      expect(out).toContain('Hãy đặt HOST=127.0.0.1, hoặc tắt trình mô phỏng bằng SIMULATOR=off');
      expect(out).not.toContain('"bot started"');
      // it stopped before touching the database
      expect(fs.existsSync(path.join(dir, 'never.db'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
