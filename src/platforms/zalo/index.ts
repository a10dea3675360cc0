/**
 * The Zalo Bot Platform adapter: Zalo updates → ChatEvents for the core (webhook in production,
 * getUpdates polling for development), and a PlatformSender for the outbox.
 *
 * ```ts
 * const zalo = zaloAdapterFromConfig(config, { sink: core, log, clock });
 * if (zalo) {
 *   app.use(zalo.webhook.router);          // before any global express.json()
 *   drainerSenders.push(zalo.sender);
 *   await zalo.start();                    // getMe, then setWebhook or polling
 * }
 * ```
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../../config';
import type { Clock } from '../../clock';
import { systemClock } from '../../clock';
import type { Logger } from '../../logger';
import { silentLogger } from '../../logger';
import type { EventSink } from '../../chat/types';
import { ZaloApiError, ZaloClient, type ZaloBotInfo } from './client';
import { sleep, ZaloPoller } from './poller';
import { createZaloSender, type ZaloSender } from './sender';
import { toChatEvent, zaloUpdateSchema, type ZaloUpdate } from './update';
import type { InboundIntake, InboundProcessor } from '../../inbound';
import { createZaloWebhook, ZALO_WEBHOOK_PATH, type ZaloWebhook } from './webhook';

export * from './client';
export * from './update';
export * from './sender';
export * from './webhook';
export * from './poller';

export interface ZaloAdapterOptions {
  /** ZALO_BOT_TOKEN */
  token: string;
  /** the chat core */
  sink: EventSink;
  /** ZALO_API_ROOT (default: the official host) */
  apiRoot?: string;
  /** PUBLIC_URL: when set, the adapter registers `<publicUrl><webhookPath>` as webhook; else it polls */
  publicUrl?: string;
  /** ZALO_WEBHOOK_SECRET; default: derived from the token (stable across restarts and instances) */
  webhookSecret?: string;
  webhookPath?: string;
  /** ZALO_RATE_PER_SECOND (default 5) */
  perSecond?: number;
  /** the bot's name as members see it in Zalo (ZALO_BOT_NAME), stripped from "@<name> …" */
  botDisplayName?: string;
  log?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  pollTimeoutSeconds?: number;
  pollBackoffMs?: number;
  /** an empty poll answered faster than this is backed off (default 250 ms) */
  pollMinMs?: number;
  /** first backoff after 429 Quota exceeded (default 2000 ms, doubling) */
  quotaBackoffMs?: number;
  /**
   * durable inbound: updates are stored here (before the webhook answers, before the poller asks
   * for more) and processed later by the inbound worker through `processor`
   */
  inbound?: InboundIntake;
  /** first backoff of a failed start-up call (default 1000 ms, doubling to 5 min) */
  startupBackoffMs?: number;
  /** how the adapter waits between retries (tests pass one that resolves at once) */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ZaloAdapter {
  readonly platform: 'zalo';
  readonly mode: 'webhook' | 'polling';
  readonly client: ZaloClient;
  /** give it to the OutboxDrainer */
  readonly sender: ZaloSender;
  /** mount `webhook.router` in the web server (serves POST /webhook/zalo by default) */
  readonly webhook: ZaloWebhook;
  /** the full webhook URL registered with Zalo (webhook mode) */
  readonly webhookUrl: string | undefined;
  /** getMe's answer, once started */
  readonly botInfo: ZaloBotInfo | undefined;
  /**
   * getMe (warns when the bot cannot join groups), then setWebhook or start polling. Rejects only
   * on a wrong token (401); any other failing call is logged and retried in the background, and
   * polling starts anyway. Resolves with getMe's answer, or undefined while it is being retried.
   */
  start(): Promise<ZaloBotInfo | undefined>;
  /** stops polling and waits for updates in hand (the webhook stays registered with Zalo) */
  stop(): Promise<void>;
  /** resolves when every received update has been handed to the sink */
  idle(): Promise<void>;
  /** resolves when the start-up calls retried in the background (getMe, webhook set-up) are done */
  settled(): Promise<void>;
  /**
   * stores one update (durable inbound), or converts it and hands it to the sink (used by the
   * webhook and the poller); with durable inbound, throws when it could not be stored
   */
  handleUpdate(update: ZaloUpdate): Promise<void>;
  /** maps a stored update to events for the inbound worker (durable inbound) */
  readonly processor: InboundProcessor;
}

export function createZaloAdapter(opts: ZaloAdapterOptions): ZaloAdapter {
  const log = opts.log?.child({ platform: 'zalo' }) ?? silentLogger;
  const clock = opts.clock ?? systemClock;
  const client = new ZaloClient({ token: opts.token, apiRoot: opts.apiRoot, fetch: opts.fetch });
  const sender = createZaloSender({ client, perSecond: opts.perSecond ?? 5, log, quotaBackoffMs: opts.quotaBackoffMs });
  const secret = opts.webhookSecret ?? deriveWebhookSecret(opts.token);
  const path = opts.webhookPath ?? ZALO_WEBHOOK_PATH;
  const mode = opts.publicUrl ? 'webhook' : 'polling';
  const webhookUrl = opts.publicUrl ? `${opts.publicUrl.replace(/\/+$/, '')}${path}` : undefined;
  let botInfo: ZaloBotInfo | undefined;
  let poller: ZaloPoller | undefined;

  let stopping = false;
  const pending = new Set<Promise<void>>();
  const startupBackoffMs = opts.startupBackoffMs ?? 1000;

  function logBotInfo(info: ZaloBotInfo): void {
    log.info({ botId: info.id, accountType: info.account_type, canJoinGroups: info.can_join_groups }, 'zalo bot ready');
    if (info.can_join_groups === false) {
      log.warn(
        'zalo: this bot cannot join groups (getMe can_join_groups=false); only private chats will work — ' +
          'members can talk to the bot privately as a fallback. Check "Mời Bot vào nhóm" in Zalo Bot Creator.',
      );
    }
  }

  /**
   * A start-up call that must not stop the bot: tried now; on failure logged and retried in the
   * background with backoff (1 s doubling to 5 min) until it succeeds or the adapter stops, while
   * start-up goes on. A 401 is not retried.
   */
  async function attempt(call: () => Promise<void>, what: string): Promise<void> {
    const once = async (): Promise<boolean> => {
      try {
        await call();
        return true;
      } catch (e) {
        if (e instanceof ZaloApiError && e.unauthorized) {
          log.error({ call: what }, 'zalo: token rejected (401): check ZALO_BOT_TOKEN');
          return true;
        }
        log.warn({ call: what, error: describe(e) }, 'zalo start-up call failed; retrying in the background');
        return false;
      }
    };
    if (await once()) return;
    const retry = (async () => {
      for (let n = 0; !stopping; n++) {
        await (opts.delay ?? sleep)(Math.min(startupBackoffMs * 2 ** n, 300_000), stopSignal.signal);
        if (stopping || (await once())) return;
      }
    })();
    pending.add(retry);
    void retry.finally(() => pending.delete(retry));
  }
  const stopSignal = new AbortController();

  const botNames = (): string[] => [opts.botDisplayName, botInfo?.account_name].filter((n): n is string => !!n);

  async function handleUpdate(update: ZaloUpdate): Promise<void> {
    const event = toChatEvent(update, { botNames: botNames(), now: () => clock.now() });
    if (opts.inbound && event) {
      // stored raw; mapped again when processed (the mapping is pure)
      await opts.inbound.accept({ platform: 'zalo', eventId: event.eventId, chatKey: update.message.chat.id, payload: update });
      return;
    }
    if (!event) {
      log.debug({ eventName: update.event_name }, 'zalo update skipped (no message id, or from a bot)');
      return;
    }
    log.debug({ eventId: event.eventId, type: event.type, chatKind: event.chat.kind }, 'zalo event');
    await opts.sink.handle(event);
  }

  const processor: InboundProcessor = {
    toEvents(payload) {
      const parsed = zaloUpdateSchema.safeParse(payload);
      const event = parsed.success ? toChatEvent(parsed.data, { botNames: botNames(), now: () => clock.now() }) : undefined;
      return event ? [event] : [];
    },
  };

  const webhook = createZaloWebhook({ secret, onUpdate: handleUpdate, log, path, durable: !!opts.inbound });

  return {
    platform: 'zalo',
    mode,
    client,
    sender,
    webhook,
    webhookUrl,
    get botInfo() {
      return botInfo;
    },
    async start() {
      try {
        botInfo = await client.getMe();
        logBotInfo(botInfo);
      } catch (e) {
        if (e instanceof ZaloApiError && e.unauthorized) throw e; // a wrong token: say so at once
        await attempt(async () => {
          botInfo = await client.getMe();
          logBotInfo(botInfo);
        }, 'getMe');
      }
      if (mode === 'webhook') {
        if (!opts.webhookSecret) log.info('zalo: ZALO_WEBHOOK_SECRET not set, using a secret derived from the token');
        await attempt(async () => {
          await client.setWebhook({ url: webhookUrl!, secretToken: secret });
          log.info({ path }, 'zalo webhook registered');
        }, 'setWebhook');
      } else {
        // polling and a webhook exclude each other: remove one unless Zalo says there is none
        await attempt(async () => {
          const info = await client.getWebhookInfo().catch((e: unknown) => {
            log.warn({ error: describe(e) }, 'zalo getWebhookInfo failed; removing any webhook anyway');
            return { url: '', unknown: true };
          });
          if (info.url || info.unknown) {
            log.info('zalo: removing the registered webhook to poll getUpdates (development mode)');
            await client.deleteWebhook();
          }
        }, 'deleteWebhook');
        poller = new ZaloPoller({
          client,
          onUpdate: handleUpdate,
          log,
          timeoutSeconds: opts.pollTimeoutSeconds,
          backoffMs: opts.pollBackoffMs,
          retryFailed: !!opts.inbound,
          minPollMs: opts.pollMinMs,
          delay: opts.delay,
        });
        poller.start();
      }
      return botInfo;
    },
    async stop() {
      stopping = true;
      stopSignal.abort();
      await Promise.all([...pending]);
      await poller?.stop();
      poller = undefined;
      await webhook.idle();
    },
    async idle() {
      await webhook.idle();
      await opts.inbound?.idle();
    },
    settled: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
    handleUpdate,
    processor,
  };
}

function describe(e: unknown): string {
  if (e instanceof ZaloApiError) return `${e.code} ${e.description}`;
  return e instanceof Error ? e.name : 'unknown';
}

/** A 64-hex-char secret that only the token's holder can compute. */
export function deriveWebhookSecret(token: string): string {
  return createHmac('sha256', token).update('zalo-webhook-secret').digest('hex');
}

/** The adapter when ZALO_BOT_TOKEN is set, else undefined. */
export function zaloAdapterFromConfig(
  config: Pick<Config, 'ZALO_BOT_TOKEN' | 'ZALO_API_ROOT' | 'ZALO_WEBHOOK_SECRET' | 'ZALO_RATE_PER_SECOND' | 'PUBLIC_URL'> & {
    ZALO_BOT_NAME?: string;
  },
  deps: { sink: EventSink; log?: Logger; clock?: Clock; fetch?: typeof fetch; inbound?: InboundIntake },
): ZaloAdapter | undefined {
  if (!config.ZALO_BOT_TOKEN) return undefined;
  return createZaloAdapter({
    token: config.ZALO_BOT_TOKEN,
    apiRoot: config.ZALO_API_ROOT,
    publicUrl: config.PUBLIC_URL,
    webhookSecret: config.ZALO_WEBHOOK_SECRET,
    perSecond: config.ZALO_RATE_PER_SECOND,
    botDisplayName: config.ZALO_BOT_NAME,
    ...deps,
  });
}
