/**
 * Send rates as token buckets (GCRA: one number per bucket, the "theoretical arrival time"), so the
 * state fits one database row and every instance draining the database shares it. Pure functions:
 * the store reads and writes the numbers inside the claim transaction.
 *
 * A limit "at most N in any window W" (Telegram: 30 a second overall, 20 a minute into a group)
 * becomes a bucket of `burst` = ceil(N/4) messages refilled every W/(N − burst + 1): a full burst
 * followed by the steady pace never puts more than N messages into any window of length W.
 * A per-chat pace (Telegram's "about one a second") is a plain bucket: `perChatBurst` at once, then
 * `perChatPerSecond`.
 */
import type { SendLimits } from './types';

export interface Bucket {
  key: string;
  /** messages allowed at once */
  burst: number;
  /** one message's share of time, ms */
  intervalMs: number;
}

/** A limit of at most `count` messages in any window of `windowMs`. */
export function windowBucket(key: string, count: number, windowMs: number): Bucket {
  const n = Math.max(1, Math.floor(count));
  const burst = Math.max(1, Math.ceil(n / 4));
  return { key, burst, intervalMs: Math.ceil(windowMs / (n - burst + 1)) };
}

export function globalBucket(platform: string, limits: SendLimits): Bucket {
  return windowBucket(platform, limits.perSecond, 1000);
}

/** The buckets one message to `chatId` draws from besides the platform's global one. */
export function chatBuckets(platform: string, chatId: string, limits: SendLimits, isGroup: boolean): Bucket[] {
  const out: Bucket[] = [];
  if (limits.perChatPerSecond !== undefined) {
    out.push({ key: `${platform}:c:${chatId}`, burst: Math.max(1, limits.perChatBurst ?? 1), intervalMs: Math.ceil(1000 / limits.perChatPerSecond) });
  }
  if (limits.perGroupPerMinute !== undefined && isGroup) out.push(windowBucket(`${platform}:g:${chatId}`, limits.perGroupPerMinute, 60_000));
  return out;
}

/** 0 when a message may go now, else the milliseconds until it may. */
export function waitMs(tat: number | undefined, now: number, b: Bucket): number {
  const t = Math.max(tat ?? now, now);
  const allowAt = t - (b.burst - 1) * b.intervalMs;
  return allowAt > now ? allowAt - now : 0;
}

/** The bucket's state after `n` messages at `now` (call only when `waitMs` was 0). */
export function take(tat: number | undefined, now: number, b: Bucket, n = 1): number {
  return Math.max(tat ?? now, now) + n * b.intervalMs;
}
