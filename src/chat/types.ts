/**
 * The platform-neutral contract between adapters and the chat core.
 * Adapters turn platform updates into ChatEvents and render Outgoing messages;
 * nothing above the adapters knows which platform it serves.
 */

export type Platform = 'telegram' | 'zalo' | 'simulator';
export const PLATFORMS: readonly Platform[] = ['telegram', 'zalo', 'simulator'];

export type ChatKind = 'group' | 'private';

export interface ChatRef {
  platform: Platform;
  id: string;
}

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

export interface Button {
  label: string;
  /** callback data; short (Telegram allows 64 bytes) */
  data: string;
}

export interface Mention {
  /** platform user id */
  userId: string;
  /** the name as it appears in the text */
  name: string;
}

/** What the core asks an adapter to show. */
export interface Outgoing {
  chat: ChatRef;
  text: string;
  /** rows of buttons; platforms without buttons get numbered answers rendered by the core */
  buttons?: Button[][];
  mentions?: Mention[];
  replyToMessageId?: string;
  /**
   * The answer is free text the bot must receive: where a platform delivers only replies in groups
   * (Telegram with privacy mode on, Zalo), the adapter makes replying the natural move (force_reply).
   */
  expectReply?: boolean;
  /**
   * What a reply to this message continues (a dialog, a report for a unit…);
   * the sender records it against the platform's message id once sent.
   */
  context?: ReplyContext;
  /**
   * A platform call to make with this message, before its text (Telegram: approveChatJoinRequest /
   * declineChatJoinRequest for a join request in `chat`). Platforms without it ignore the field.
   */
  action?: PlatformAction;
}

export interface PlatformAction {
  kind: 'approve_join' | 'decline_join';
  /** the platform user whose join request is decided */
  userId: string;
}

export interface ReplyContext {
  /** dialog or flow name, e.g. "report" */
  flow: string;
  /** data the flow needs to continue: unit id, period… */
  data?: Record<string, unknown>;
  /** restrict the continuation to one platform user (the dialog's owner) */
  userId?: string;
}

/** What each platform can render; the core shapes messages to this, never to a platform name. */
export interface Capabilities {
  buttons: boolean;
  mentions: boolean;
  maxLength: number;
  /** the bot sees group messages only when mentioned or replied to (Zalo) */
  groupNeedsReply: boolean;
}

export const CAPABILITIES: Record<Platform, Capabilities> = {
  telegram: { buttons: true, mentions: true, maxLength: 4096, groupNeedsReply: false },
  zalo: { buttons: false, mentions: false, maxLength: 2000, groupNeedsReply: true },
  simulator: { buttons: true, mentions: false, maxLength: 4096, groupNeedsReply: false },
};

/** The core, as adapters see it: hand it every inbound event. */
export interface EventSink {
  handle(event: ChatEvent): Promise<void>;
}

/** Adapters implement this; the outbox drainer calls it, one message at a time, within `limits`. */
export interface PlatformSender {
  platform: Platform;
  limits: {
    /** overall messages per second */
    perSecond: number;
    /** messages per minute into one group chat (undefined = no limit) */
    perGroupPerMinute?: number;
  };
  /** Sends one Outgoing (split into several platform messages when too long); returns their ids. */
  send(message: Outgoing): Promise<{ messageIds: string[] }>;
}

/** Thrown by a PlatformSender; tells the outbox whether and when to try again. */
export class SendError extends Error {
  constructor(
    message: string,
    /** permanent: the chat is gone, the bot was kicked… — record and never retry */
    readonly permanent: boolean,
    /** wait at least this long before the next try (429 retry_after) */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
