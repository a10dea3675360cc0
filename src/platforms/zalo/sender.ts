/**
 * The Zalo PlatformSender: renders an Outgoing as one or more `sendMessage` calls.
 *
 * Zalo has no buttons and no mentions: the core already wrote numbered answers and names into the
 * text, so `buttons` and `mentions` are ignored here. `replyToMessageId` has no API counterpart.
 * Text is split on line boundaries into parts of at most 2,000 characters counted conservatively
 * (Zalo does not say what it counts: each combining mark counts, as if the text were decomposed);
 * when Zalo still answers 400 for a long part, that part is split in two and sent again, so a
 * message is never dropped for its length. Errors become SendErrors for the outbox: 429 backs off
 * (2 s, growing while 429s continue), 400/401/404 are permanent, the rest retries.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../logger';
import { silentLogger } from '../../logger';
import { SendError, type Outgoing, type PlatformSender } from '../../outbox/types';
import { CAPABILITIES } from '../../chat/types';
import { ZaloApiError, ZaloNetworkError, type ZaloClient } from './client';

export const ZALO_MAX_TEXT = 2000;
/** a part this short that Zalo refuses with 400 is refused for another reason than its length */
const MIN_SPLIT = 200;

/** Length as Zalo might count it, at its largest (each tone mark apart). */
export const zaloLength = CAPABILITIES.zalo.lengthOf;

export interface ZaloSenderOptions {
  client: ZaloClient;
  /** ZALO_RATE_PER_SECOND */
  perSecond: number;
  log?: Logger;
  /** first 429 backoff; doubles with each consecutive 429, capped at `maxQuotaBackoffMs` */
  quotaBackoffMs?: number;
  maxQuotaBackoffMs?: number;
}

export interface ZaloSender extends PlatformSender {
  platform: 'zalo';
}

export function createZaloSender(opts: ZaloSenderOptions): ZaloSender {
  const log = opts.log ?? silentLogger;
  const base = opts.quotaBackoffMs ?? 2000;
  const cap = opts.maxQuotaBackoffMs ?? 60_000;
  let quotaStreak = 0;
  // a message that failed half-way: the ids delivered and the parts still to send, so a retry
  // neither repeats nor re-splits what went out
  const partial = new Map<string, { ids: string[]; rest: string[]; at: number }>();

  return {
    platform: 'zalo',
    limits: { perSecond: opts.perSecond },
    async send(message: Outgoing): Promise<{ messageIds: string[] }> {
      const key = partKey(message);
      prune(partial);
      const resumed = partial.get(key);
      const ids = [...(resumed?.ids ?? [])];
      const rest = [...(resumed?.rest ?? splitText(message.text, ZALO_MAX_TEXT, zaloLength))];
      let splits = 0;
      while (rest.length > 0) {
        const part = rest[0]!;
        try {
          const r = await opts.client.sendMessage({ chatId: message.chat.id, text: part });
          ids.push(r.message_id);
          rest.shift();
          quotaStreak = 0;
        } catch (e) {
          if (e instanceof ZaloApiError && e.code === 400 && part.length > MIN_SPLIT) {
            // perhaps still too long as Zalo counts: halve it and try again
            rest.splice(0, 1, ...splitText(part, Math.ceil(zaloLength(part) / 2), zaloLength));
            splits++;
            continue;
          }
          if (ids.length > 0) partial.set(key, { ids, rest, at: Date.now() });
          throw toSendError(e);
        }
      }
      partial.delete(key);
      if (splits > 0) log.warn({ splits }, 'zalo refused a long part (400); sent it split further');
      log.debug({ parts: ids.length }, 'zalo message sent');
      return { messageIds: ids };
    },
  };

  function toSendError(e: unknown): SendError {
    if (e instanceof ZaloApiError) {
      if (e.quotaExceeded) {
        const wait = Math.min(base * 2 ** quotaStreak, cap);
        quotaStreak++;
        log.warn({ code: e.code, retryAfterMs: wait }, 'zalo quota exceeded, backing off');
        return new SendError(e.message, false, wait);
      }
      if (e.code === 400 || e.code === 401 || e.code === 404) {
        if (e.code === 401) log.error({ code: e.code }, 'zalo token rejected (401): check ZALO_BOT_TOKEN');
        return new SendError(e.message, true);
      }
      return new SendError(e.message, false); // 403 ("internal server error" per the docs), 5xx, odd bodies
    }
    if (e instanceof ZaloNetworkError) return new SendError(e.message, false);
    return new SendError(e instanceof Error ? e.message : String(e), false);
  }
}

function partKey(m: Outgoing): string {
  return createHash('sha256').update(`${m.chat.id}\u0000${m.text}`).digest('hex');
}

function prune(map: Map<string, { at: number }>): void {
  const old = Date.now() - 60 * 60_000;
  for (const [k, v] of map) if (v.at < old) map.delete(k);
}

/**
 * Splits text into parts of at most `max` as `measure` counts (UTF-16 units by default): on line
 * boundaries when possible, then on spaces, then anywhere (never inside a surrogate pair). Blank
 * parts are dropped; lines keep their order and the newline at a cut is dropped.
 */
export function splitText(text: string, max = ZALO_MAX_TEXT, measure: (s: string) => number = (s) => s.length): string[] {
  const parts: string[] = [];
  let current = '';
  const flush = (): void => {
    if (current.trim() !== '') parts.push(current.replace(/\s+$/, ''));
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (measure(candidate) <= max) {
      current = candidate;
      continue;
    }
    flush();
    if (measure(line) <= max) {
      current = line;
      continue;
    }
    // a single line longer than a message
    let rest = line;
    while (measure(rest) > max) {
      const fit = longestPrefix(rest, max, measure);
      let cut = rest.lastIndexOf(' ', fit);
      if (cut <= 0) {
        cut = Math.max(fit, 1);
        const c = rest.charCodeAt(cut - 1);
        if (cut > 1 && c >= 0xd800 && c <= 0xdbff) cut--; // keep a surrogate pair together
      }
      current = rest.slice(0, cut);
      flush();
      rest = rest.slice(cut).replace(/^ /, '');
    }
    current = rest;
  }
  flush();
  return parts;
}

/** The largest n with measure(s.slice(0, n)) <= max (measure grows with the prefix). */
function longestPrefix(s: string, max: number, measure: (s: string) => number): number {
  let lo = 0;
  let hi = Math.min(s.length, max);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(s.slice(0, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
