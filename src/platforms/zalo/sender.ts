/**
 * The Zalo PlatformSender: renders an Outgoing as one or more `sendMessage` calls.
 *
 * Zalo has no buttons and no mentions: the core already wrote numbered answers and names into the
 * text, so `buttons` and `mentions` are ignored here. `replyToMessageId` has no API counterpart.
 * Text is split at 2,000 characters on line boundaries. Errors become SendErrors for the outbox:
 * 429 backs off (2 s, growing while 429s continue), 400/401/404 are permanent, the rest retries.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../logger';
import { silentLogger } from '../../logger';
import { SendError, type Outgoing, type PlatformSender } from '../../outbox/types';
import { ZaloApiError, ZaloNetworkError, type ZaloClient } from './client';

export const ZALO_MAX_TEXT = 2000;

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
  // parts already delivered of a message that failed half-way, so a retry does not repeat them
  const partial = new Map<string, { ids: string[]; at: number }>();

  return {
    platform: 'zalo',
    limits: { perSecond: opts.perSecond },
    async send(message: Outgoing): Promise<{ messageIds: string[] }> {
      const parts = splitText(message.text, ZALO_MAX_TEXT);
      if (parts.length === 0) return { messageIds: [] };
      const key = partKey(message);
      prune(partial);
      const done = partial.get(key)?.ids ?? [];
      const ids = [...done];
      for (let i = done.length; i < parts.length; i++) {
        try {
          const r = await opts.client.sendMessage({ chatId: message.chat.id, text: parts[i]! });
          ids.push(r.message_id);
          quotaStreak = 0;
        } catch (e) {
          if (ids.length > 0) partial.set(key, { ids, at: Date.now() });
          throw toSendError(e);
        }
      }
      partial.delete(key);
      log.debug({ chatId: message.chat.id, parts: parts.length }, 'zalo message sent');
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
 * Splits text into parts of at most `max` UTF-16 units: on line boundaries when possible, then on
 * spaces, then anywhere (never inside a surrogate pair). Blank parts are dropped; lines keep their
 * order and the newline at a cut is dropped.
 */
export function splitText(text: string, max = ZALO_MAX_TEXT): string[] {
  const parts: string[] = [];
  let current = '';
  const flush = (): void => {
    if (current.trim() !== '') parts.push(current.replace(/\s+$/, ''));
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length <= max) {
      current = candidate;
      continue;
    }
    flush();
    if (line.length <= max) {
      current = line;
      continue;
    }
    // a single line longer than a message
    let rest = line;
    while (rest.length > max) {
      let cut = rest.lastIndexOf(' ', max);
      if (cut <= 0) {
        cut = max;
        const c = rest.charCodeAt(cut - 1);
        if (c >= 0xd800 && c <= 0xdbff) cut--; // keep a surrogate pair together
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
