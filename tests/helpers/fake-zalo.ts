/**
 * A fake Zalo Bot Platform API on 127.0.0.1, imitating research/zalo.md §"Fake server: shapes to
 * imitate": `POST /bot<TOKEN>/<method>` with a JSON body; the `{ok,result}` / `{ok:false,error_code,
 * description}` envelope; errors served with HTTP 200 (default) or with the error code as HTTP
 * status (`errorsAsHttpStatus`), since the real choice is unknown.
 *
 * Plus test helpers: queue updates for getUpdates, inject errors (429 Quota exceeded…), push
 * webhook calls to a URL with the secret header (bare or wrapped body), read what was sent per chat.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_ZALO_TOKEN = '1000000000000000001:fAkE-sEcReT-tOkEn-0123456789';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Internal server error',
  404: 'Not Found',
  408: 'Request timeout',
  429: 'Quota exceeded',
};

export interface FakeZaloOptions {
  token?: string;
  /** serve errors with HTTP status = error_code (default: HTTP 200 with ok:false) */
  errorsAsHttpStatus?: boolean;
  /** overrides of getMe's result */
  botInfo?: Partial<FakeBotInfo>;
  /** how long one second of getUpdates' `timeout` lasts here (default 1000 ms; tests use less) */
  pollSecondMs?: number;
  /** cap on a getUpdates wait (default 30 s) */
  maxPollWaitMs?: number;
}

export interface FakeBotInfo {
  id: string;
  account_name: string;
  account_type: string;
  can_join_groups: boolean;
}

export interface FakeCall {
  method: string;
  body: Record<string, unknown>;
  status: number;
  ok: boolean;
  errorCode?: number;
}

export interface FakeSent {
  method: string;
  chatId: string;
  text: string;
  messageId: string;
  date: number;
  photo?: string;
}

export type FakeUpdate = { event_name: string; message: Record<string, unknown> };

interface Waiter {
  /** false when the poll's connection is already gone (the update stays queued) */
  deliver(update: FakeUpdate | undefined): boolean;
}

const METHODS = new Set([
  'getMe',
  'getUpdates',
  'setWebhook',
  'deleteWebhook',
  'getWebhookInfo',
  'sendMessage',
  'sendPhoto',
  'sendSticker',
  'sendChatAction',
]);

export class FakeZalo {
  readonly token: string;
  errorsAsHttpStatus: boolean;
  botInfo: FakeBotInfo;
  readonly calls: FakeCall[] = [];
  readonly sent: FakeSent[] = [];
  readonly updates: FakeUpdate[] = [];
  webhook: { url: string; secret: string; updatedAt: number } | undefined;
  /** what the webhook methods put in `result`: an object (default), or `true`, `null`, nothing */
  webhookResult: 'object' | 'true' | 'null' | 'none' = 'object';
  /** false: getUpdates answers 408 at once instead of holding the poll */
  holdPolls = true;
  /** which texts sendMessage accepts (default 1–2,000 UTF-16 units; a test may count otherwise) */
  acceptsText: (text: string) => boolean = (t) => t.length >= 1 && t.length <= 2000;
  private readonly failures: { method: string; code: number; description?: string; times: number }[] = [];
  private readonly waiters: Waiter[] = [];
  private server: http.Server | undefined;
  private port = 0;
  private counter = 0;
  private readonly pollSecondMs: number;
  private readonly maxPollWaitMs: number;

  constructor(opts: FakeZaloOptions = {}) {
    this.token = opts.token ?? FAKE_ZALO_TOKEN;
    this.errorsAsHttpStatus = opts.errorsAsHttpStatus ?? false;
    this.botInfo = {
      id: '1000000000000000001',
      account_name: 'bot.test',
      account_type: 'BASIC',
      can_join_groups: true,
      ...opts.botInfo,
    };
    this.pollSecondMs = opts.pollSecondMs ?? 1000;
    this.maxPollWaitMs = opts.maxPollWaitMs ?? 30_000;
  }

  /** the API root to give the client (ZALO_API_ROOT) */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.waiters.splice(0)) w.deliver(undefined);
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  // ── test controls ────────────────────────────────────────────────────────────

  /** Queue an update for getUpdates (handed to a waiting poll at once). */
  queueUpdate(...updates: FakeUpdate[]): void {
    for (const u of updates) {
      let delivered = false;
      while (!delivered && this.waiters.length > 0) delivered = this.waiters.shift()!.deliver(u);
      if (!delivered) this.updates.push(u);
    }
  }

  /** The next `times` calls of `method` ('*' = any) fail with `code` (default 429 Quota exceeded). */
  failNext(method: string, code = 429, times = 1, description?: string): void {
    this.failures.push({ method, code, times, description });
  }

  /** Clears the injected failures (an outage is over). */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Texts sent to one chat, in order. */
  sentTo(chatId: string): string[] {
    return this.sent.filter((s) => s.chatId === chatId).map((s) => s.text);
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * POSTs an update to a webhook URL as Zalo would: `X-Bot-Api-Secret-Token` header (the secret
   * from setWebhook unless given; `null` = no header) and the bare body (seen live) or the
   * `{ok:true,result}` form (in the docs).
   */
  async pushWebhook(
    update: FakeUpdate | undefined,
    opts: { url?: string; secret?: string | null; form?: 'bare' | 'wrapped'; rawBody?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const url = opts.url ?? this.webhook?.url;
    if (!url) throw new Error('FakeZalo.pushWebhook: no webhook url');
    const secret = opts.secret === undefined ? this.webhook?.secret : opts.secret;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret !== null && secret !== undefined) headers['x-bot-api-secret-token'] = secret;
    const body =
      opts.rawBody ??
      (update === undefined ? '' : JSON.stringify(opts.form === 'wrapped' ? { ok: true, result: update } : update));
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text() };
  }

  // ── the API ──────────────────────────────────────────────────────────────────

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const m = /^\/bot([^/]+)\/([^/?]+)/.exec(req.url ?? '');
    let method = m?.[2] ?? '';
    let body: Record<string, unknown> = {};
    const record = (status: number, ok: boolean, errorCode?: number): void => {
      this.calls.push({ method, body, status, ok, errorCode });
    };
    const fail = (code: number, description?: string): void => {
      const status = this.errorsAsHttpStatus ? code : 200;
      record(status, false, code);
      send(res, status, { ok: false, error_code: code, description: description ?? DESCRIPTIONS[code] ?? 'Error' });
    };
    const ok = (result?: unknown): void => {
      record(200, true);
      send(res, 200, result === undefined ? { ok: true } : { ok: true, result });
    };

    if (req.method !== 'POST' && req.method !== 'GET') return fail(400);
    if (!m || decodeURIComponent(m[1]!) !== this.token) {
      method = m?.[2] ?? '(none)';
      return fail(401);
    }
    if (raw.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail(400);
        body = parsed as Record<string, unknown>;
      } catch {
        return fail(400);
      }
    }
    if (!METHODS.has(method)) return fail(400);

    const injected = this.failures.find((f) => f.method === method || f.method === '*');
    if (injected) {
      injected.times--;
      if (injected.times <= 0) this.failures.splice(this.failures.indexOf(injected), 1);
      return fail(injected.code, injected.description);
    }

    switch (method) {
      case 'getMe':
        return ok(this.botInfo);
      case 'setWebhook': {
        const url = body.url;
        const secret = body.secret_token;
        if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return fail(400);
        if (typeof secret !== 'string' || secret.length < 8 || secret.length > 256) return fail(400);
        this.webhook = { url, secret, updatedAt: Date.now() };
        return ok(this.webhookAnswer({ url, updated_at: this.webhook.updatedAt }));
      }
      case 'getWebhookInfo':
        return ok(this.webhookAnswer({ url: this.webhook?.url ?? '', updated_at: this.webhook?.updatedAt ?? 0 }));
      case 'deleteWebhook':
        this.webhook = undefined;
        return ok(this.webhookAnswer({ url: '', updated_at: Date.now() }));
      case 'sendMessage': {
        const chatId = body.chat_id;
        const text = body.text;
        if (typeof chatId !== 'string' || chatId === '') return fail(400);
        if (typeof text !== 'string' || !this.acceptsText(text)) return fail(400);
        return ok(this.record('sendMessage', chatId, text));
      }
      case 'sendPhoto': {
        const chatId = body.chat_id;
        const photo = body.photo;
        const caption = body.caption ?? '';
        if (typeof chatId !== 'string' || chatId === '' || typeof photo !== 'string') return fail(400);
        if (typeof caption !== 'string' || caption.length > 2000) return fail(400);
        return ok(this.record('sendPhoto', chatId, caption, photo));
      }
      case 'sendSticker': {
        const chatId = body.chat_id;
        if (typeof chatId !== 'string' || typeof body.sticker !== 'string') return fail(400);
        return ok(this.record('sendSticker', chatId, ''));
      }
      case 'sendChatAction': {
        if (typeof body.chat_id !== 'string' || body.chat_id === '') return fail(400);
        record(200, true);
        return send(res, 200, { ok: true });
      }
      case 'getUpdates':
        return this.getUpdates(body, res, fail, ok);
    }
  }

  private getUpdates(
    body: Record<string, unknown>,
    res: http.ServerResponse,
    fail: (code: number, description?: string) => void,
    ok: (result?: unknown) => void,
  ): void {
    // while a webhook is set getUpdates does not work (code undocumented; 400 assumed)
    if (this.webhook) return fail(400, 'Webhook is active, call deleteWebhook first');
    const t = body.timeout ?? '30';
    if (typeof t !== 'string' || !/^\d+$/.test(t)) return fail(400, 'timeout must be a string of seconds');
    const first = this.updates.shift();
    if (first) return ok(first);
    if (!this.holdPolls) return fail(408);
    const waitMs = Math.min(Number(t) * this.pollSecondMs, this.maxPollWaitMs);
    let done = false;
    const waiter: Waiter = {
      deliver: (u) => {
        if (done || res.destroyed || res.socket?.destroyed) return false;
        done = true;
        clearTimeout(timer);
        if (u) ok(u);
        else fail(408);
        return true;
      },
    };
    const timer = setTimeout(() => {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.deliver(undefined);
    }, waitMs);
    this.waiters.push(waiter);
    res.on('close', () => {
      if (!done) {
        // the client went away (aborted poll): keep the update queue intact
        done = true;
        clearTimeout(timer);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      }
    });
  }

  private webhookAnswer(info: { url: string; updated_at: number }): unknown {
    return { object: info, true: true, null: null, none: undefined }[this.webhookResult];
  }

  private record(method: string, chatId: string, text: string, photo?: string): { message_id: string; date: number } {
    const messageId = `m-out-${++this.counter}`;
    const date = 1790000000000 + this.counter;
    this.sent.push({ method, chatId, text, messageId, date, ...(photo ? { photo } : {}) });
    return { message_id: messageId, date };
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

// ── update builders (shapes from research/zalo.md §2.5 and the recorded live payloads) ─────────

let seq = 0;

export interface UpdateInput {
  messageId?: string;
  chatId?: string;
  chatType?: 'GROUP' | 'PRIVATE';
  fromId?: string;
  name?: string;
  date?: number;
  /** extra message fields (quote ids…) */
  extra?: Record<string, unknown>;
}

function base(o: UpdateInput): Record<string, unknown> {
  const fromId = o.fromId ?? 'u-1';
  const chatType = o.chatType ?? 'GROUP';
  return {
    message_id: o.messageId ?? `m-${++seq}`,
    date: o.date ?? 1790000000000,
    chat: { id: o.chatId ?? (chatType === 'PRIVATE' ? fromId : 'g-1'), chat_type: chatType },
    from: { id: fromId, display_name: o.name ?? 'Nguyễn Văn A', is_bot: false },
  };
}

export function zaloText(text: string, o: UpdateInput = {}): FakeUpdate {
  return { event_name: 'message.text.received', message: { ...base(o), text, ...o.extra } };
}

export function zaloImage(o: UpdateInput & { caption?: string; photoUrl?: string } = {}): FakeUpdate {
  const message: Record<string, unknown> = {
    ...base(o),
    photo_url: o.photoUrl ?? 'https://example.test/photo.jpg',
    message_type: 'CHAT_PHOTO',
    ...o.extra,
  };
  if (o.caption !== undefined) message.caption = o.caption;
  return { event_name: 'message.image.received', message };
}

export function zaloSticker(o: UpdateInput = {}): FakeUpdate {
  return {
    event_name: 'message.sticker.received',
    message: { ...base(o), sticker: 'st-123', url: 'https://example.test/sticker.png', ...o.extra },
  };
}

export function zaloUnsupported(o: UpdateInput = {}): FakeUpdate {
  return { event_name: 'message.unsupported.received', message: { ...base(o), ...o.extra } };
}
