/**
 * Zalo updates (research/zalo.md §2.5) → platform-neutral ChatEvents.
 *
 * Parsing is lenient on purpose: Zalo's docs and live payloads disagree on several fields, so every
 * optional field falls back to "absent" instead of rejecting the whole update, and unknown fields are
 * dropped. Only `event_name`, `message.chat.id` and `message.message_id` are required.
 *
 * Assumption (undocumented): a reply/quote of a bot message may carry the quoted message's id as
 * `quote_msg_id`, `quote_message_id`, `reply_to_message_id`, `reply_to_message.message_id`,
 * `quote.message_id` or `quote.msg_id`; whichever is present becomes `replyToMessageId`.
 */
import { z } from 'zod';
import type { ChatEvent, ChatKind, Sender } from '../../chat/types';

const idSchema = z.union([z.string(), z.number()]).transform(String);
const optId = idSchema.optional().catch(undefined);
const optString = z.string().optional().catch(undefined);

const quotedSchema = z
  .object({ message_id: optId, msg_id: optId, id: optId })
  .optional()
  .catch(undefined);

export const zaloMessageSchema = z.object({
  message_id: optId,
  /** epoch milliseconds */
  date: z.coerce.number().optional().catch(undefined),
  chat: z.object({
    id: idSchema,
    chat_type: optString,
    title: optString,
  }),
  from: z
    .object({
      id: idSchema,
      display_name: optString,
      name: optString,
      is_bot: z.boolean().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  text: optString,
  caption: optString,
  message_type: optString,
  photo_url: optString,
  photo: z.unknown().optional(),
  sticker: z.unknown().optional(),
  url: optString,
  voice_url: optString,
  // reply/quote: undocumented, see the header comment
  quote_msg_id: optId,
  quote_message_id: optId,
  reply_to_message_id: optId,
  reply_to_message: quotedSchema,
  quote: quotedSchema,
});
export type ZaloMessage = z.infer<typeof zaloMessageSchema>;

export const zaloUpdateSchema = z.object({
  event_name: z.string(),
  message: zaloMessageSchema,
});
export type ZaloUpdate = z.infer<typeof zaloUpdateSchema>;

/** getUpdates `result`: one update (documented) or a list of them (tolerated). */
export const zaloUpdateListSchema = z
  .union([zaloUpdateSchema, z.array(zaloUpdateSchema), z.null(), z.undefined()])
  .transform((v) => (v == null ? [] : Array.isArray(v) ? v : [v]));

export type WebhookBody =
  | { kind: 'empty' }
  | { kind: 'update'; update: ZaloUpdate }
  | { kind: 'ignored'; reason: string };

/**
 * A webhook body, already JSON-parsed: the bare `{event_name, message}` seen live, or the
 * `{ok:true, result:{…}}` the docs show. Anything else is "ignored", never an error.
 */
export function parseWebhookBody(json: unknown): WebhookBody {
  if (json === undefined || json === null) return { kind: 'empty' };
  if (typeof json !== 'object' || Array.isArray(json)) return { kind: 'ignored', reason: 'not an object' };
  const obj = json as Record<string, unknown>;
  if (Object.keys(obj).length === 0) return { kind: 'empty' };
  let candidate: unknown = obj;
  if (!('event_name' in obj) && 'result' in obj) {
    if (obj.ok === false) return { kind: 'ignored', reason: 'ok:false envelope' };
    candidate = obj.result;
  }
  const r = zaloUpdateSchema.safeParse(candidate);
  if (!r.success) return { kind: 'ignored', reason: `not an update (${r.error.issues[0]?.path.join('.') ?? '?'})` };
  return { kind: 'update', update: r.data };
}

export const EVENT = {
  text: 'message.text.received',
  image: 'message.image.received',
  sticker: 'message.sticker.received',
  voice: 'message.voice.received',
  unsupported: 'message.unsupported.received',
} as const;

export interface ToEventOptions {
  /** names the bot may be @mentioned by: getMe `account_name`, the display name set in Bot Creator… */
  botNames: string[];
  /** used when the update carries no `date` */
  now: () => Date;
}

/**
 * One Zalo update → one ChatEvent, or undefined for updates that carry nothing to act on
 * (no message id to dedupe on, or sent by a bot).
 */
export function toChatEvent(update: ZaloUpdate, opts: ToEventOptions): ChatEvent | undefined {
  const m = update.message;
  if (m.message_id === undefined || m.message_id === '') return undefined;
  if (m.from?.is_bot) return undefined;
  const from = m.from ?? { id: m.chat.id };
  const sender: Sender = {
    id: from.id,
    displayName: ('display_name' in from ? from.display_name : undefined) ?? ('name' in from ? from.name : undefined) ?? '',
  };
  const kind = chatKind(m.chat.chat_type, m.chat.id, from.id);
  const base = {
    platform: 'zalo' as const,
    eventId: `${update.event_name}:${m.message_id}`,
    chat: m.chat.title ? { id: m.chat.id, kind, title: m.chat.title } : { id: m.chat.id, kind },
    at: eventDate(m.date, opts.now),
    sender,
    messageId: m.message_id,
  };
  const replyToMessageId = quotedId(m);
  const withReply = replyToMessageId !== undefined ? { replyToMessageId } : {};

  let raw: string | undefined;
  if (update.event_name === EVENT.text) raw = m.text;
  else if (update.event_name === EVENT.image || m.message_type === 'CHAT_PHOTO') raw = m.caption ?? m.text;
  // stickers, voice, unsupported and unknown events carry no text for the core

  const text = raw === undefined ? '' : stripBotMention(raw, opts.botNames);
  if (text === '') return { ...base, type: 'non_text', ...withReply };
  return { ...base, type: 'message', text, ...withReply };
}

function chatKind(chatType: string | undefined, chatId: string, fromId: string): ChatKind {
  const t = chatType?.toUpperCase();
  if (t === 'PRIVATE') return 'private';
  if (t === 'GROUP') return 'group';
  return chatId === fromId ? 'private' : 'group';
}

/** `date` is epoch milliseconds; a value that looks like seconds is scaled, a missing one is "now". */
function eventDate(date: number | undefined, now: () => Date): Date {
  if (date === undefined || !Number.isFinite(date) || date <= 0) return now();
  return new Date(date < 1e12 ? date * 1000 : date);
}

function quotedId(m: ZaloMessage): string | undefined {
  const candidates = [
    m.quote_msg_id,
    m.quote_message_id,
    m.reply_to_message_id,
    m.reply_to_message?.message_id,
    m.reply_to_message?.msg_id,
    m.quote?.message_id,
    m.quote?.msg_id,
    m.quote?.id,
  ];
  return candidates.find((c) => c !== undefined && c !== '');
}

/**
 * Removes the @mention that made Zalo deliver a group message:
 * - a leading `@<bot name>` for any known bot name (case-insensitive), followed by space,
 *   `:` or `,` or the end;
 * - otherwise any leading `@Something ` (up to four words) when what follows is a command (`/…`),
 *   since the name Zalo inserts may differ from every name we know.
 * Whitespace is trimmed. Text without a leading mention is returned trimmed.
 */
export function stripBotMention(text: string, botNames: string[]): string {
  const t = text.replace(/^[\s\u200b\u00a0]+/, '').trimEnd();
  if (!t.startsWith('@')) return t;
  const names = [...new Set(botNames.map((n) => n.trim().replace(/^@/, '')).filter((n) => n !== ''))].sort(
    (a, b) => b.length - a.length,
  );
  const lower = t.toLocaleLowerCase('vi');
  for (const name of names) {
    const at = `@${name}`.toLocaleLowerCase('vi');
    if (lower.startsWith(at)) {
      const rest = t.slice(at.length);
      if (rest === '' || /^[\s,:\u00a0]/.test(rest)) return rest.replace(/^[\s,:\u00a0]+/, '').trim();
    }
  }
  const m = /^@\S+(?:\s+[^\s/]\S*){0,3}?[\s,:]+(\/.*)$/s.exec(t);
  if (m?.[1]) return m[1].trim();
  return t;
}
