/**
 * Webhook mode: supertest against an express app with the adapter's route; the fake Bot API
 * receives setWebhook, answers and apologies.
 */
import express from 'express';
import request from 'supertest';
import { createTelegramAdapter, APOLOGY_VI, type TelegramAdapter } from '../../src/platforms/telegram';
import { secretMatches } from '../../src/platforms/telegram/webhook';
import { silentLogger } from '../../src/logger';
import type { ChatEvent, EventSink } from '../../src/chat/types';
import { FakeTelegram, group, privateChat, type FakeUser } from '../helpers/fake-telegram';
import { ChatCore } from '../../src/chat/core';
import { OutboxDrainer } from '../../src/outbox/drainer';
import { ManualClock } from '../../src/clock';
import { tempDb } from '../helpers/db';

class RecordingSink implements EventSink {
  readonly events: ChatEvent[] = [];
  failWhen: (e: ChatEvent) => boolean = () => false;
  async handle(event: ChatEvent): Promise<void> {
    this.events.push(event);
    if (this.failWhen(event)) throw new Error('core exploded');
  }
}

const SECRET = 'test-secret_0123456789';
const PATH = '/webhook/telegram';
const HEADER = 'X-Telegram-Bot-Api-Secret-Token';
const LAN: FakeUser = { id: 601, first_name: 'Hoàng Thị', last_name: 'Lan' };
const VILLAGE = group(-1_002_000_000_001, 'Tổ CNSCĐ thôn Nà Mòn');

describe('Telegram adapter (webhook mode)', () => {
  let tg: FakeTelegram;
  let sink: RecordingSink;
  let adapter: TelegramAdapter;
  let app: express.Express;

  beforeEach(async () => {
    tg = await FakeTelegram.start();
    sink = new RecordingSink();
    adapter = createTelegramAdapter({
      token: tg.token,
      apiRoot: tg.apiRoot,
      sink,
      log: silentLogger,
      publicUrl: 'https://bot.example.vn/',
      webhookSecret: SECRET,
    });
    await adapter.start();
    app = express();
    app.use(adapter.router); // before any body parser
    app.use(express.json());
  });

  afterEach(async () => {
    await adapter.stop();
    await tg.close();
  });

  it('registers its webhook with the url and secret token on start, and does not poll', async () => {
    expect(adapter.mode).toBe('webhook');
    expect(tg.webhook).toEqual({
      url: 'https://bot.example.vn/webhook/telegram',
      secret_token: SECRET,
      allowed_updates: ['message', 'callback_query', 'my_chat_member', 'chat_member', 'chat_join_request'],
    });
    expect(tg.callsOf('getUpdates')).toHaveLength(0);
    expect(tg.callsOf('setMyCommands').length).toBe(4);
  });

  it('rejects a missing or wrong secret with 401 before reading the body; the core gets nothing', async () => {
    const update = tg.build.message(VILLAGE, LAN, '/baocao');
    await request(app).post(PATH).send(update).expect(401);
    await request(app).post(PATH).set(HEADER, 'wrong-secret_0123456789').send(update).expect(401);
    await request(app).post(PATH).set(HEADER, SECRET + 'x').send(update).expect(401);
    await request(app).post(PATH).set(HEADER, '').send(update).expect(401);
    // a wrong secret with a broken body still gets 401, not 400: the body was never parsed
    await request(app).post(PATH).set(HEADER, 'nope-nope-nope').set('content-type', 'application/json').send('{not json').expect(401);
    expect(sink.events).toHaveLength(0);
  });

  it('accepts the right secret: 200 and exactly one event', async () => {
    const update = tg.build.message(VILLAGE, LAN, '/baocao\nSố hộ: 5');
    await request(app).post(PATH).set(HEADER, SECRET).send(update).expect(200);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ type: 'message', eventId: String(update.update_id), text: '/baocao\nSố hộ: 5' });
  });

  it('handles the same update delivered twice once', async () => {
    const update = tg.build.message(VILLAGE, LAN, '/tiendo');
    await request(app).post(PATH).set(HEADER, SECRET).send(update).expect(200);
    await request(app).post(PATH).set(HEADER, SECRET).send(update).expect(200);
    expect(sink.events).toHaveLength(1);
  });

  it('answers 400 to a body that is not an update, with the right secret', async () => {
    await request(app).post(PATH).set(HEADER, SECRET).set('content-type', 'application/json').send('{not json').expect(400);
    await request(app).post(PATH).set(HEADER, SECRET).send({ hello: 'world' }).expect(400);
    expect(sink.events).toHaveLength(0);
  });

  it('answers 413 to a 5 MB body, with the right secret, and nothing reaches the core', async () => {
    const big = JSON.stringify({ update_id: 1, message: { text: 'x'.repeat(5 * 1024 * 1024) } });
    const r = await request(app).post(PATH).set(HEADER, SECRET).set('content-type', 'application/json').send(big);
    expect(r.status).toBe(413);
    expect(r.text).not.toMatch(/at \w+ \(/); // no stack trace
    expect(sink.events).toHaveLength(0);
  });

  it('apologises when the core fails, answers 200, and goes on; callback queries are always answered', async () => {
    sink.failWhen = (e) => e.type !== 'message' || e.text === '/boom';
    const boom = tg.build.message(VILLAGE, LAN, '/boom');
    await request(app).post(PATH).set(HEADER, SECRET).send(boom).expect(200);
    const sent = await tg.waitForSent(VILLAGE.id, 1);
    expect(sent[0]!.text).toBe(APOLOGY_VI);
    const press = tg.build.callback(VILLAGE, LAN, 4242, 'rpt:ok:1');
    await request(app).post(PATH).set(HEADER, SECRET).send(press).expect(200);
    expect(tg.callsOf('answerCallbackQuery').map((c) => c.params.callback_query_id)).toEqual([press.callback_query!.id]);
    await request(app).post(PATH).set(HEADER, SECRET).send(tg.build.message(VILLAGE, LAN, '/mau')).expect(200);
    expect(sink.events.map((e) => e.type)).toEqual(['message', 'button', 'message']);
  });

  it('secretMatches accepts only the exact secret', () => {
    expect(secretMatches(SECRET, SECRET)).toBe(true);
    expect(secretMatches(undefined, SECRET)).toBe(false);
    expect(secretMatches('short', SECRET)).toBe(false);
  });
});

describe('Telegram adapter route in polling mode', () => {
  it('answers 404: no webhook is registered', async () => {
    const tg = await FakeTelegram.start();
    const sink = new RecordingSink();
    const adapter = createTelegramAdapter({ token: tg.token, apiRoot: tg.apiRoot, sink, log: silentLogger, registerCommands: false, polling: { timeoutSeconds: 1 } });
    const app = express();
    app.use(adapter.router);
    await request(app).post(PATH).set(HEADER, 'anything-goes').send({ update_id: 1 }).expect(404);
    expect(sink.events).toHaveLength(0);
    await tg.close();
  });
});

describe('Telegram webhook → chat core → outbox → Telegram (end to end)', () => {
  it('an update delivered twice — to two instances, past the adapter in-memory guard — is handled and answered once', async () => {
    const tg = await FakeTelegram.start();
    const h = await tempDb();
    try {
      const clock = new ManualClock('2026-03-01T08:00:00+07:00');
      const core = new ChatCore({
        db: h.db,
        clock,
        log: silentLogger,
        defaultLocale: 'vi',
        features: [],
        profile: () => {
          throw new Error('no profile needed');
        },
      });
      const make = (): TelegramAdapter =>
        createTelegramAdapter({ token: tg.token, apiRoot: tg.apiRoot, sink: core, log: silentLogger, clock, publicUrl: 'https://bot.example.vn', webhookSecret: SECRET, registerCommands: false });
      const [a, b] = [make(), make()];
      await a.start();
      await b.start();
      const appA = express().use(a.router);
      const appB = express().use(b.router);
      const update = tg.build.message(privateChat(LAN), LAN, '/khongco');
      await request(appA).post(PATH).set(HEADER, SECRET).send(update).expect(200);
      await request(appB).post(PATH).set(HEADER, SECRET).send(update).expect(200);
      const drainer = new OutboxDrainer(h.db, [a.sender], clock, silentLogger);
      expect(await drainer.drainAll()).toBe(1);
      expect(tg.sent(LAN.id)).toHaveLength(1);
      await a.stop();
      await b.stop();
    } finally {
      await tg.close();
      await h.cleanup();
    }
  });
});
