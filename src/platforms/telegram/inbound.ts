/**
 * Telegram update → ChatEvent. Pure: no I/O, so every mapping rule is testable on a plain object.
 * The core dedupes by (platform, eventId); eventId is the update_id.
 */
import type { Chat, ChatMember, Message, Update, User, UserFromGetMe } from 'grammy/types';
import type { ChatEvent, ChatKind, GroupEvent, Sender } from '../../chat/types';

/** Update kinds the bot asks Telegram for (chat_member must be asked for explicitly). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member', 'chat_member', 'chat_join_request'] as const;

/** Message fields that make a message "content without text" (as opposed to a service message). */
const CONTENT_KEYS = [
  'photo',
  'sticker',
  'document',
  'video',
  'voice',
  'audio',
  'animation',
  'video_note',
  'contact',
  'location',
  'venue',
  'poll',
  'dice',
  'story',
  'game',
  'paid_media',
  'checklist',
] as const;

export function chatKind(chat: Chat): ChatKind | undefined {
  if (chat.type === 'private') return 'private';
  if (chat.type === 'group' || chat.type === 'supergroup') return 'group';
  return undefined; // channels are not served
}

export function toSender(user: User): Sender {
  const displayName = [user.first_name, user.last_name].filter(Boolean).join(' ');
  return user.username ? { id: String(user.id), displayName, username: user.username } : { id: String(user.id), displayName };
}

function chatOf(chat: Chat, kind: ChatKind): { id: string; kind: ChatKind; title?: string } {
  return 'title' in chat && chat.title ? { id: String(chat.id), kind, title: chat.title } : { id: String(chat.id), kind };
}

/** `/cmd@otherbot …` is for another bot in the same group. */
export function addressedToOtherBot(text: string, me: UserFromGetMe): boolean {
  const m = /^\/[A-Za-z0-9_]+@([A-Za-z0-9_]+)/.exec(text);
  return m !== null && m[1]!.toLowerCase() !== me.username.toLowerCase();
}

const isIn = (m: ChatMember): boolean =>
  m.status === 'member' ||
  m.status === 'administrator' ||
  m.status === 'creator' ||
  (m.status === 'restricted' && m.is_member);

/** Maps one update to the events the core should see (none for what the core does not care about). */
export function updateToEvents(update: Update, me: UserFromGetMe, now: Date): ChatEvent[] {
  const eventId = String(update.update_id);
  const base = { platform: 'telegram' as const, eventId };

  if (update.message) return messageEvents(update.message, me, base);

  if (update.callback_query) {
    const q = update.callback_query;
    const msg = q.message;
    if (!msg || q.data === undefined) return []; // inline-mode or game buttons: not ours
    const kind = chatKind(msg.chat);
    if (!kind) return [];
    return [
      {
        ...base,
        type: 'button',
        chat: chatOf(msg.chat, kind),
        at: now,
        sender: toSender(q.from),
        data: q.data,
        messageId: String(msg.message_id),
      },
    ];
  }

  if (update.my_chat_member) {
    const u = update.my_chat_member;
    const kind = chatKind(u.chat);
    if (kind !== 'group') return []; // a private chat blocked/unblocked: the outbox learns it from 403s
    const wasIn = isIn(u.old_chat_member);
    const nowIn = isIn(u.new_chat_member);
    if (wasIn === nowIn) return []; // promoted/demoted: not a join or a leave
    const ev: GroupEvent = {
      ...base,
      type: nowIn ? 'bot_added' : 'bot_removed',
      chat: chatOf(u.chat, kind),
      at: new Date(u.date * 1000),
      sender: toSender(u.from),
    };
    if (nowIn) ev.botIsAdmin = u.new_chat_member.status === 'administrator';
    return [ev];
  }

  if (update.chat_member) {
    const u = update.chat_member;
    const kind = chatKind(u.chat);
    if (kind !== 'group') return [];
    if (u.new_chat_member.user.id === me.id) return []; // about the bot itself: my_chat_member covers it
    const wasIn = isIn(u.old_chat_member);
    const nowIn = isIn(u.new_chat_member);
    if (wasIn === nowIn) return [];
    return [
      {
        ...base,
        type: nowIn ? 'member_joined' : 'member_left',
        chat: chatOf(u.chat, kind),
        at: new Date(u.date * 1000),
        sender: toSender(u.from),
        member: toSender(u.new_chat_member.user),
      },
    ];
  }

  if (update.chat_join_request) {
    // an invite link that needs approval: the membership feature routes it to the approver
    const r = update.chat_join_request;
    const kind = chatKind(r.chat);
    if (kind !== 'group') return [];
    const user = toSender(r.from);
    return [{ ...base, type: 'join_request', chat: chatOf(r.chat, kind), at: new Date(r.date * 1000), sender: user, member: user }];
  }

  return [];
}

function messageEvents(
  msg: Message,
  me: UserFromGetMe,
  base: { platform: 'telegram'; eventId: string },
): ChatEvent[] {
  const kind = chatKind(msg.chat);
  if (!kind) return [];
  const chat = chatOf(msg.chat, kind);
  const at = new Date(msg.date * 1000);

  // service messages about the chat itself
  if (msg.new_chat_title !== undefined) {
    return [{ ...base, type: 'title_changed', chat: { ...chat, title: msg.new_chat_title }, at, ...(msg.from ? { sender: toSender(msg.from) } : {}) }];
  }
  if (msg.migrate_to_chat_id !== undefined) {
    return [{ ...base, type: 'chat_migrated', chat, at, newChatId: String(msg.migrate_to_chat_id) }];
  }
  // Other service messages (new_chat_members, left_chat_member, pins, migrate_from…) are ignored:
  // joins and leaves come as chat_member updates, the bot itself as my_chat_member.

  const from = msg.from;
  if (!from || from.is_bot) return [];
  const sender = toSender(from);
  const messageId = String(msg.message_id);
  const replied = msg.reply_to_message;
  const replyToMessageId = replied && replied.from?.id === me.id ? String(replied.message_id) : undefined;
  const extra = replyToMessageId ? { replyToMessageId } : {};

  const text = msg.text ?? msg.caption;
  if (text !== undefined && text.trim() !== '') {
    if (addressedToOtherBot(text, me)) return [];
    return [{ ...base, type: 'message', chat, at, sender, messageId, text, ...extra }];
  }
  if (CONTENT_KEYS.some((k) => (msg as unknown as Record<string, unknown>)[k] !== undefined)) {
    return [{ ...base, type: 'non_text', chat, at, sender, messageId, ...extra }];
  }
  return [];
}

/** The chat an update belongs to (for per-chat ordering and apologies). */
export function updateChatId(update: Update): string | undefined {
  const chat =
    update.message?.chat ??
    update.callback_query?.message?.chat ??
    update.my_chat_member?.chat ??
    update.chat_member?.chat ??
    update.chat_join_request?.chat ??
    update.edited_message?.chat;
  return chat ? String(chat.id) : undefined;
}
