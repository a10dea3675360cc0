/**
 * A small typed client of the Zalo Bot Platform API (research/zalo.md §2).
 *
 * Every call is `POST <apiRoot>/bot<TOKEN>/<method>` with a JSON body; every answer is the envelope
 * `{ok:true, result}` or `{ok:false, error_code, description}`, whatever the HTTP status (whether
 * Zalo sets the status to the error code is undocumented, so the body decides).
 *
 * The token sits in the URL path: the URL is never logged, and every error message this module
 * builds (including wrapped network errors) is scrubbed of the token.
 */
import { z } from 'zod';
import { zaloUpdateListSchema, type ZaloUpdate } from './update';

export const ZALO_DEFAULT_API_ROOT = 'https://bot-api.zaloplatforms.com';

/** Documented error codes (§2.2). */
export const ZaloErrorCode = {
  BadRequest: 400,
  Unauthorized: 401,
  /** documented as "internal server error" (sic) */
  Forbidden: 403,
  NotFound: 404,
  /** getUpdates: nothing to deliver within the timeout */
  NoUpdate: 408,
  QuotaExceeded: 429,
} as const;

/** Zalo answered `ok:false` (or an unreadable body with an HTTP error status). */
export class ZaloApiError extends Error {
  override readonly name = 'ZaloApiError';
  constructor(
    readonly method: string,
    /** `error_code` from the body, else the HTTP status */
    readonly code: number,
    readonly description: string,
    readonly httpStatus: number,
  ) {
    super(`Zalo ${method} failed: ${code} ${description}`);
  }
  get unauthorized(): boolean {
    return this.code === ZaloErrorCode.Unauthorized;
  }
  get quotaExceeded(): boolean {
    return this.code === ZaloErrorCode.QuotaExceeded;
  }
  get noUpdate(): boolean {
    return this.code === ZaloErrorCode.NoUpdate;
  }
}

/** The request never got a Zalo answer: DNS, connection, timeout, abort, unreadable body. */
export class ZaloNetworkError extends Error {
  override readonly name = 'ZaloNetworkError';
  constructor(
    readonly method: string,
    message: string,
    /** e.g. ECONNREFUSED, TimeoutError, AbortError */
    readonly reason: string,
  ) {
    super(message);
  }
  get aborted(): boolean {
    return this.reason === 'AbortError';
  }
}

const envelopeSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown().optional() }),
  z.object({
    ok: z.literal(false),
    error_code: z.coerce.number().int().optional(),
    description: z.string().optional(),
  }),
]);

const idSchema = z.union([z.string(), z.number()]).transform(String);
const epochSchema = z.coerce.number();

export const botInfoSchema = z.object({
  id: idSchema,
  account_name: z.string().optional(),
  account_type: z.string().optional(),
  can_join_groups: z.boolean().optional(),
});
export type ZaloBotInfo = z.infer<typeof botInfoSchema>;

export const sentMessageSchema = z.object({
  message_id: idSchema,
  date: epochSchema.optional(),
});
export type ZaloSentMessage = z.infer<typeof sentMessageSchema>;

export const webhookInfoSchema = z.object({
  url: z.string().default(''),
  updated_at: epochSchema.optional(),
});
export type ZaloWebhookInfo = z.infer<typeof webhookInfoSchema> & {
  /** the answer was `true`, `null` or nothing instead of an object: whether a webhook is set is unknown */
  unknown?: boolean;
};

/**
 * The docs' text says the webhook methods "return True" while their examples show an object: take
 * either (and null or nothing), so a different answer never stops start-up.
 */
const lenientWebhookInfo: z.ZodType<ZaloWebhookInfo> = z.unknown().transform((v) => {
  const r = webhookInfoSchema.safeParse(v);
  return r.success ? r.data : { url: '', unknown: true };
});

export interface ZaloClientOptions {
  token: string;
  /** default: the official host */
  apiRoot?: string;
  /** per-call timeout for ordinary methods (getUpdates adds its own long-poll timeout) */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class ZaloClient {
  private readonly token: string;
  private readonly apiRoot: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: ZaloClientOptions) {
    if (!opts.token) throw new Error('Zalo client: no bot token');
    this.token = opts.token;
    this.apiRoot = (opts.apiRoot ?? ZALO_DEFAULT_API_ROOT).replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** The bot id: the numeric part of the token before ':' (not secret). */
  get botId(): string {
    return this.token.split(':')[0] ?? '';
  }

  getMe(o?: CallOptions): Promise<ZaloBotInfo> {
    return this.call('getMe', {}, botInfoSchema, o);
  }

  /**
   * Long-polls for updates. Zalo returns ONE update per call; an array is accepted too.
   * "No update" (error 408) is an empty list, not an error.
   */
  async getUpdates(params: { timeoutSeconds?: number } = {}, o: CallOptions = {}): Promise<ZaloUpdate[]> {
    const timeout = params.timeoutSeconds ?? 30;
    try {
      const r = await this.call('getUpdates', { timeout: String(timeout) }, zaloUpdateListSchema, {
        ...o,
        timeoutMs: o.timeoutMs ?? timeout * 1000 + this.timeoutMs,
      });
      return r;
    } catch (e) {
      if (e instanceof ZaloApiError && e.noUpdate) return [];
      throw e;
    }
  }

  setWebhook(params: { url: string; secretToken: string }, o?: CallOptions): Promise<ZaloWebhookInfo> {
    return this.call('setWebhook', { url: params.url, secret_token: params.secretToken }, lenientWebhookInfo, o);
  }

  deleteWebhook(o?: CallOptions): Promise<ZaloWebhookInfo> {
    return this.call('deleteWebhook', {}, lenientWebhookInfo, o);
  }

  getWebhookInfo(o?: CallOptions): Promise<ZaloWebhookInfo> {
    return this.call('getWebhookInfo', {}, lenientWebhookInfo, o);
  }

  /** `text`: 1–2000 characters (split longer text before calling). */
  sendMessage(params: { chatId: string; text: string }, o?: CallOptions): Promise<ZaloSentMessage> {
    return this.call('sendMessage', { chat_id: params.chatId, text: params.text }, sentMessageSchema, o);
  }

  /** `photo`: a public URL; `caption` ≤ 2000 characters. */
  sendPhoto(params: { chatId: string; photo: string; caption?: string }, o?: CallOptions): Promise<ZaloSentMessage> {
    const body: Record<string, string> = { chat_id: params.chatId, photo: params.photo };
    if (params.caption !== undefined) body.caption = params.caption;
    return this.call('sendPhoto', body, sentMessageSchema, o);
  }

  /** Only `typing` is documented as working. Answers `{ok:true}` with no result. */
  async sendChatAction(params: { chatId: string; action?: 'typing' | 'upload_photo' }, o?: CallOptions): Promise<void> {
    await this.call('sendChatAction', { chat_id: params.chatId, action: params.action ?? 'typing' }, z.unknown(), o);
  }

  /** One API call: POST JSON, read the envelope whatever the HTTP status, validate `result`. */
  async call<T>(method: string, body: Record<string, unknown>, resultSchema: z.ZodType<T>, o: CallOptions = {}): Promise<T> {
    const timeout = AbortSignal.timeout(o.timeoutMs ?? this.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    let res: Response;
    let raw: string;
    try {
      res = await this.fetchFn(`${this.apiRoot}/bot${this.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
      raw = await res.text();
    } catch (e) {
      throw this.networkError(method, e, o.signal);
    }
    let json: unknown;
    try {
      json = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const env = envelopeSchema.safeParse(json);
    if (!env.success) {
      // not the envelope at all: a proxy page, an HTML error…
      const code = res.ok ? 502 : res.status;
      throw new ZaloApiError(method, code, `unexpected response (HTTP ${res.status})`, res.status);
    }
    if (!env.data.ok) {
      const code = env.data.error_code ?? (res.ok ? 500 : res.status);
      throw new ZaloApiError(method, code, this.scrub(env.data.description ?? 'error'), res.status);
    }
    const result = resultSchema.safeParse(env.data.result);
    if (!result.success) {
      throw new ZaloApiError(method, 502, `unexpected result shape: ${summarizeIssues(result.error)}`, res.status);
    }
    return result.data;
  }

  private networkError(method: string, e: unknown, callerSignal?: AbortSignal): ZaloNetworkError {
    // duck-typed on purpose: fetch's errors may come from another realm (instanceof Error fails there)
    const err = (e && typeof e === 'object' ? e : {}) as { name?: unknown; message?: unknown; cause?: unknown };
    const cause = (err.cause && typeof err.cause === 'object' ? err.cause : {}) as { code?: unknown; message?: unknown };
    let reason = 'network';
    if (callerSignal?.aborted) reason = 'AbortError';
    else if (err.name === 'TimeoutError' || err.name === 'AbortError') reason = err.name;
    else if (typeof cause.code === 'string') reason = cause.code;
    const text = [err.message, cause.message].filter((t) => typeof t === 'string' && t !== '').join(': ') || String(e);
    // never attach the original error: its message, cause or stack may carry the URL and so the token
    return new ZaloNetworkError(method, `Zalo ${method}: network error (${reason}): ${this.scrub(text)}`, reason);
  }

  private scrub(s: string): string {
    if (!this.token) return s;
    let out = s.split(this.token).join('<token>');
    const secret = this.token.split(':')[1];
    if (secret && secret.length >= 6) out = out.split(secret).join('<token>');
    return out;
  }
}

function summarizeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'} ${i.code}`)
    .join('; ');
}
