/**
 * The Telegram adapter: a grammY bot whose only middleware turns updates into ChatEvents for the
 * core, a PlatformSender for the outbox, and either long polling (no PUBLIC_URL) or a webhook route
 * (PUBLIC_URL set) — both feeding the same `handleUpdate`, which never throws: an error is logged,
 * apologised for in the chat, and the next update goes on.
 */
import crypto from 'node:crypto';
import { Bot, BotError, GrammyError, type Api } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { Router } from 'express';
import type { Config } from '../../config';
import type { Clock } from '../../clock';
import { systemClock } from '../../clock';
import type { Logger } from '../../logger';
import type { EventSink, PlatformSender } from '../../chat/types';
import { ALLOWED_UPDATES, updateChatId, updateToEvents } from './inbound';
import { createTelegramSender, describeError, type SenderOptions } from './sender';
import { registerCommands } from './commands';
import { createWebhookRouter } from './webhook';
import { toChatId } from './outbound';
import { t } from '../../i18n';
import { NotReadyError, type InboundIntake, type InboundProcessor } from '../../inbound';

/** grammY types its signal with the abort-controller shim; Node's AbortSignal works the same */
type GrammySignal = Parameters<Api['getUpdates']>[1];
const gs = (signal: AbortSignal): GrammySignal => signal as unknown as GrammySignal;

export const DEFAULT_WEBHOOK_PATH = '/webhook/telegram';
/** The apology sent when handling an update failed (locales: common:error). */
export const APOLOGY_VI = t('vi', 'common:error');

export interface TelegramAdapterDeps {
  token: string;
  /** Bot API root (default https://api.telegram.org): a self-hosted Bot API server or a test fake */
  apiRoot?: string;
  sink: EventSink;
  log: Logger;
  clock?: Clock;
  /** https://… — when set the bot runs on a webhook at publicUrl + webhookPath, else it long-polls */
  publicUrl?: string;
  /** X-Telegram-Bot-Api-Secret-Token; when absent, one derived from the token (stable across instances) */
  webhookSecret?: string;
  webhookPath?: string;
  /** skip getMe (tests) */
  botInfo?: UserFromGetMe;
  /** register the command menus on start (default true) */
  registerCommands?: boolean;
  polling?: {
    /** getUpdates long-poll timeout in seconds (default 30) */
    timeoutSeconds?: number;
    /** first wait after a failed getUpdates (default 1 s), doubling up to maxRetryMs (default 60 s) */
    minRetryMs?: number;
    maxRetryMs?: number;
  };
  sender?: SenderOptions;
  apologyText?: string;
  /**
   * durable inbound: updates are stored here (before the webhook answers, before polling confirms
   * the offset) and processed later by the inbound worker through `processor`; without it they go
   * straight to the sink
   */
  inbound?: InboundIntake;
}

export interface TelegramAdapter {
  platform: 'telegram';
  mode: 'polling' | 'webhook';
  bot: Bot;
  api: Api;
  /** for the outbox drainer */
  sender: PlatformSender;
  /** POST route at `webhookPath`; mount with `app.use(adapter.router)` before any body parser */
  router: Router;
  webhookPath: string;
  /**
   * getMe, command menus, then polling or setWebhook. Resolves when done — or at the first failed
   * try, carrying on in the background (see `ready`) so an unreachable Telegram blocks nothing.
   * Rejects on a bad token.
   */
  start(): Promise<void>;
  /** settles when the set-up begun by start() is complete */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
  /** known after start() (or when given in deps) */
  readonly botInfo: UserFromGetMe | undefined;
  /** whether the bot is an admin of the chat (Telegram reports joins and leaves only to admins) */
  isBotAdmin(chatId: string): Promise<boolean>;
  /**
   * hand one update in as if Telegram had delivered it: stored (durable inbound), or handled at
   * once; throws only when it could not be stored
   */
  handleUpdate(update: Update): Promise<void>;
  /** maps a stored update to events for the inbound worker (durable inbound) */
  processor: InboundProcessor;
}

/** Builds the adapter from configuration; undefined when TELEGRAM_BOT_TOKEN is not set. */
export function telegramFromConfig(
  config: Pick<Config, 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_API_ROOT' | 'TELEGRAM_WEBHOOK_SECRET' | 'PUBLIC_URL'>,
  deps: { sink: EventSink; log: Logger; clock?: Clock; inbound?: InboundIntake },
): TelegramAdapter | undefined {
  if (!config.TELEGRAM_BOT_TOKEN) return undefined;
  return createTelegramAdapter({
    token: config.TELEGRAM_BOT_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    ...(config.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: config.TELEGRAM_WEBHOOK_SECRET } : {}),
    ...deps,
  });
}

export function createTelegramAdapter(deps: TelegramAdapterDeps): TelegramAdapter {
  const log = deps.log.child({ platform: 'telegram' });
  const clock = deps.clock ?? systemClock;
  const mode = deps.publicUrl ? 'webhook' : 'polling';
  const webhookPath = deps.webhookPath ?? DEFAULT_WEBHOOK_PATH;
  const apology = deps.apologyText ?? APOLOGY_VI;
  const bot = new Bot(deps.token, {
    client: { apiRoot: (deps.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '') },
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
  });
  const sender = createTelegramSender(bot.api, log, deps.sender);
  let secret: string | undefined;

  bot.use(async (ctx) => {
    const events = updateToEvents(ctx.update, ctx.me, clock.now());
    for (const event of events) await deps.sink.handle(event);
  });

  // ---- one update, never throwing; in order per chat, concurrent across chats ----
  const recent = new RecentIds(4096);
  const queue = new KeyedQueue();

  async function handleUpdate(update: Update): Promise<void> {
    const key = updateChatId(update) ?? '';
    if (deps.inbound) {
      await deps.inbound.accept({ platform: 'telegram', eventId: String(update.update_id), chatKey: key, payload: update });
      return;
    }
    await queue.run(key, () => handleNow(update));
  }

  /** Durable inbound: the pure mapping, run by the inbound worker when a stored update's turn comes. */
  const processor: InboundProcessor = {
    async toEvents(payload) {
      try {
        await ensureMe();
      } catch {
        throw new NotReadyError('telegram getMe not answered yet');
      }
      return updateToEvents(payload as Update, bot.botInfo, clock.now());
    },
    async afterCommit(payload) {
      const q = (payload as Update).callback_query;
      if (q) await bot.api.answerCallbackQuery(q.id);
    },
  };

  async function handleNow(update: Update): Promise<void> {
    if (!recent.add(update.update_id)) {
      log.debug({ updateId: update.update_id }, 'telegram duplicate update ignored');
      return;
    }
    try {
      await ensureMe();
      await bot.handleUpdate(update);
    } catch (e) {
      const cause = e instanceof BotError ? e.error : e;
      log.error({ updateId: update.update_id, ...describeError(cause) }, 'telegram update failed');
      await apologise(update);
    } finally {
      const q = update.callback_query;
      if (q) {
        await bot.api.answerCallbackQuery(q.id).catch((e: unknown) => {
          log.warn({ updateId: update.update_id, ...describeError(e) }, 'telegram answerCallbackQuery failed');
        });
      }
    }
  }

  /** An apology where a person asked for something (a message or a button), not for group-life events. */
  async function apologise(update: Update): Promise<void> {
    const msg = update.message;
    const asked = msg
      ? msg.new_chat_title === undefined && msg.migrate_to_chat_id === undefined && msg.from !== undefined && !msg.from.is_bot
      : update.callback_query?.message !== undefined;
    if (!asked) return;
    const chatId = updateChatId(update);
    if (chatId === undefined) return;
    try {
      await bot.api.sendMessage(toChatId(chatId), apology, {
        ...(msg ? { reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true } } : {}),
      });
    } catch (e) {
      log.warn({ chatId, ...describeError(e) }, 'telegram apology not sent');
    }
  }

  /** getMe, once. (bot.init() would retry network errors on its own, forever, hiding them.) */
  async function ensureMe(signal?: AbortSignal): Promise<void> {
    if (!bot.isInited()) bot.botInfo = await bot.api.getMe(signal ? gs(signal) : undefined);
  }

  // ---- lifecycle ----
  let running = false;
  let abort: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let offset = 0;
  const minRetryMs = deps.polling?.minRetryMs ?? 1000;
  const maxRetryMs = deps.polling?.maxRetryMs ?? 60_000;
  const pollTimeout = deps.polling?.timeoutSeconds ?? 30;
  let ready: Promise<void> = Promise.resolve();
  let onRetry: () => void = () => undefined;

  /** Retries a start-up call while Telegram is unreachable; a 401 (bad token) is thrown at once. */
  async function persist<T>(what: string, task: () => Promise<T>): Promise<T> {
    let wait = minRetryMs;
    for (;;) {
      try {
        return await task();
      } catch (e) {
        if (!running) throw e;
        if (e instanceof GrammyError && (e.error_code === 401 || e.error_code === 404)) throw e;
        const retryAfter = e instanceof GrammyError ? e.parameters?.retry_after : undefined;
        const delay = retryAfter !== undefined ? retryAfter * 1000 : wait;
        log.warn({ what, delay, ...describeError(e) }, 'telegram start-up call failed; retrying');
        onRetry();
        await sleep(delay, abort?.signal);
        wait = Math.min(wait * 2, maxRetryMs);
      }
    }
  }

  async function pollLoop(signal: AbortSignal): Promise<void> {
    let wait = minRetryMs;
    let storeWait = minRetryMs;
    while (running) {
      let updates: Update[];
      try {
        updates = await bot.api.getUpdates(
          { offset, timeout: pollTimeout, limit: 100, allowed_updates: [...ALLOWED_UPDATES] },
          gs(signal),
        );
        wait = minRetryMs;
      } catch (e) {
        if (!running) break;
        let delay = wait;
        if (e instanceof GrammyError && e.error_code === 409) {
          // another getUpdates (a second instance) or a webhook is set: never die, back off
          log.warn({ ...describeError(e) }, 'telegram polling conflict; is another instance running?');
          if (/webhook/i.test(e.description)) await bot.api.deleteWebhook().catch(() => undefined);
        } else if (e instanceof GrammyError && e.error_code === 429 && e.parameters?.retry_after !== undefined) {
          delay = e.parameters.retry_after * 1000;
        } else {
          log.warn({ ...describeError(e) }, 'telegram getUpdates failed; retrying');
        }
        wait = Math.min(wait * 2, maxRetryMs);
        await sleep(delay, signal);
        continue;
      }
      if (updates.length === 0) continue;
      if (deps.inbound) {
        // confirm the offset (ask for the next ones) only once these are stored; while the
        // database is unreachable, pause and get the same updates again
        try {
          for (const u of updates) await handleUpdate(u);
        } catch (e) {
          if (!running) break;
          log.warn({ delay: storeWait, error: e instanceof Error ? ((e as { code?: string }).code ?? e.name) : 'unknown' }, 'telegram updates not stored; polling paused');
          await sleep(storeWait, signal);
          storeWait = Math.min(storeWait * 2, maxRetryMs);
          continue;
        }
        storeWait = minRetryMs;
      } else {
        await Promise.all(updates.map((u) => handleUpdate(u)));
      }
      offset = updates[updates.length - 1]!.update_id + 1;
    }
  }

  /**
   * Resolves once the bot is set up — or, when Telegram does not answer the first try (blocked,
   * offline), at once, leaving the set-up retrying in the background (`ready`), so that the other
   * platforms start anyway. A bad token (401) rejects.
   */
  async function start(): Promise<void> {
    if (running) return;
    running = true;
    abort = new AbortController();
    const signal = abort.signal;
    if (mode === 'webhook') {
      // without a configured secret, one derived from the token: the same on every instance and restart
      secret = deps.webhookSecret ?? crypto.createHmac('sha256', deps.token).update('telegram-webhook-secret').digest('base64url');
    }
    let unreachable!: () => void;
    const firstFailure = new Promise<'retrying'>((resolve) => (unreachable = () => resolve('retrying')));
    onRetry = unreachable;
    ready = setup(signal);
    const first = await Promise.race([ready.then(() => 'done' as const), firstFailure]);
    if (first === 'retrying') {
      log.warn({ mode }, 'telegram unreachable; setting up in the background');
      ready.catch((e: unknown) => log.error({ ...describeError(e) }, 'telegram set-up failed'));
    }
  }

  async function setup(signal: AbortSignal): Promise<void> {
    await persist('getMe', () => ensureMe(signal));
    if (deps.registerCommands !== false) {
      await registerCommands(bot.api).catch((e: unknown) => log.warn({ ...describeError(e) }, 'telegram setMyCommands failed'));
    }
    if (mode === 'webhook') {
      const url = deps.publicUrl!.replace(/\/+$/, '') + webhookPath;
      await persist('setWebhook', () =>
        bot.api.setWebhook(url, { secret_token: secret!, allowed_updates: [...ALLOWED_UPDATES] }, gs(signal)),
      );
      log.info({ mode, username: bot.botInfo.username }, 'telegram webhook registered');
      return;
    }
    await persist('deleteWebhook', () => bot.api.deleteWebhook({}, gs(signal)));
    if (!running) return;
    log.info({ mode, username: bot.botInfo.username }, 'telegram polling started');
    loop = pollLoop(signal).catch((e: unknown) => log.error({ ...describeError(e) }, 'telegram polling loop ended'));
  }

  async function stop(): Promise<void> {
    if (!running) return;
    running = false;
    abort?.abort();
    await ready.catch(() => undefined);
    await loop;
    loop = undefined;
    await queue.idle();
    if (mode === 'polling' && offset > 0) {
      // confirm what was handled, so a restart does not get it again
      await bot.api.getUpdates({ offset, limit: 1, timeout: 0 }).catch(() => undefined);
    }
  }

  async function isBotAdmin(chatId: string): Promise<boolean> {
    await ensureMe();
    const m = await bot.api.getChatMember(toChatId(chatId), bot.botInfo.id);
    return m.status === 'administrator' || m.status === 'creator';
  }

  const router = createWebhookRouter({ path: webhookPath, secret: () => (mode === 'webhook' ? secret : undefined), handle: handleUpdate, log });

  return {
    platform: 'telegram',
    mode,
    bot,
    api: bot.api,
    sender,
    router,
    webhookPath,
    start,
    stop,
    get ready() {
      return ready;
    },
    get botInfo() {
      return bot.isInited() ? bot.botInfo : undefined;
    },
    isBotAdmin,
    handleUpdate,
    processor,
  };
}

/** Remembers the last `size` update ids: Telegram may deliver one twice (a webhook retry). */
class RecentIds {
  private readonly seen = new Set<number>();
  constructor(private readonly size: number) {}
  add(id: number): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.size) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}

/** Runs tasks one after another per key, keys in parallel. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
