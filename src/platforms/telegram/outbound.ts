/**
 * Outgoing → Telegram message parts. Pure: splitting at 4,096 UTF-16 code units on line
 * boundaries, mentions as `text_mention` entities (no parse_mode, so no escaping), buttons on the
 * last part, the reply on the first.
 */
import type { ForceReply, InlineKeyboardMarkup, MessageEntity } from 'grammy/types';
import type { Mention, Outgoing } from '../../chat/types';

export const TELEGRAM_MAX_LENGTH = 4096;

export interface Part {
  text: string;
  entities?: MessageEntity[];
  replyMarkup?: InlineKeyboardMarkup | ForceReply;
  replyToMessageId?: number;
}

interface Range {
  offset: number;
  length: number;
}

/**
 * Finds each mention's name in the text (in order, each occurrence used once) and returns its
 * UTF-16 range — JavaScript string indices are UTF-16 code units, exactly what Telegram counts.
 */
export function mentionEntities(text: string, mentions: Mention[] = []): MessageEntity[] {
  const taken: Range[] = [];
  const out: MessageEntity[] = [];
  for (const m of mentions) {
    if (!m.name) continue;
    const userId = Number(m.userId);
    if (!Number.isSafeInteger(userId)) continue;
    let from = 0;
    for (;;) {
      const at = text.indexOf(m.name, from);
      if (at < 0) break;
      const r = { offset: at, length: m.name.length };
      if (!taken.some((t) => overlaps(t, r))) {
        taken.push(r);
        out.push({ type: 'text_mention', offset: at, length: m.name.length, user: { id: userId, is_bot: false, first_name: m.name } });
        break;
      }
      from = at + 1;
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

const overlaps = (a: Range, b: Range): boolean => a.offset < b.offset + b.length && b.offset < a.offset + a.length;

/**
 * Splits text into chunks of at most `limit` code units: at the last line break that fits; a line
 * longer than the limit at its last space that fits (never inside a protected range such as a
 * mention); only a single word longer than the limit is cut hard (never inside a surrogate pair).
 * The separating newline or space is dropped. Returns each chunk with its offset in the text.
 */
export function splitText(text: string, limit = TELEGRAM_MAX_LENGTH, protect: Range[] = []): { text: string; offset: number }[] {
  const chunks: { text: string; offset: number }[] = [];
  let start = 0;
  const push = (from: number, to: number): void => {
    // Telegram trims surrounding blanks itself; trim here so entity offsets stay right
    while (from < to && /\s/.test(text[from]!)) from++;
    while (to > from && /\s/.test(text[to - 1]!)) to--;
    if (to > from) chunks.push({ text: text.slice(from, to), offset: from });
  };
  while (text.length - start > limit) {
    const end = start + limit; // exclusive end of the window
    // a newline at index `end` still lets text[start, end) be a whole set of lines
    const nl = text.lastIndexOf('\n', end);
    if (nl >= start && nl > start) {
      push(start, nl);
      start = nl + 1;
      continue;
    }
    if (nl === start) {
      start += 1; // a leading blank line
      continue;
    }
    let cut = -1;
    for (let i = end; i > start; i--) {
      const c = text[i];
      if ((c === ' ' || c === '\t') && !protect.some((r) => i > r.offset && i < r.offset + r.length)) {
        cut = i;
        break;
      }
    }
    if (cut > start) {
      push(start, cut);
      start = cut + 1;
      continue;
    }
    let hard = end;
    const code = text.charCodeAt(hard - 1);
    if (code >= 0xd800 && code <= 0xdbff) hard -= 1; // keep a surrogate pair together
    push(start, hard);
    start = hard;
  }
  push(start, text.length);
  return chunks;
}

export function renderParts(message: Outgoing, limit = TELEGRAM_MAX_LENGTH): Part[] {
  const entities = mentionEntities(message.text, message.mentions);
  const chunks = splitText(message.text, limit, entities);
  if (chunks.length === 0) chunks.push({ text: message.text.trim() === '' ? '…' : message.text, offset: 0 });
  const parts: Part[] = chunks.map((c) => {
    const mine = entities
      .filter((e) => e.offset >= c.offset && e.offset + e.length <= c.offset + c.text.length)
      .map((e) => ({ ...e, offset: e.offset - c.offset }));
    return mine.length > 0 ? { text: c.text, entities: mine } : { text: c.text };
  });
  if (message.replyToMessageId !== undefined) {
    const id = Number(message.replyToMessageId);
    if (Number.isSafeInteger(id)) parts[0]!.replyToMessageId = id;
  }
  if (message.buttons && message.buttons.length > 0) {
    parts[parts.length - 1]!.replyMarkup = {
      inline_keyboard: message.buttons.map((row) => row.map((b) => ({ text: b.label, callback_data: b.data }))),
    };
  } else if (message.expectReply) {
    // with privacy mode on, a group member's plain answer never reaches the bot; a reply does
    parts[parts.length - 1]!.replyMarkup = { force_reply: true, selective: true };
  }
  return parts;
}

/** Telegram takes numeric chat ids; keep "@channel" style ids as strings. */
export function toChatId(id: string): number | string {
  return /^-?\d+$/.test(id) ? Number(id) : id;
}
