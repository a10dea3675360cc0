/**
 * Durable inbound (issue 11 point 1): an update is stored before it is acknowledged, processed in
 * order per chat under a lease, exactly once, even when the process dies between the two.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { buildApp, type App } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { ManualClock } from '../../src/clock';
import { silentLogger } from '../../src/logger';
import { claimHeads, finishRow, storeUpdate } from '../../src/inbound';
import { createTelegramAdapter } from '../../src/platforms/telegram';
import { createZaloAdapter } from '../../src/platforms/zalo';
import type { ChatEvent } from '../../src/chat/types';
import { freshDatabaseUrl, tempDb } from '../helpers/db';
import { FakeTelegram, privateChat, type FakeUser } from '../helpers/fake-telegram';
import { FakeZalo, zaloText } from '../helpers/fake-zalo';

const ZALO_SECRET = 'zalo-secret-123';
const TG_SECRET = 'tg-secret_0123456789';
const HELP_HINT = 'Chào bạn! Gõ /trogiup để xem bot làm được gì.';
const LAN: FakeUser = { id: 601, first_name: 'Hoàng Thị', last_name: 'Lan' };

let dir: string;
let fresh: { url: string; drop(): Promise<void> };
let tg: FakeTelegram;
let zalo: FakeZalo;
const apps: App[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-inbound-'));
  fresh = await freshDatabaseUrl(dir);
  tg = await FakeTelegram.start();
  zalo = await new FakeZalo().start();
});

afterEach(async () => {
  for (const a of apps.splice(0)) await a.stop().catch(() => undefined);
  await tg.close();
  await zalo.close();
  await fresh.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One instance of the bot on the shared database, webhooks on both platforms, not started (no worker loop). */
async function instance(): Promise<App> {
  const config = loadConfig(
    {
      DATABASE_URL: fresh.url,
      PORT: '0',
      DEMO_SEED: 'off',
      SCHEDULER: 'off',
      SIMULATOR: 'off',
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'https://bot.example.vn',
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      ZALO_BOT_TOKEN: zalo.token,
      ZALO_API_ROOT: zalo.apiRoot,
      ZALO_WEBHOOK_SECRET: ZALO_SECRET,
    },
    false,
  );
  const app = await buildApp(config, { log: silentLogger, clock: new ManualClock('2026-12-10T09:00:00+07:00') });
  apps.push(app);
  await app.telegram!.start(); // registers the webhook (and its secret) with the fake
  return app;
}

const postZalo = (app: App, body: unknown) =>
  request(app.web).post('/webhook/zalo').set('content-type', 'application/json').set('X-Bot-Api-Secret-Token', ZALO_SECRET).send(JSON.stringify(body));
const postTelegram = (app: App, body: unknown) =>
  request(app.web).post('/webhook/telegram').set('X-Telegram-Bot-Api-Secret-Token', TG_SECRET).send(body as object);

async function stored(app: App) {
  return app.handle.db.selectFrom('inbound_updates').select(['platform', 'event_id', 'chat_key', 'status']).where('payload', '!=', 'null').orderBy('id').execute();
}
async function outboxTexts(app: App, chatId: string): Promise<string[]> {
  const rows = await app.handle.db.selectFrom('outbox').select('payload').where('chat_id', '=', chatId).orderBy('id').execute();
  return rows.map((r) => (JSON.parse(r.payload) as { text: string }).text);
}

describe('durable inbound', () => {
  it('Zalo: the webhook answers 200 only once the update is stored; a crash before processing loses nothing, and another instance answers it once', async () => {
    const a = await instance();
    const r = await postZalo(a, zaloText('xin chào', { messageId: 'z-1', chatId: 'zc-1', chatType: 'PRIVATE', fromId: 'zc-1' }));
    expect(r.status).toBe(200);
    // stored, not processed: the worker of `a` never ran
    expect(await stored(a)).toEqual([{ platform: 'zalo', event_id: 'message.text.received:z-1', chat_key: 'zc-1', status: 'pending' }]);
    expect(await outboxTexts(a, 'zc-1')).toEqual([]);
    await a.handle.close(); // "kill -9": nothing else of `a` runs
    apps.splice(apps.indexOf(a), 1);

    const b = await instance();
    await b.inbound.idle();
    expect(await outboxTexts(b, 'zc-1')).toEqual([HELP_HINT]);
    expect((await stored(b)).map((s) => s.status)).toEqual(['done']);
    await b.inbound.idle();
    expect(await outboxTexts(b, 'zc-1')).toEqual([HELP_HINT]);
  });

  it('Zalo: the same update delivered three times is stored once and answered once', async () => {
    const a = await instance();
    const u = zaloText('xin chào', { messageId: 'z-2', chatId: 'zc-2', chatType: 'PRIVATE', fromId: 'zc-2' });
    for (let i = 0; i < 3; i++) expect((await postZalo(a, u)).status).toBe(200);
    await a.inbound.idle();
    expect(await stored(a)).toHaveLength(1);
    expect(await outboxTexts(a, 'zc-2')).toEqual([HELP_HINT]);
  });

  it('Telegram: the webhook stores the raw update; the worker maps it with the pure mapping and answers once, even when redelivered', async () => {
    const a = await instance();
    const u = tg.build.message(privateChat(LAN), LAN, 'xin chào');
    expect((await postTelegram(a, u)).status).toBe(200);
    expect((await postTelegram(a, u)).status).toBe(200);
    expect(await stored(a)).toEqual([{ platform: 'telegram', event_id: String(u.update_id), chat_key: String(LAN.id), status: 'pending' }]);
    await a.inbound.idle();
    expect(await outboxTexts(a, String(LAN.id))).toEqual([HELP_HINT]);
  });

  it('when the update cannot be stored the webhooks answer 503 (the platform delivers again) and /readyz says the database is unreachable; /healthz stays 200', async () => {
    const a = await instance();
    expect((await request(a.web).get('/readyz')).status).toBe(200);
    await a.handle.close(); // the database is gone for this instance
    expect((await postZalo(a, zaloText('xin chào', { messageId: 'z-3' }))).status).toBe(503);
    expect((await postTelegram(a, tg.build.message(privateChat(LAN), LAN, 'xin chào'))).status).toBe(503);
    const ready = await request(a.web).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ ok: false, database: 'unreachable', error: 'the database is unreachable' });
    expect((await request(a.web).get('/healthz')).status).toBe(200);
    apps.splice(apps.indexOf(a), 1);
  });
});

describe('inbound store: order per chat and leases', () => {
  it("leases only each chat's oldest pending update: a chat's next waits for its previous, other chats go on", async () => {
    const h = await tempDb();
    try {
      const at = new Date('2026-12-10T02:00:00Z');
      for (const [id, chat] of [['a1', 'A'], ['a2', 'A'], ['b1', 'B'], ['a3', 'A']] as const) {
        await storeUpdate(h.db, { platform: 'zalo', eventId: id, chatKey: chat, payload: { id }, receivedAt: at });
      }
      const claim = (owner: string, nowMs = 1_000_000) => claimHeads(h.db, { owner, platforms: ['zalo'], nowMs, leaseMs: 10_000, limit: 10 });
      const first = await claim('x');
      expect(first.map((r) => r.event_id)).toEqual(['a1', 'b1']);
      expect(await claim('y')).toEqual([]); // a2 waits for a1; a1 and b1 are leased
      await h.db.transaction().execute((trx) => finishRow(trx, first[0]!.id, 'x', at));
      expect((await claim('y')).map((r) => r.event_id)).toEqual(['a2']);
    } finally {
      await h.cleanup();
    }
  });

  it("a crashed instance's lease is taken over once it expires, and the old owner can no longer finish the row", async () => {
    const h = await tempDb();
    try {
      await storeUpdate(h.db, { platform: 'telegram', eventId: '1', chatKey: 'c', payload: {}, receivedAt: new Date() });
      const claim = (owner: string, nowMs: number) => claimHeads(h.db, { owner, platforms: ['telegram'], nowMs, leaseMs: 1000, limit: 5 });
      const [row] = await claim('x', 1_000_000);
      expect(row).toBeDefined();
      expect(await claim('y', 1_000_500)).toEqual([]);
      expect((await claim('y', 1_001_500)).map((r) => r.id)).toEqual([row!.id]);
      expect(await h.db.transaction().execute((trx) => finishRow(trx, row!.id, 'x', new Date()))).toBe(false);
      expect(await h.db.transaction().execute((trx) => finishRow(trx, row!.id, 'y', new Date()))).toBe(true);
    } finally {
      await h.cleanup();
    }
  });
});

describe('polling confirms only what is stored', () => {
  it('Telegram: while storing fails the offset is not confirmed and the same updates come again; each is stored once, in order', async () => {
    const accepted: string[] = [];
    let failures = 2;
    const adapter = createTelegramAdapter({
      token: tg.token,
      apiRoot: tg.apiRoot,
      sink: { handle: async () => undefined },
      log: silentLogger,
      registerCommands: false,
      polling: { timeoutSeconds: 1, minRetryMs: 5, maxRetryMs: 10 },
      inbound: {
        async accept(u) {
          if (failures > 0) {
            failures--;
            throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          }
          if (!accepted.includes(u.eventId)) accepted.push(u.eventId);
          return true;
        },
        idle: async () => undefined,
      },
    });
    const u1 = tg.push(tg.build.message(privateChat(LAN), LAN, 'một'));
    const u2 = tg.push(tg.build.message(privateChat(LAN), LAN, 'hai'));
    await adapter.start();
    try {
      await tg.waitFor(() => accepted.length === 2, 10_000, 'both updates stored');
      // confirmed only after both were stored
      await tg.waitFor(() => tg.callsOf('getUpdates').some((c) => Number(c.params.offset) === u2.update_id + 1), 10_000, 'offset confirmed');
      const offsets = tg.callsOf('getUpdates').map((c) => Number(c.params.offset ?? 0));
      expect(offsets.slice(0, 3)).toEqual([0, 0, 0]); // two failed stores: asked again from the start
      expect(accepted).toEqual([String(u1.update_id), String(u2.update_id)]);
      expect(tg.pending()).toEqual([]);
    } finally {
      await adapter.stop();
    }
  });

  it('Zalo: while storing fails the poller keeps the update and asks for no more until it is stored', async () => {
    const accepted: string[] = [];
    let failures = 2;
    const fz = new FakeZalo({ pollSecondMs: 10 });
    await fz.start();
    const adapter = createZaloAdapter({
      token: fz.token,
      apiRoot: fz.apiRoot,
      sink: { handle: async (_e: ChatEvent) => undefined },
      pollTimeoutSeconds: 1,
      pollBackoffMs: 5,
      inbound: {
        async accept(u) {
          if (failures > 0) {
            failures--;
            throw Object.assign(new Error('Connection terminated unexpectedly'), {});
          }
          accepted.push(u.eventId);
          return true;
        },
        idle: async () => undefined,
      },
    });
    fz.queueUpdate(zaloText('một', { messageId: 'p-1' }));
    await adapter.start();
    try {
      await waitUntil(() => accepted.length === 1, 'stored');
      const pollsWhenStored = fz.callsOf('getUpdates').length;
      expect(pollsWhenStored).toBe(1); // no getUpdates while the update in hand was not stored
      fz.queueUpdate(zaloText('hai', { messageId: 'p-2' }));
      await waitUntil(() => accepted.length === 2, 'second stored');
      expect(accepted).toEqual(['message.text.received:p-1', 'message.text.received:p-2']);
    } finally {
      await adapter.stop();
      await fz.close();
    }
  });
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
