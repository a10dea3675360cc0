/**
 * The platform-neutral contract between adapters and the chat core.
 * Adapters turn platform updates into ChatEvents and render Outgoing messages;
 * nothing above the adapters knows which platform it serves.
 */

// what the outbox carries lives in src/outbox/types.ts; re-exported so chat code keeps one import
import type { Platform } from '../outbox/types';
export { CAPABILITIES, PLATFORMS, SendError } from '../outbox/types';
export type { Capabilities, Platform, ChatRef, Button, Mention, Outgoing, PlatformAction, ReplyContext, PlatformSender, SendLimits } from '../outbox/types';

export type ChatKind = 'group' | 'private';

export interface Sender {
  /** the platform's user id */
  id: string;
  displayName: string;
  username?: string;
}

interface EventBase {
  platform: Platform;
  /** platform-unique id of this delivery, used to process each event once */
  eventId: string;
  chat: { id: string; kind: ChatKind; title?: string };
  at: Date;
}

/** A text message (commands included) or a press of one of the bot's buttons. */
export interface MessageEvent extends EventBase {
  type: 'message';
  sender: Sender;
  messageId?: string;
  text: string;
  /** id of the message this one replies to, when it is one of the bot's */
  replyToMessageId?: string;
}

export interface ButtonEvent extends EventBase {
  type: 'button';
  sender: Sender;
  data: string;
  /** the bot message that carried the button */
  messageId?: string;
}

/** Group life: the bot joined or left, a member joined or left, the title changed, the chat moved. */
export interface GroupEvent extends EventBase {
  /**
   * join_request: a user asked to join through an invite link that needs approval (Telegram); the
   * user is `member` (and `sender`); the decision goes back as an Outgoing `action`
   */
  type: 'bot_added' | 'bot_removed' | 'member_joined' | 'member_left' | 'title_changed' | 'chat_migrated' | 'join_request';
  sender?: Sender;
  /** for member events: the member; for chat_migrated: the new chat id in `newChatId` */
  member?: Sender;
  newChatId?: string;
  /**
   * for bot_added (where the platform tells): whether the bot is an admin of the group — on
   * Telegram the bot sees joins and leaves only as an admin, so the core can ask to be made one
   */
  botIsAdmin?: boolean;
}

/** Something the platform delivered that carries no text (sticker, image without caption, unsupported). */
export interface NonTextEvent extends EventBase {
  type: 'non_text';
  sender: Sender;
  messageId?: string;
  replyToMessageId?: string;
}

export type ChatEvent = MessageEvent | ButtonEvent | GroupEvent | NonTextEvent;

/** The core, as adapters see it: hand it every inbound event. */
export interface EventSink {
  handle(event: ChatEvent): Promise<void>;
}
