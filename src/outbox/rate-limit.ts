/**
 * Send rates as sliding windows: "at most `count` messages in any `windowMs`", checked against the
 * instants of the last `count` sends. That state is small (≤ 30 numbers) and lives in one database
 * row per window (`outbox_rate`), read and written inside the claim transaction, so every instance
 * draining the database counts the same sends. A window allows its whole count at once (a burst)
 * and never more than `count` in any stretch of `windowMs`. Pure functions; the store does the I/O.
 */
import type { SendLimits } from './types';

export interface Window {
  key: string;
  count: number;
  windowMs: number;
}

export function globalWindow(platform: string, limits: SendLimits): Window {
  return { key: platform, count: Math.max(1, Math.floor(limits.perSecond)), windowMs: 1000 };
}

/**
 * The windows one message to `chatId` counts in besides the platform's: the per-chat pace
 * (`perChatBurst` messages per `perChatBurst / perChatPerSecond` seconds) and, for groups,
 * `perGroupPerMinute`.
 */
export function chatWindows(platform: string, chatId: string, limits: SendLimits, isGroup: boolean): Window[] {
  const out: Window[] = [];
  if (limits.perChatPerSecond !== undefined) {
    const burst = Math.max(1, Math.floor(limits.perChatBurst ?? 1));
    out.push({ key: `${platform}:c:${chatId}`, count: burst, windowMs: Math.ceil((burst * 1000) / limits.perChatPerSecond) });
  }
  if (limits.perGroupPerMinute !== undefined && isGroup) {
    out.push({ key: `${platform}:g:${chatId}`, count: Math.max(1, Math.floor(limits.perGroupPerMinute)), windowMs: 60_000 });
  }
  return out;
}

/** The send instants still inside the window at `now`, oldest first. */
export function live(times: readonly number[], now: number, w: Window): number[] {
  const l = times.filter((t) => t > now - w.windowMs);
  // kept in order by take(): sorted only when stored out of order
  for (let i = 1; i < l.length; i++) if (l[i]! < l[i - 1]!) return l.sort((a, b) => a - b);
  return l;
}

/** 0 when `n` more messages may go now, else the milliseconds until they may. */
export function waitMs(times: readonly number[], now: number, w: Window, n = 1): number {
  const l = live(times, now, w);
  const over = l.length + n - w.count;
  if (over <= 0) return 0;
  // the `over` oldest must leave the window first
  const t = l[Math.min(over, l.length) - 1];
  return t === undefined ? 0 : t + w.windowMs - now;
}

/** The window's state after `n` messages at `now` (only the last `count` instants matter). */
export function take(times: readonly number[], now: number, w: Window, n = 1): number[] {
  const l = [...live(times, now, w), ...Array.from({ length: n }, () => now)];
  return l.slice(-w.count);
}

export function parseTimes(s: string | null | undefined): number[] {
  if (!s) return [];
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
  } catch {
    return [];
  }
}
