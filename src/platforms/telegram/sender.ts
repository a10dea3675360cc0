/**
 * The Telegram PlatformSender: one Outgoing → one or more sendMessage calls through grammY's Api
 * (so TELEGRAM_API_ROOT applies), Telegram errors → SendError for the outbox drainer.
 *
 * Retries: the drainer retries a failed Outgoing (using retryAfterMs for 429s), so the sender does
 * not retry the first part and no auto-retry transformer is installed. Only once part 1 of a split
 * message is out does the sender wait out a 429/5xx/network error itself for the later parts —
 * a drainer retry would send part 1 again.
 */
import { GrammyError, HttpError, type Api } from 'grammy';
import type { Logger } from '../../logger';
import { SendError, type Outgoing, type PlatformSender } from '../../outbox/types';
import { renderParts, toChatId, type Part } from './outbound';

/** Telegram's documented limits: 30 messages a second overall, 20 a minute into a group, about 1 a second per chat. */
export const TELEGRAM_LIMITS = { perSecond: 30, perGroupPerMinute: 20, perChatPerSecond: 1, perChatBurst: 10 } as const;

/** Group and supergroup ids are negative; private chats are the user's (positive) id. */
export const isTelegramGroup = (chatId: string): boolean => chatId.startsWith('-');

export interface SenderOptions {
  /** tries for each part after the first (default 4) */
  laterPartTries?: number;
  /** longest wait for a later part's retry_after (default 60 s) */
  maxInlineWaitMs?: number;
}

/** Telegram error → whether and when to try again. Never carries message text. */
export function toSendError(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (e instanceof GrammyError) {
    const what = `telegram ${e.method} ${e.error_code}: ${e.description}`;
    if (e.error_code === 429) {
      const s = e.parameters?.retry_after;
      return new SendError(what, false, typeof s === 'number' ? s * 1000 : undefined);
    }
    if (e.error_code >= 500) return new SendError(what, false);
    // 401/404: a bad token or API root — a deployment problem, not this message's; keep it queued
    if (e.error_code === 401 || e.error_code === 404) return new SendError(what, false);
    // 403 (kicked, blocked, no rights), 400 (chat not found, bad markup…): sending again won't help
    return new SendError(what, true);
  }
  if (e instanceof HttpError) return new SendError(`telegram network error: ${e.message}`, false);
  return new SendError(`telegram send failed: ${e instanceof Error ? e.message : String(e)}`, false);
}

/** A safe shape for logs: a GrammyError carries the request payload (message text!). */
export function describeError(e: unknown): Record<string, unknown> {
  if (e instanceof GrammyError) return { method: e.method, code: e.error_code, description: e.description };
  if (e instanceof HttpError) return { network: e.message };
  if (e instanceof Error) return { error: e.name, message: e.message };
  return { error: String(e) };
}

/**
 * A join request's decision (Outgoing.action), before the message's text. A request Telegram no
 * longer has (already decided in the app, expired, or this is a retry after it succeeded:
 * HIDE_REQUESTER_MISSING, USER_ALREADY_PARTICIPANT) is not an error: the text is still sent.
 */
export async function joinDecision(api: Api, log: Logger, chatId: number | string, action: NonNullable<Outgoing['action']>): Promise<void> {
  const userId = Number(action.userId);
  try {
    if (action.kind === 'approve_join') await api.approveChatJoinRequest(chatId, userId);
    else await api.declineChatJoinRequest(chatId, userId);
  } catch (e) {
    if (e instanceof GrammyError && e.error_code === 400) {
      log.info({ chatId, action: action.kind, description: e.description }, 'telegram join request already gone');
      return;
    }
    throw toSendError(e);
  }
}

export function createTelegramSender(api: Api, log: Logger, opts: SenderOptions = {}): PlatformSender {
  const laterPartTries = opts.laterPartTries ?? 4;
  const maxInlineWaitMs = opts.maxInlineWaitMs ?? 60_000;

  async function sendPart(chatId: number | string, part: Part): Promise<number> {
    const msg = await api.sendMessage(chatId, part.text, {
      ...(part.entities ? { entities: part.entities } : {}),
      ...(part.replyMarkup ? { reply_markup: part.replyMarkup } : {}),
      ...(part.replyToMessageId !== undefined
        ? { reply_parameters: { message_id: part.replyToMessageId, allow_sending_without_reply: true } }
        : {}),
      link_preview_options: { is_disabled: true },
    });
    return msg.message_id;
  }

  return {
    platform: 'telegram',
    limits: { ...TELEGRAM_LIMITS },
    isGroupChat: isTelegramGroup,
    async send(message: Outgoing): Promise<{ messageIds: string[] }> {
      const parts = renderParts(message);
      let chatId = toChatId(message.chat.id);
      if (message.action) await joinDecision(api, log, chatId, message.action);
      const ids: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        for (let attempt = 1; ; attempt++) {
          try {
            ids.push(String(await sendPart(chatId, part)));
            break;
          } catch (e) {
            // a group that became a supergroup: Telegram names the new id; the core also gets chat_migrated
            const moved = e instanceof GrammyError ? e.parameters?.migrate_to_chat_id : undefined;
            if (moved !== undefined && moved !== chatId) {
              log.info({ chatId: message.chat.id, newChatId: moved }, 'telegram chat migrated; sending to the new id');
              chatId = moved;
              continue;
            }
            const err = toSendError(e);
            if (i === 0 || err.permanent || attempt >= laterPartTries) {
              if (i > 0) log.warn({ chatId: message.chat.id, part: i + 1, parts: parts.length, ...describeError(e) }, 'telegram split message partly sent');
              throw err;
            }
            const wait = Math.min(err.retryAfterMs ?? 1000 * attempt, maxInlineWaitMs);
            log.info({ chatId: message.chat.id, part: i + 1, wait }, 'telegram later part retried');
            await new Promise((r) => setTimeout(r, wait));
          }
        }
      }
      return { messageIds: ids };
    },
  };
}
