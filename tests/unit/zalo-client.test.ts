import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZaloApiError, ZaloClient, ZaloNetworkError } from '../../src/platforms/zalo/client';
import { FakeZalo, FAKE_ZALO_TOKEN, zaloText } from '../helpers/fake-zalo';

const SECRET_PART = FAKE_ZALO_TOKEN.split(':')[1]!;

function expectNoToken(e: unknown): void {
  const err = e as Error;
  for (const s of [err.message, err.stack ?? '', JSON.stringify(err), String(err)]) {
    expect(s).not.toContain(FAKE_ZALO_TOKEN);
    expect(s).not.toContain(SECRET_PART);
  }
  expect((err as { cause?: unknown }).cause).toBeUndefined();
}

/** A tiny server answering every request with a fixed status and body. */
async function fixedServer(status: number, body: string): Promise<{ root: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    root: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.each([
  ['errors as HTTP 200', false],
  ['errors as HTTP 4xx', true],
])('ZaloClient against the fake API (%s)', (_label, errorsAsHttpStatus) => {
  let fake: FakeZalo;
  let client: ZaloClient;

  beforeEach(async () => {
    fake = await new FakeZalo({ errorsAsHttpStatus, pollSecondMs: 20 }).start();
    client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot });
  });
  afterEach(() => fake.close());

  it('getMe parses the bot info', async () => {
    await expect(client.getMe()).resolves.toEqual({
      id: '1000000000000000001',
      account_name: 'bot.test',
      account_type: 'BASIC',
      can_join_groups: true,
    });
  });

  it('sendMessage returns the message id; sendChatAction accepts a result-less ok', async () => {
    const r = await client.sendMessage({ chatId: 'g-1', text: 'Xin chào' });
    expect(r.message_id).toMatch(/^m-out-/);
    expect(typeof r.date).toBe('number');
    await expect(client.sendChatAction({ chatId: 'g-1' })).resolves.toBeUndefined();
    expect(fake.sentTo('g-1')).toEqual(['Xin chào']);
    expect(fake.callsOf('sendChatAction')[0]!.body).toEqual({ chat_id: 'g-1', action: 'typing' });
  });

  it('sendPhoto sends the url and caption', async () => {
    const r = await client.sendPhoto({ chatId: 'u-1', photo: 'https://example.test/a.jpg', caption: 'ảnh' });
    expect(r.message_id).toMatch(/^m-out-/);
    expect(fake.sent[0]).toMatchObject({ method: 'sendPhoto', chatId: 'u-1', text: 'ảnh', photo: 'https://example.test/a.jpg' });
  });

  it('webhook methods: set, info, delete', async () => {
    const set = await client.setWebhook({ url: 'https://example.test/zalo', secretToken: 'abcdefgh12' });
    expect(set.url).toBe('https://example.test/zalo');
    expect(typeof set.updated_at).toBe('number');
    expect((await client.getWebhookInfo()).url).toBe('https://example.test/zalo');
    expect((await client.deleteWebhook()).url).toBe('');
    expect((await client.getWebhookInfo()).url).toBe('');
  });

  it('getUpdates sends timeout as a string, returns one update, and [] on 408', async () => {
    fake.queueUpdate(zaloText('một', { messageId: 'm-a' }), zaloText('hai', { messageId: 'm-b' }));
    const a = await client.getUpdates({ timeoutSeconds: 1 });
    expect(a).toHaveLength(1);
    expect(a[0]!.message.message_id).toBe('m-a');
    expect(fake.callsOf('getUpdates')[0]!.body).toEqual({ timeout: '1' });
    expect((await client.getUpdates({ timeoutSeconds: 1 }))[0]!.message.text).toBe('hai');
    await expect(client.getUpdates({ timeoutSeconds: 1 })).resolves.toEqual([]);
    expect(fake.callsOf('getUpdates')[2]).toMatchObject({ ok: false, errorCode: 408 });
  });

  it('getUpdates is refused while a webhook is set', async () => {
    await client.setWebhook({ url: 'https://example.test/zalo', secretToken: 'abcdefgh12' });
    await expect(client.getUpdates({ timeoutSeconds: 1 })).rejects.toMatchObject({ name: 'ZaloApiError', code: 400 });
  });

  it.each([
    [429, 'Quota exceeded', 'quotaExceeded'],
    [401, 'Unauthorized', 'unauthorized'],
    [403, 'Internal server error', undefined],
    [404, 'Not Found', undefined],
  ] as const)('error %i becomes a typed ZaloApiError', async (code, description, flag) => {
    fake.failNext('sendMessage', code);
    const e = await client.sendMessage({ chatId: 'g-1', text: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ZaloApiError);
    expect(e).toMatchObject({ code, description, method: 'sendMessage', httpStatus: errorsAsHttpStatus ? code : 200 });
    if (flag) expect((e as ZaloApiError)[flag]).toBe(true);
    expectNoToken(e);
  });

  it('text over 2000 characters or empty is refused with 400', async () => {
    await expect(client.sendMessage({ chatId: 'g-1', text: 'a'.repeat(2001) })).rejects.toMatchObject({ code: 400 });
    await expect(client.sendMessage({ chatId: 'g-1', text: '' })).rejects.toMatchObject({ code: 400 });
    await expect(client.sendMessage({ chatId: 'g-1', text: 'a'.repeat(2000) })).resolves.toBeDefined();
  });

  it('an unknown token gives 401 and the token is in no error text', async () => {
    const bad = new ZaloClient({ token: `${FAKE_ZALO_TOKEN}x`, apiRoot: fake.apiRoot });
    const e = await bad.getMe().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 401, unauthorized: true });
    expectNoToken(e);
  });

  it('an unknown method gives 400', async () => {
    await expect(client.call('editMessage', {}, (await import('zod')).z.unknown())).rejects.toMatchObject({ code: 400 });
  });
});

describe('ZaloClient edge cases', () => {
  it('parses the error envelope whatever the HTTP status, and odd bodies as typed errors', async () => {
    const s = await fixedServer(502, '<html>Bad gateway</html>');
    try {
      const client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: s.root });
      const e = await client.getMe().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ZaloApiError);
      expect(e).toMatchObject({ code: 502, httpStatus: 502 });
      expectNoToken(e);
    } finally {
      await s.close();
    }
  });

  it('an ok envelope with a wrong result shape is a typed error', async () => {
    const s = await fixedServer(200, JSON.stringify({ ok: true, result: { nothing: 1 } }));
    try {
      const client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: s.root });
      await expect(client.sendMessage({ chatId: 'a', text: 'b' })).rejects.toMatchObject({ name: 'ZaloApiError', code: 502 });
    } finally {
      await s.close();
    }
  });

  it('a description echoing the token is scrubbed', async () => {
    const s = await fixedServer(
      400,
      JSON.stringify({ ok: false, error_code: 400, description: `bad path /bot${FAKE_ZALO_TOKEN}/x` }),
    );
    try {
      const client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: s.root });
      const e = await client.getMe().catch((x: unknown) => x);
      expect((e as ZaloApiError).description).toContain('<token>');
      expectNoToken(e);
    } finally {
      await s.close();
    }
  });

  it('a network error is a ZaloNetworkError without the token', async () => {
    const s = await fixedServer(200, '{}');
    const root = s.root;
    await s.close(); // nothing listens there any more
    const client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: root });
    const e = await client.getMe().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ZaloNetworkError);
    expect((e as ZaloNetworkError).reason).toBe('ECONNREFUSED');
    expectNoToken(e);
  });

  it('a fetch that throws with the URL in its message is scrubbed', async () => {
    const leaky = (async (url: string | URL | Request) => {
      throw new TypeError(`Failed to parse URL from ${String(url)}`);
    }) as typeof fetch;
    const client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: 'http://127.0.0.1:9', fetch: leaky });
    const e = await client.getMe().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ZaloNetworkError);
    expect((e as Error).message).toContain('<token>');
    expectNoToken(e);
  });

  it('aborting a call gives an aborted ZaloNetworkError', async () => {
    const fake = await new FakeZalo({ pollSecondMs: 1000 }).start();
    try {
      const client = new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: fake.apiRoot });
      const ac = new AbortController();
      const p = client.getUpdates({ timeoutSeconds: 30 }, { signal: ac.signal }).catch((x: unknown) => x);
      setTimeout(() => ac.abort(), 50);
      const e = await p;
      expect(e).toBeInstanceOf(ZaloNetworkError);
      expect((e as ZaloNetworkError).aborted).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('refuses to be built without a token', () => {
    expect(() => new ZaloClient({ token: '' })).toThrow('no bot token');
  });
});
