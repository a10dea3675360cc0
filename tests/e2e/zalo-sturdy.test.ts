/**
 * The Zalo client against answers real servers give but the docs do not promise: webhook methods
 * answering `true`, `null` or nothing; start-up calls failing; "no update" answered at once; a
 * text refused as too long although it fits the documented 2,000 characters.
 */
import type { ChatEvent, EventSink } from '../../src/chat/types';
import { createZaloAdapter, createZaloSender, splitText, zaloLength, ZaloClient, ZaloPoller, type ZaloAdapter } from '../../src/platforms/zalo';
import { SendError } from '../../src/chat/types';
import { FakeZalo, FAKE_ZALO_TOKEN, zaloText } from '../helpers/fake-zalo';

/** A sink that resolves a promise on the first event. */
function firstEventSink(): EventSink & { first: Promise<ChatEvent> } {
  let resolve!: (e: ChatEvent) => void;
  const first = new Promise<ChatEvent>((r) => (resolve = r));
  return { first, handle: async (e) => resolve(e) };
}

/** A delay that records what was asked and resolves at once (no wall clock in the test). */
function recordingDelay(): { waits: number[]; delay: (ms: number) => Promise<void>; reached(n: number): Promise<void> } {
  const waits: number[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    waits,
    delay: async (ms) => {
      waits.push(ms);
      for (const w of waiters.filter((x) => waits.length >= x.n)) w.resolve();
      await new Promise((r) => setImmediate(r));
    },
    reached: (n) => (waits.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

describe('Zalo start-up survives odd or failing answers', () => {
  let fake: FakeZalo;
  let adapter: ZaloAdapter | undefined;
  beforeEach(async () => {
    fake = await new FakeZalo({ pollSecondMs: 20 }).start();
  });
  afterEach(async () => {
    await adapter?.stop();
    adapter = undefined;
    await fake.close();
  });

  it.each(['true', 'null', 'none'] as const)('webhook methods answering %s: polling starts and updates arrive', async (answer) => {
    fake.webhookResult = answer;
    fake.webhook = { url: 'https://old.example/webhook/zalo', secret: 'old-secret-123', updatedAt: 0 };
    const sink = firstEventSink();
    adapter = createZaloAdapter({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot, sink, pollTimeoutSeconds: 1, pollMinMs: 0 });
    await adapter.start();
    await adapter.settled();
    expect(fake.callsOf('deleteWebhook').length).toBe(1); // unknown whether one is set: removed anyway
    fake.queueUpdate(zaloText('/trogiup', { chatType: 'PRIVATE', fromId: 'u-9' }));
    const e = await sink.first;
    expect(e.type === 'message' && e.text).toBe('/trogiup');
  });

  it.each(['true', 'null', 'none'] as const)('setWebhook answering %s: webhook mode starts', async (answer) => {
    fake.webhookResult = answer;
    adapter = createZaloAdapter({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot, sink: firstEventSink(), publicUrl: 'https://bot.example.vn' });
    const info = await adapter.start();
    await adapter.settled();
    expect(info?.account_name).toBe('bot.test');
    expect(fake.webhook?.url).toBe('https://bot.example.vn/webhook/zalo');
  });

  it('failing getMe, getWebhookInfo and deleteWebhook are retried with backoff; polling starts anyway', async () => {
    fake.webhook = { url: 'https://old.example/webhook/zalo', secret: 'old-secret-123', updatedAt: 0 };
    fake.failNext('getMe', 500, 2);
    fake.failNext('getWebhookInfo', 403, 1);
    fake.failNext('deleteWebhook', 500, 2);
    const d = recordingDelay();
    const sink = firstEventSink();
    adapter = createZaloAdapter({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot, sink, pollTimeoutSeconds: 1, pollMinMs: 0, startupBackoffMs: 100, delay: d.delay });
    await adapter.start(); // resolves although getMe failed: it is retried in the background
    fake.queueUpdate(zaloText('xin chào', { chatType: 'PRIVATE', fromId: 'u-9' }));
    await sink.first; // the poller runs while the start-up calls are retried
    await adapter.settled();
    expect(adapter.botInfo?.account_name).toBe('bot.test');
    expect(fake.callsOf('getMe').map((c) => c.ok)).toEqual([false, false, true]);
    expect(fake.callsOf('getWebhookInfo').map((c) => c.ok)).toEqual([false, true, true]);
    expect(fake.callsOf('deleteWebhook').map((c) => c.ok)).toEqual([false, false, true]);
    expect(fake.webhook).toBeUndefined();
    expect(d.waits).toEqual(expect.arrayContaining([100, 200, 100, 200])); // getMe's and the webhook's backoffs
  });

  it('a wrong token (401) still stops start-up at once', async () => {
    adapter = createZaloAdapter({ token: '1:wrong-token-xxxxxxxx', apiRoot: fake.apiRoot, sink: firstEventSink() });
    await expect(adapter.start()).rejects.toMatchObject({ name: 'ZaloApiError', code: 401 });
  });
});

describe('Zalo polling: "no update" answered at once', () => {
  it('backs off (doubling) instead of looping tight, and resets once polls are held again', async () => {
    const fake = await new FakeZalo({ pollSecondMs: 20 }).start();
    fake.holdPolls = false;
    const d = recordingDelay();
    const client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot });
    const poller = new ZaloPoller({ client, onUpdate: async () => undefined, backoffMs: 500, maxBackoffMs: 4000, delay: d.delay, now: () => 0 });
    poller.start();
    await d.reached(6);
    await poller.stop();
    expect(d.waits.slice(0, 6)).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    // every instant 408 was followed by a wait: no more polls than waits (+ the one in flight at stop)
    expect(fake.callsOf('getUpdates').length).toBeLessThanOrEqual(d.waits.length + 1);
    await fake.close();
  });
});

describe('Zalo sending: long Vietnamese text', () => {
  const line = 'Thôn Tân Lộc: 12/15 hộ được hướng dẫn cài đặt VNeID, thanh toán điện tử và dịch vụ công trực tuyến.';
  const text = Array.from({ length: 60 }, (_, i) => `${i + 1}. ${line}`).join('\n');

  it('splits conservatively: no part exceeds 2,000 even counting combining marks', () => {
    const parts = splitText(text, 2000, zaloLength);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(zaloLength(p)).toBeLessThanOrEqual(2000);
    expect(parts.join('\n')).toBe(text);
  });

  it('when Zalo answers 400 for a long part, it is split further and sent, in order, nothing dropped', async () => {
    const fake = await new FakeZalo().start();
    fake.acceptsText = (t) => t.length >= 1 && utf8(t) <= 2000; // a server that counts bytes
    const sender = createZaloSender({ client: new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot }), perSecond: 100 });
    const r = await sender.send({ chat: { platform: 'zalo', id: 'g-1' }, text });
    const sent = fake.sentTo('g-1');
    expect(r.messageIds).toHaveLength(sent.length);
    expect(sent.join('\n')).toBe(text);
    for (const p of sent) expect(utf8(p)).toBeLessThanOrEqual(2000);
    expect(fake.callsOf('sendMessage').some((c) => c.errorCode === 400)).toBe(true);
    await fake.close();
  });

  it('a short text refused with 400 is a permanent failure (not a length problem)', async () => {
    const fake = await new FakeZalo().start();
    fake.failNext('sendMessage', 400, 5);
    const sender = createZaloSender({ client: new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot }), perSecond: 100 });
    const err = await sender.send({ chat: { platform: 'zalo', id: 'g-1' }, text: 'Đã lưu báo cáo.' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).permanent).toBe(true);
    expect(fake.callsOf('sendMessage')).toHaveLength(1);
    await fake.close();
  });
});
