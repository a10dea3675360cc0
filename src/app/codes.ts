/**
 * Redeeming a one-time code, the same way for identity links and role invites: wrong, expired and
 * spent codes count against the person and the chat; past the limit nothing is looked up until
 * the window has passed.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db';
import { attemptsSince, findCode, recordAttempt, type CodeKind, type OneTimeCode } from '../store/codes';

export const ATTEMPT_LIMIT = 5;
export const ATTEMPT_WINDOW_MS = 15 * 60_000;

/** Digits only (typed on a phone): identity codes. */
export function digitCode(length = 8): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String(randomInt(0, 10));
  return s;
}

/** Letters and digits without look-alikes (0/O, 1/I/L): invites, shown as XXXX-XXXX. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export function inviteCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(0, ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** What a person typed, in the stored form: "abcd efgh", "ABCD-EFGH" → "ABCD-EFGH". */
export function normalizeInvite(text: string): string {
  const s = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4)}` : s;
}

export type Redeem<P> =
  | { status: 'ok'; code: OneTimeCode<P> }
  | { status: 'limited'; minutes: number }
  | { status: 'wrong' | 'expired' | 'used' };

/** Looks a typed code up for `keys` (person and chat), counting the failures. */
export async function redeem<P>(db: Db, kind: CodeKind, typed: string, keys: string[], at: Date): Promise<Redeem<P>> {
  const since = new Date(at.getTime() - ATTEMPT_WINDOW_MS);
  let until = 0;
  for (const key of keys) {
    const tries = await attemptsSince(db, key, kind, since);
    if (tries.length >= ATTEMPT_LIMIT) until = Math.max(until, Date.parse(tries[tries.length - ATTEMPT_LIMIT]!) + ATTEMPT_WINDOW_MS);
  }
  if (until > 0) return { status: 'limited', minutes: Math.max(1, Math.ceil((until - at.getTime()) / 60_000)) };
  const code = typed ? await findCode<P>(db, kind, typed) : undefined;
  const status = !code ? 'wrong' : code.usedAt ? 'used' : code.expiresAt <= at.toISOString() ? 'expired' : 'ok';
  if (status !== 'ok') {
    await recordAttempt(db, keys, kind, at);
    return { status };
  }
  return { status: 'ok', code: code! };
}

/** The keys a chat event is limited by: the person, and the chat it came from. */
export function attemptKeys(personId: number, platform: string, chatId: string): string[] {
  return [`person:${personId}`, `chat:${platform}:${chatId}`];
}
