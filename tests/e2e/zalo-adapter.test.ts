import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { OutboxDrainer } from '../../src/outbox/drainer';
import type { ChatEvent, EventSink, MessageEvent, Outgoing } from '../../src/chat/types';
import { ManualClock } from '../../src/clock';
import { createZaloAdapter, ZaloClient, ZaloPoller, type ZaloAdapter } from '../../src/platforms/zalo';
import { allOutbox, enqueue } from '../../src/outbox/store';
import { botMessageContext } from '../../src/store/bot-messages';
import { tempDb } from '../helpers/db';
import { FakeZalo, FAKE_ZALO_TOKEN, zaloImage, zaloText, zaloUnsupported } from '../helpers/fake-zalo';

class RecordingSink implements EventSink {
  readonly events: ChatEvent[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  async handle(event: ChatEvent): Promise<void> {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => (this.events.length >= w.n ? (w.resolve(), false) : true));
  }
  waitFor(n: number, ms = 3000): Promise<void> {
    if (this.events.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${n} events (have ${this.events.length})`)), ms);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
}

function captureLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

/** Resolves once `check()` holds, re-checked after every log line the code under test writes. */
function logWatch(): { log: pino.Logger; lines: string[]; until(check: (lines: string[]) => boolean, what: string): Promise<void> } {
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  const log = pino({ level: 'debug' }, {
    write: (s: string) => {
      lines.push(s);
      for (const w of [...watchers]) w();
    },
  });
  const until = (check: (l: string[]) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (check(lines)) return resolve();
      const timer = setTimeout(() => (watchers.delete(w), reject(new Error(`timed out waiting for ${what}`))), 10_000);
      const w = () => {
        if (!check(lines)) return;
        watchers.delete(w);
        clearTimeout(timer);
        resolve();
      };
      watchers.add(w);
    });
  return { log, lines, until };
}

/** `p`, or a clear failure when it does not settle within `ms` (instead of hanging the suite). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish`)), ms)))]).finally(() => clearTimeout(timer));
}

describe('Zalo adapter: polling', () => {
  let fake: FakeZalo;
  let sink: RecordingSink;
  let adapter: ZaloAdapter;

  beforeEach(async () => {
    fake = await new FakeZalo({ pollSecondMs: 20 }).start();
    sink = new RecordingSink();
  });
  afterEach(async () => {
    await adapter?.stop();
    await fake.close();
  });

  it('delivers ChatEvents; a group "@Bot CNS /lienket 12345" arrives as "/lienket 12345"; 408 is not an error', async () => {
    const { log, lines } = captureLog();
    adapter = createZaloAdapter({
      token: FAKE_ZALO_TOKEN,
      apiRoot: fake.apiRoot,
      sink,
      log,
      botDisplayName: 'Bot CNS',
      pollTimeoutSeconds: 1,
      pollMinMs: 0, // the fake holds a poll 20 ms: not an instant answer
    });
    expect(adapter.mode).toBe('polling');
    const info = await adapter.start();
    expect(info?.account_name).toBe('bot.test');
    expect(adapter.botInfo?.can_join_groups).toBe(true);

    // several empty polls (408) go by
    await fake.until(() => fake.callsOf('getUpdates').filter((c) => c.errorCode === 408).length >= 2, 'two empty polls');

    fake.queueUpdate(
      zaloText('@Bot CNS /lienket 12345', { messageId: 'm-1', chatId: 'g-1', fromId: 'u-1' }),
      zaloText('chào bot', { messageId: 'm-2', chatType: 'PRIVATE', fromId: 'u-2' }),
      zaloUnsupported({ messageId: 'm-3', chatType: 'PRIVATE', fromId: 'u-2' }),
    );
    await sink.waitFor(3);
    expect(sink.events[0]).toMatchObject({
      platform: 'zalo',
      type: 'message',
      eventId: 'message.text.received:m-1',
      chat: { id: 'g-1', kind: 'group' },
      text: '/lienket 12345',
    });
    expect(sink.events[1]).toMatchObject({ type: 'message', chat: { id: 'u-2', kind: 'private' }, text: 'chào bot' });
    expect(sink.events[2]).toMatchObject({ type: 'non_text', eventId: 'message.unsupported.received:m-3' });

    await adapter.stop();
    const all = lines.join('');
    expect(all).not.toMatch(/"level":(40|50)/); // no warnings or errors: 408 is "no update"
    expect(all).not.toContain(FAKE_ZALO_TOKEN.split(':')[1]!);
    expect(all).not.toContain('Nguyễn Văn A');
    expect(all).not.toContain('lienket');
  });

  it('the account_name from getMe is stripped too', async () => {
    adapter = createZaloAdapter({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot, sink, pollTimeoutSeconds: 1 });
    await adapter.start();
    fake.queueUpdate(zaloText('@bot.test báo cáo', { messageId: 'm-5' }));
    await sink.waitFor(1);
    expect((sink.events[0] as MessageEvent).text).toBe('báo cáo');
  });

  it('removes a registered webhook before polling', async () => {
    fake.webhook = { url: 'https://old.example/zalo', secret: 'abcdefgh', updatedAt: 1 };
    adapter = createZaloAdapter({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot, sink, pollTimeoutSeconds: 1 });
    await adapter.start();
    expect(fake.callsOf('deleteWebhook')).toHaveLength(1);
    fake.queueUpdate(zaloImage({ caption: 'ảnh báo cáo', messageId: 'p-1' }));
    await sink.waitFor(1);
    expect(sink.events[0]).toMatchObject({ type: 'message', text: 'ảnh báo cáo' });
  });

  it('warns clearly when the bot cannot join groups, and exposes botInfo', async () => {
    fake.botInfo.can_join_groups = false;
    const { log, lines } = captureLog();
    adapter = createZaloAdapter({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot, sink, log, pollTimeoutSeconds: 1 });
    await adapter.start();
    expect(adapter.botInfo?.can_join_groups).toBe(false);
    const warn = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 40);
    expect(warn?.msg).toMatch(/cannot join groups/);
    expect(warn?.msg).toMatch(/private/);
  });

  it('start fails with a typed 401 when the token is wrong', async () => {
    adapter = createZaloAdapter({ token: `${FAKE_ZALO_TOKEN}x`, apiRoot: fake.apiRoot, sink });
    await expect(adapter.start()).rejects.toMatchObject({ name: 'ZaloApiError', code: 401 });
  });
});

describe('Zalo poller: errors and stop', () => {
  it('backs off on network errors (doubling to the cap) and stops cleanly', async () => {
    const fake = await new FakeZalo().start();
    const root = fake.apiRoot;
    await fake.close();
    const { log, lines, until } = logWatch();
    const poller = new ZaloPoller({
      client: new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: root }),
      onUpdate: async () => undefined,
      log,
      backoffMs: 5,
      maxBackoffMs: 20,
    });
    const failures = () => lines.map((l) => JSON.parse(l) as { msg: string; retryInMs?: number }).filter((l) => /network error/.test(l.msg));
    poller.start();
    await until(() => failures().length >= 4, 'four network errors');
    // each wait doubles up to the cap: backed off, not a busy loop
    expect(failures().slice(0, 4).map((l) => l.retryInMs)).toEqual([5, 10, 20, 20]);
    await poller.stop();
    expect(poller.running).toBe(false);
    expect(lines.join('')).not.toContain(FAKE_ZALO_TOKEN.split(':')[1]!);
  });

  it('stop() ends a backoff wait at once', async () => {
    const fake = await new FakeZalo().start();
    const root = fake.apiRoot;
    await fake.close();
    const { log, until } = logWatch();
    const poller = new ZaloPoller({
      client: new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: root }),
      onUpdate: async () => undefined,
      log,
      backoffMs: 600_000, // ten minutes: stop() must not wait for it
    });
    poller.start();
    await until((l) => l.some((x) => x.includes('network error')), 'the first network error');
    await within(poller.stop(), 5000, 'stop() during a 10-minute backoff');
    expect(poller.running).toBe(false);
  });

  it('stop() aborts a long poll in flight', async () => {
    const fake = await new FakeZalo({ pollSecondMs: 1000 }).start();
    try {
      const poller = new ZaloPoller({
        client: new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot }),
        onUpdate: async () => undefined,
        timeoutSeconds: 30,
      });
      poller.start();
      await fake.until(() => fake.waitingPolls === 1, 'the long poll to be waiting');
      // the poll would hold for 30 s: stop() aborts it
      await within(poller.stop(), 5000, 'stop() during a 30 s long poll');
      await fake.until(() => fake.waitingPolls === 0, 'the server to see the aborted poll');
      // an update queued after the aborted poll is kept for the next poller
      fake.queueUpdate(zaloText('x', { messageId: 'keep' }));
      expect(fake.updates).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('a failing handler does not stop the poller', async () => {
    const fake = await new FakeZalo({ pollSecondMs: 20 }).start();
    const seen: string[] = [];
    let both: () => void = () => undefined;
    const bothSeen = new Promise<void>((r) => (both = r));
    const poller = new ZaloPoller({
      client: new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot }),
      onUpdate: async (u) => {
        seen.push(String(u.message.message_id));
        if (seen.length === 2) both();
        if (seen.length === 1) throw new Error('boom');
      },
      timeoutSeconds: 1,
    });
    try {
      poller.start();
      fake.queueUpdate(zaloText('a', { messageId: 'a' }), zaloText('b', { messageId: 'b' }));
      await within(bothSeen, 10_000, 'both updates handled');
      expect(seen).toEqual(['a', 'b']);
    } finally {
      await poller.stop();
      await fake.close();
    }
  });
});

describe('Zalo adapter: webhook mode', () => {
  it('registers <PUBLIC_URL>/webhook/zalo with the secret, and pushed events reach the sink', async () => {
    const fake = await new FakeZalo().start();
    const sink = new RecordingSink();
    const adapter = createZaloAdapter({
      token: FAKE_ZALO_TOKEN,
      apiRoot: fake.apiRoot,
      sink,
      publicUrl: 'https://bot.example.vn/',
      webhookSecret: 'a-very-secret-value',
    });
    const app = express();
    app.use(adapter.webhook.router);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      expect(adapter.mode).toBe('webhook');
      await adapter.start();
      expect(fake.webhook).toMatchObject({ url: 'https://bot.example.vn/webhook/zalo', secret: 'a-very-secret-value' });
      expect(fake.callsOf('getUpdates')).toHaveLength(0);
      const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/zalo`;
      const r = await fake.pushWebhook(zaloText('@Bot /tiendo', { messageId: 'w-1' }), { url: local });
      expect(r.status).toBe(200);
      await adapter.idle();
      expect(sink.events).toHaveLength(1);
      expect(sink.events[0]).toMatchObject({ type: 'message', text: '/tiendo' });
      expect((await fake.pushWebhook(zaloText('x'), { url: local, secret: 'wrong-secret' })).status).toBe(401);
      await adapter.idle();
      expect(sink.events).toHaveLength(1);
    } finally {
      await adapter.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await fake.close();
    }
  });

  it('derives a stable secret from the token when ZALO_WEBHOOK_SECRET is not set', async () => {
    const fake = await new FakeZalo().start();
    try {
      const mk = () =>
        createZaloAdapter({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot, sink: new RecordingSink(), publicUrl: 'https://x.vn' });
      await mk().start();
      const first = fake.webhook!.secret;
      await mk().start();
      expect(fake.webhook!.secret).toBe(first);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(first).not.toContain(FAKE_ZALO_TOKEN.split(':')[1]!);
    } finally {
      await fake.close();
    }
  });
});

describe('Zalo sender through the outbox', () => {
  let fake: FakeZalo;
  let h: Awaited<ReturnType<typeof tempDb>>;
  let clock: ManualClock;
  let adapter: ZaloAdapter;
  let drainer: OutboxDrainer;

  beforeEach(async () => {
    fake = await new FakeZalo().start();
    h = await tempDb();
    clock = new ManualClock('2026-03-01T08:00:00+07:00');
    adapter = createZaloAdapter({
      token: FAKE_ZALO_TOKEN,
      apiRoot: fake.apiRoot,
      sink: new RecordingSink(),
      perSecond: 1000,
      clock,
    });
    drainer = new OutboxDrainer(h.db, [adapter.sender], clock, pino({ level: 'silent' }));
  });
  afterEach(async () => {
    await h.cleanup();
    await fake.close();
  });

  const out = (text: string, extra: Partial<Outgoing> = {}): Outgoing => ({ chat: { platform: 'zalo', id: 'g-1' }, text, ...extra });

  it('uses ZALO_RATE_PER_SECOND as its limit', () => {
    expect(adapter.sender.platform).toBe('zalo');
    expect(adapter.sender.limits).toEqual({ perSecond: 1000 });
  });

  it('splits long text at 2000 characters on line boundaries and records the message ids', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => `${i + 1}. Xã số ${i + 1}: đã nộp báo cáo quý I ${'·'.repeat(20)}`);
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(4000);
    await enqueue(h.db, [out(text, { context: { flow: 'report', data: { unitId: 7 } } })], clock.now());
    expect(await drainer.drainAll()).toBe(1);
    const got = fake.sentTo('g-1');
    expect(got.length).toBeGreaterThanOrEqual(3);
    for (const p of got) expect(p.length).toBeLessThanOrEqual(2000);
    expect(got.join('\n')).toBe(text);
    const [row] = await allOutbox(h.db, 'zalo');
    expect(row!.status).toBe('sent');
    const ids = JSON.parse(row!.message_ids!) as string[];
    expect(ids).toEqual(fake.sent.map((s) => s.messageId));
    // a reply to any part continues the flow
    expect(await botMessageContext(h.db, 'zalo', 'g-1', ids[1]!)).toEqual({ flow: 'report', data: { unitId: 7 } });
  });

  it('never sends buttons or mentions: only chat_id and text', async () => {
    await enqueue(
      h.db,
      [
        out('Xác nhận báo cáo?\n1. Đồng ý\n2. Sửa lại\nAnh Trần B ơi, trả lời tin nhắn này.', {
          buttons: [[{ label: 'Đồng ý', data: 'ok' }, { label: 'Sửa', data: 'edit' }]],
          mentions: [{ userId: 'u-2', name: 'Trần B' }],
          replyToMessageId: 'm-7',
        }),
      ],
      clock.now(),
    );
    await drainer.drainAll();
    const calls = fake.callsOf('sendMessage');
    expect(calls).toHaveLength(1);
    expect(Object.keys(calls[0]!.body).sort()).toEqual(['chat_id', 'text']);
    expect(calls[0]!.body.text).toContain('1. Đồng ý');
  });

  it('backs off on 429 Quota exceeded (2 s, then longer) and the message still arrives', async () => {
    fake.failNext('sendMessage', 429, 2);
    await enqueue(h.db, [out('Nhắc hạn nộp báo cáo')], clock.now());
    const t0 = clock.now().getTime();

    expect(await drainer.drainAll()).toBe(0);
    let [row] = await allOutbox(h.db, 'zalo');
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(new Date(row!.next_attempt_at).getTime() - t0).toBe(2000);

    clock.advance(1000);
    expect(await drainer.drainAll()).toBe(0); // not due yet
    clock.advance(1000);
    expect(await drainer.drainAll()).toBe(0); // second 429
    [row] = await allOutbox(h.db, 'zalo');
    expect(new Date(row!.next_attempt_at).getTime() - clock.now().getTime()).toBe(4000);

    clock.advance(4000);
    expect(await drainer.drainAll()).toBe(1);
    expect(fake.sentTo('g-1')).toEqual(['Nhắc hạn nộp báo cáo']);
    [row] = await allOutbox(h.db, 'zalo');
    expect(row!.status).toBe('sent');
  });

  it('a 429 half-way through a split message does not repeat the parts already sent', async () => {
    const text = `${'a'.repeat(1500)}\n${'b'.repeat(1500)}\n${'c'.repeat(1500)}`;
    await enqueue(h.db, [out(text)], clock.now());
    // let the first part through, then 429 on the second
    const realSend = adapter.client.sendMessage.bind(adapter.client);
    let calls = 0;
    adapter.client.sendMessage = async (p) => {
      calls++;
      if (calls === 2) fake.failNext('sendMessage', 429, 1);
      return realSend(p);
    };
    expect(await drainer.drainAll()).toBe(0);
    expect(fake.sentTo('g-1')).toHaveLength(1);
    clock.advance(2000);
    expect(await drainer.drainAll()).toBe(1);
    expect(fake.sentTo('g-1').map((t) => t[0])).toEqual(['a', 'b', 'c']);
    const [row] = await allOutbox(h.db, 'zalo');
    expect(JSON.parse(row!.message_ids!)).toHaveLength(3);
  });

  it.each([
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [403, 'pending'],
    [500, 'pending'],
  ])('error %i → outbox row %s', async (code, status) => {
    fake.failNext('sendMessage', code, 1);
    await enqueue(h.db, [out('xin chào')], clock.now());
    await drainer.drainAll();
    const [row] = await allOutbox(h.db, 'zalo');
    expect(row!.status).toBe(status);
    expect(row!.last_error).not.toContain(FAKE_ZALO_TOKEN);
  });

  it('errors served as HTTP 4xx are treated the same', async () => {
    fake.errorsAsHttpStatus = true;
    fake.failNext('sendMessage', 429, 1);
    await enqueue(h.db, [out('một'), out('hai', { chat: { platform: 'zalo', id: 'g-2' } })], clock.now());
    await drainer.drainAll();
    clock.advance(2000);
    await drainer.drainAll();
    expect(fake.sentTo('g-1')).toEqual(['một']);
    expect(fake.sentTo('g-2')).toEqual(['hai']);
  });

  it('a network error is retried', async () => {
    await fake.close();
    await enqueue(h.db, [out('x')], clock.now());
    await drainer.drainAll();
    const [row] = await allOutbox(h.db, 'zalo');
    expect(row!.status).toBe('pending');
    expect(row!.last_error).toMatch(/network error/);
    expect(row!.last_error).not.toContain(FAKE_ZALO_TOKEN.split(':')[1]!);
  });
});
