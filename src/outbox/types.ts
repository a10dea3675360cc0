/**
 * What the outbox carries and who sends it: the Outgoing message (and the chat, mention, button…
 * types inside it), the PlatformSender contract and SendError. The chat core and the app use cases
 * produce Outgoing; platform adapters implement PlatformSender. `chat/types.ts` re-exports these,
 * so code above the adapters keeps one import; `store` and `app` import them from here.
 */
import { decomposedLength } from '../domain/text';

const utf16Length = (text: string): number => text.length;

export type Platform = 'telegram' | 'zalo' | 'simulator';
export const PLATFORMS: readonly Platform[] = ['telegram', 'zalo', 'simulator'];

export interface ChatRef {
  platform: Platform;
  id: string;
}

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

/**
 * A platform's documented sending limits. The drainer counts them in sliding windows kept in the
 * database (outbox/rate-limit.ts), shared by every instance draining that database.
 */
export interface SendLimits {
  /** at most this many messages in any second, over all chats */
  perSecond: number;
  /** at most this many messages in any minute into one group chat (undefined = no limit) */
  perGroupPerMinute?: number;
  /** a soft per-chat rate (Telegram: about one message a second per chat) */
  perChatPerSecond?: number;
  /** how many messages one chat may get at once before `perChatPerSecond` paces it (default 1) */
  perChatBurst?: number;
}

/** Adapters implement this; the outbox drainer calls it, one message at a time, within `limits`. */
export interface PlatformSender {
  platform: Platform;
  limits: SendLimits;
  /** whether a chat id is a group (for `perGroupPerMinute`); without it every chat counts as one */
  isGroupChat?(chatId: string): boolean;
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

/** What each platform can render and how it counts a message's length; the core shapes messages to this, never to a platform name. */
export interface Capabilities {
  buttons: boolean;
  mentions: boolean;
  maxLength: number;
  /** how the platform counts `maxLength` (Zalo does not say: counted at its largest) */
  lengthOf(text: string): number;
  /** the bot sees group messages only when mentioned or replied to (Zalo) */
  groupNeedsReply: boolean;
}

export const CAPABILITIES: Record<Platform, Capabilities> = {
  telegram: { buttons: true, mentions: true, maxLength: 4096, lengthOf: utf16Length, groupNeedsReply: false },
  zalo: { buttons: false, mentions: false, maxLength: 2000, lengthOf: decomposedLength, groupNeedsReply: true },
  simulator: { buttons: true, mentions: false, maxLength: 4096, lengthOf: utf16Length, groupNeedsReply: false },
};
