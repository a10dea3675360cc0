import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { ChatCore } from '../../src/chat/core';
import { OutboxDrainer } from '../../src/outbox/drainer';
import type { ChatEvent, EventSink } from '../../src/chat/types';
import { ManualClock } from '../../src/clock';
import { createZaloAdapter, type ZaloAdapter } from '../../src/platforms/zalo';
import { tempDb } from '../helpers/db';
import { FakeZalo, FAKE_ZALO_TOKEN, zaloImage, zaloSticker, zaloText, zaloUnsupported } from '../helpers/fake-zalo';

const SECRET = 'webhook-secret-123';
const PATH = '/webhook/zalo';

class RecordingSink implements EventSink {
  readonly events: ChatEvent[] = [];
  async handle(event: ChatEvent): Promise<void> {
    this.events.push(event);
  }
}

function setup(): { app: express.Express; sink: RecordingSink; adapter: ZaloAdapter; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  const sink = new RecordingSink();
  // apiRoot points nowhere: the webhook path makes no API calls
  const adapter = createZaloAdapter({
    token: FAKE_ZALO_TOKEN,
    apiRoot: 'http://127.0.0.1:9',
    sink,
    log,
    webhookSecret: SECRET,
    botDisplayName: 'Bot CNS',
  });
  const app = express();
  app.use(adapter.webhook.router);
  return { app, sink, adapter, lines };
}

function post(app: express.Express, body: unknown, secret: string | null = SECRET) {
  let r = request(app).post(PATH).set('content-type', 'application/json');
  if (secret !== null) r = r.set('X-Bot-Api-Secret-Token', secret);
  return r.send(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('Zalo webhook route', () => {
  it.each([
    ['missing', null],
    ['wrong', 'webhook-secret-124'],
    ['truncated', 'webhook-secret-12'],
    ['longer', `${SECRET}x`],
  ])('a %s secret → 401 and nothing reaches the sink', async (_label, secret) => {
    const { app, sink, adapter } = setup();
    const r = await post(app, zaloText('@Bot CNS /lienket 1'), secret);
    expect(r.status).toBe(401);
    await adapter.idle();
    expect(sink.events).toHaveLength(0);
  });

  it('checks the secret before reading the body (malformed or oversized bodies still get 401)', async () => {
    const { app, sink, lines } = setup();
    expect((await post(app, '{not json', 'nope-nope-nope')).status).toBe(401);
    expect((await post(app, `{"x":"${'a'.repeat(2_000_000)}"}`, null)).status).toBe(401);
    expect(sink.events).toHaveLength(0);
    expect(lines.join('')).not.toMatch(/malformed/);
  });

  it('empty body → 200, no-op (with or without content type)', async () => {
    const { app, sink, adapter } = setup();
    expect((await post(app, '')).status).toBe(200);
    expect((await request(app).post(PATH).set('X-Bot-Api-Secret-Token', SECRET)).status).toBe(200);
    expect((await post(app, {})).status).toBe(200);
    await adapter.idle();
    expect(sink.events).toHaveLength(0);
  });

  it('a body that is not application/json → 415; a 5 MB body → 413; nothing reaches the sink', async () => {
    const { app, sink, adapter } = setup();
    const body = JSON.stringify(zaloText('@Bot CNS /lienket 1'));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/html; charset=utf-8']) {
      const r = await request(app).post(PATH).set('X-Bot-Api-Secret-Token', SECRET).set('content-type', type).send(body);
      expect(r.status).toBe(415);
    }
    // a body without any content type is refused too
    const bare = await request(app).post(PATH).set('X-Bot-Api-Secret-Token', SECRET).serialize((x: unknown) => x as string).send(body).unset('content-type');
    expect(bare.status).toBe(415);
    // application/json with a charset is fine
    const ok = await request(app).post(PATH).set('X-Bot-Api-Secret-Token', SECRET).set('content-type', 'application/json; charset=utf-8').send(body);
    expect(ok.status).toBe(200);
    const big = await post(app, `{"x":"${'a'.repeat(5 * 1024 * 1024)}"}`);
    expect(big.status).toBe(413);
    expect(big.text).not.toMatch(/at \w+ \(/);
    await adapter.idle();
    expect(sink.events).toHaveLength(1);
  });

  it('malformed JSON → 400, and the log holds no personal data', async () => {
    const { app, sink, lines, adapter } = setup();
    const body = '{"event_name":"message.text.received","message":{"from":{"display_name":"Nguyễn Văn A"},"text":"0912345678 báo cáo"';
    const r = await post(app, body);
    expect(r.status).toBe(400);
    await adapter.idle();
    expect(sink.events).toHaveLength(0);
    const all = lines.join('');
    expect(all).toMatch(/malformed JSON/);
    expect(all).not.toContain('Nguyễn');
    expect(all).not.toContain('0912345678');
    expect(all).not.toContain('báo cáo');
    expect(all).not.toContain(SECRET);
  });

  it.each(['bare', 'wrapped'] as const)('the %s body form is accepted', async (form) => {
    const { app, sink, adapter } = setup();
    const u = zaloText('@Bot CNS /lienket 12345', { messageId: `m-${form}`, chatId: 'g-9', fromId: 'u-3', name: 'Lê C' });
    const r = await post(app, form === 'wrapped' ? { ok: true, result: u } : u);
    expect(r.status).toBe(200);
    await adapter.idle();
    expect(sink.events).toEqual([
      expect.objectContaining({
        platform: 'zalo',
        type: 'message',
        eventId: `message.text.received:m-${form}`,
        chat: { id: 'g-9', kind: 'group' },
        sender: { id: 'u-3', displayName: 'Lê C' },
        text: '/lienket 12345',
      }),
    ]);
  });

  it('unknown fields are ignored; bodies that are not updates are acknowledged and ignored', async () => {
    const { app, sink, adapter } = setup();
    const u = zaloText('xin chào', { chatType: 'PRIVATE', fromId: 'u-4', extra: { new_field: { a: 1 }, lang: 'vi' } });
    expect((await post(app, { ...u, trace_id: 'abc' })).status).toBe(200);
    expect((await post(app, { hello: 'world' })).status).toBe(200);
    expect((await post(app, { ok: false, error_code: 500 })).status).toBe(200);
    expect((await post(app, '[1,2]')).status).toBe(200);
    await adapter.idle();
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ type: 'message', chat: { id: 'u-4', kind: 'private' }, text: 'xin chào' });
  });

  it('a duplicate delivery reaches the sink with the same eventId (the core dedupes on it)', async () => {
    const { app, sink, adapter } = setup();
    const u = zaloText('/tiendo', { messageId: 'dup-1' });
    expect((await post(app, u)).status).toBe(200);
    expect((await post(app, { ok: true, result: u })).status).toBe(200);
    await adapter.idle();
    expect(sink.events.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sink.events.map((e) => e.eventId))).toEqual(new Set(['message.text.received:dup-1']));
  });

  it('events without text → NonTextEvent; an image with caption → MessageEvent', async () => {
    const { app, sink, adapter } = setup();
    await post(app, zaloUnsupported({ messageId: 'n-1' }));
    await post(app, zaloSticker({ messageId: 'n-2' }));
    await post(app, zaloImage({ messageId: 'n-3' }));
    await post(app, zaloImage({ messageId: 'n-4', caption: '@Bot CNS báo cáo kèm ảnh', extra: { quote_msg_id: 'm-out-8' } }));
    await adapter.idle();
    expect(sink.events.map((e) => [e.eventId, e.type])).toEqual([
      ['message.unsupported.received:n-1', 'non_text'],
      ['message.sticker.received:n-2', 'non_text'],
      ['message.image.received:n-3', 'non_text'],
      ['message.image.received:n-4', 'message'],
    ]);
    expect(sink.events[3]).toMatchObject({ text: 'báo cáo kèm ảnh', replyToMessageId: 'm-out-8' });
  });

  it('answers 200 before the sink finishes, and a failing sink is logged without personal data', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handled = 0;
    const adapter = createZaloAdapter({
      token: FAKE_ZALO_TOKEN,
      apiRoot: 'http://127.0.0.1:9',
      webhookSecret: SECRET,
      log,
      sink: {
        async handle() {
          await gate;
          handled++;
          throw new Error('core exploded');
        },
      },
    });
    const app = express();
    app.use(adapter.webhook.router);
    const r = await post(app, zaloText('báo cáo bí mật', { name: 'Phạm D' }));
    expect(r.status).toBe(200);
    expect(handled).toBe(0);
    release();
    await adapter.idle();
    expect(handled).toBe(1);
    const all = lines.join('');
    expect(all).toMatch(/handling an update failed/);
    expect(all).not.toContain('Phạm D');
    expect(all).not.toContain('bí mật');
  });

  it('the handlers can be mounted at another path', async () => {
    const { sink, adapter } = setup();
    const app = express();
    app.post('/hooks/z', ...adapter.webhook.handlers);
    const r = await request(app).post('/hooks/z').set('X-Bot-Api-Secret-Token', SECRET).send(zaloText('/help'));
    expect(r.status).toBe(200);
    await adapter.idle();
    expect(sink.events).toHaveLength(1);
  });
});

describe('Zalo webhook → chat core → outbox → Zalo (end to end)', () => {
  it('a duplicate delivery is handled once, and the answer reaches Zalo once', async () => {
    const h = await tempDb();
    const fake = await new FakeZalo().start();
    try {
      const clock = new ManualClock('2026-03-01T08:00:00+07:00');
      const silent = pino({ level: 'silent' });
      const core = new ChatCore({
        db: h.db,
        clock,
        log: silent,
        defaultLocale: 'vi',
        features: [],
        profile: () => {
          throw new Error('no profile needed');
        },
      });
      const adapter = createZaloAdapter({
        token: FAKE_ZALO_TOKEN,
        apiRoot: fake.apiRoot,
        sink: core,
        webhookSecret: SECRET,
        perSecond: 1000,
        clock,
      });
      const app = express();
      app.use(adapter.webhook.router);
      const u = zaloText('xin chào', { messageId: 'dup-e2e', chatType: 'PRIVATE', fromId: 'u-77' });
      expect((await post(app, u)).status).toBe(200);
      expect((await post(app, { ok: true, result: u })).status).toBe(200);
      await adapter.idle();
      const drainer = new OutboxDrainer(h.db, [adapter.sender], clock, silent);
      expect(await drainer.drainAll()).toBe(1);
      expect(fake.sentTo('u-77')).toHaveLength(1);
      expect(fake.sentTo('u-77')[0]).toMatch(/trogiup/);
      // a sticker in a private chat gets the polite non-text answer
      expect((await post(app, zaloSticker({ messageId: 'st-e2e', chatType: 'PRIVATE', fromId: 'u-77' }))).status).toBe(200);
      await adapter.idle();
      expect(await drainer.drainAll()).toBe(1);
      expect(fake.sentTo('u-77')).toHaveLength(2);
    } finally {
      await fake.close();
      await h.cleanup();
    }
  });
});
