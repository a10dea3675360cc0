/**
 * The simulator page (issue 10): its HTTP API and its own script, run in a VM against the app with a
 * minimal stand-in for the DOM (no browser here: /usr/bin/chromium is not installed).
 * - `?as=…&chat=…` shows each message once, even when the page's timer polls while the first poll
 *   of the chat opened from the address is still in flight;
 * - the clock field shows and reads local time (Asia/Ho_Chi_Minh), not UTC.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import request from 'supertest';
import { buildApp, type App } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { seedDemo, type DemoSummary } from '../../src/app/demo-seed';
import { projectPath } from '../../src/paths';

let app: App;
let dir: string;
let s: DemoSummary;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-simpage-'));
  const config = loadConfig({ DATABASE_URL: `sqlite:${path.join(dir, 'app.db')}`, PORT: '0', DEMO_SEED: 'off', SCHEDULER: 'off', LOG_LEVEL: 'silent', SIMULATOR: 'on' }, false);
  app = await buildApp(config, { log: silentLogger, pollMs: 20 });
  app.drainer.start();
  s = await seedDemo(app.handle.db, 'ca-mau-2023', app.clock.now());
  await app.simulator!.linkDemoGroups();
});
afterAll(async () => {
  await app.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A stand-in for the few DOM parts the page script touches. */
class El {
  children: El[] = [];
  value = '';
  textContent = '';
  dataset: Record<string, string> = {};
  className = '';
  scrollTop = 0;
  scrollHeight = 0;
  onclick: (() => void) | null = null;
  onchange: (() => unknown) | null = null;
  onsubmit: ((e: { preventDefault(): void }) => unknown) | null = null;
  onkeydown: ((e: unknown) => void) | null = null;
  private html = '';
  get innerHTML(): string {
    return this.html;
  }
  set innerHTML(h: string) {
    this.html = h;
    this.children = [];
  }
  appendChild(c: El): void {
    this.children.push(c);
  }
  querySelectorAll(): El[] {
    return [];
  }
  querySelector(): El | null {
    return null;
  }
  focus(): void {}
  requestSubmit(): void {}
}

interface Page {
  els: Record<string, El>;
  tick(): Promise<void>;
  /** GET requests of messages that started */
  messageFetches: number;
  /** holds message fetches until called */
  release(): void;
  idle(): Promise<void>;
}

/** Runs the page's script with `search` as the address query; message fetches wait for `release()` when `hold`. */
function runPage(search: string, hold: boolean): Page {
  const html = fs.readFileSync(projectPath('src/platforms/simulator/page.html'), 'utf8');
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  const els: Record<string, El> = {};
  const document = {
    getElementById: (id: string) => (els[id] ??= new El()),
    createElement: () => new El(),
    querySelectorAll: () => [],
  };
  let released = !hold;
  let releaseAll: () => void = () => undefined;
  const gate = new Promise<void>((r) => (releaseAll = r));
  const pending = new Set<Promise<unknown>>();
  const page: Page = {
    els,
    messageFetches: 0,
    tick: async () => undefined,
    release: () => {
      released = true;
      releaseAll();
    },
    async idle() {
      for (let i = 0; i < 50; i++) {
        await Promise.all([...pending]);
        await new Promise((r) => setImmediate(r));
        if (pending.size === 0) return;
      }
    },
  };
  const fetch = (url: string, opts: { method?: string; body?: string } = {}) => {
    const p = (async () => {
      if (opts.method === 'POST') {
        const r = await request(app.web).post(url).set('content-type', 'application/json').send(opts.body ?? '{}');
        return { json: async () => r.body };
      }
      if (url.includes('/messages')) {
        page.messageFetches++;
        const r = await request(app.web).get(url);
        if (!released) await gate;
        return { json: async () => r.body };
      }
      const r = await request(app.web).get(url);
      return { json: async () => r.body };
    })();
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };
  let timer: (() => unknown) | undefined;
  const context = vm.createContext({
    document,
    location: { search },
    fetch,
    URLSearchParams,
    setInterval: (cb: () => unknown) => {
      timer = cb;
      return 1;
    },
    alert: (m: string) => {
      throw new Error(`alert: ${m}`);
    },
    Promise,
  });
  vm.runInContext(script, context);
  page.tick = async () => {
    await timer?.();
  };
  return page;
}

const shownTexts = (p: Page) => p.els.log!.children.map((c) => c.innerHTML);

it('?as=&chat= shows every message once, even when the timer polls during the first poll', async () => {
  const commune = s.unitsByLevel.commune![0]!;
  const chat = `g${commune}`;
  const officer = s.people.officer.find((x) => x.unitId === commune && x.simulatorId)!.simulatorId!;
  await app.simulator!.say(chat, officer, '/trogiup');
  await app.simulator!.say(chat, officer, '/tiendo');
  await app.drainer.idle();
  const expected = [...app.simulator!.messages(chat)];
  expect(expected.length).toBeGreaterThanOrEqual(4);

  const page = runPage(`?as=${officer}&chat=${chat}`, true);
  // the first poll (from ?chat=) is in flight; the page's timer fires meanwhile
  for (let i = 0; i < 200 && page.messageFetches === 0; i++) await new Promise((r) => setImmediate(r));
  expect(page.messageFetches).toBe(1);
  void page.tick();
  void page.tick();
  page.release();
  await page.idle();
  await page.tick();
  await page.idle();

  const shown = shownTexts(page);
  expect(shown).toHaveLength(expected.length);
  expect(new Set(shown).size).toBe(shown.length);
  expect(page.els.person!.value).toBe(officer);
  expect(page.els.title!.textContent).toContain('Nhóm ');

  // a new message appears once as well
  await app.simulator!.say(chat, officer, 'xin chào');
  await page.tick();
  await page.idle();
  expect(shownTexts(page)).toHaveLength(expected.length + 1);
});

it('the clock field shows and reads local time (Asia/Ho_Chi_Minh)', async () => {
  const page = runPage('', false);
  await page.idle();
  const state = (await request(app.web).get('/sim/api/state')).body as { now: string; nowLocal: string; tz: string };
  expect(state.tz).toBe('Asia/Ho_Chi_Minh');
  // the local wall time of `now`, 7 hours ahead of UTC
  const utc = new Date(state.now);
  const local = new Date(utc.getTime() + 7 * 3_600_000).toISOString().slice(0, 16);
  expect(state.nowLocal).toBe(local);
  expect(page.els.clock!.value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  expect(page.els.clockLabel!.textContent).toBe('Đồng hồ của bot, giờ Việt Nam (nhảy tới thời điểm)');

  // typing a local time jumps the bot's clock to that local time, and the field shows it back
  page.els.clock!.value = '2026-12-13T08:00';
  await page.els.clock!.onchange!();
  await page.idle();
  expect(page.els.clock!.value).toBe('2026-12-13T08:00');
  const now = app.clock.now().getTime();
  expect(now - new Date('2026-12-13T01:00:00Z').getTime()).toBeGreaterThanOrEqual(0);
  expect(now - new Date('2026-12-13T01:00:00Z').getTime()).toBeLessThan(60_000);

  // through the API: a local wall time, an explicit offset, and a bad value
  const r1 = await request(app.web).post('/sim/api/clock').send({ at: '2026-12-16T00:00' }).expect(200);
  expect(r1.body.nowLocal).toBe('2026-12-16T00:00');
  expect(r1.body.now.slice(0, 16)).toBe('2026-12-15T17:00');
  const r2 = await request(app.web).post('/sim/api/clock').send({ at: '2026-12-13T08:00:30+07:00' }).expect(200);
  expect(r2.body.nowLocal).toBe('2026-12-13T08:00');
  const bad = await request(app.web).post('/sim/api/clock').send({ at: '13/12 8h' }).expect(400);
  expect(bad.body.error).toBe('Thời điểm không hợp lệ: ghi giờ địa phương (Asia/Ho_Chi_Minh), ví dụ 2026-12-13T08:00.');
});
