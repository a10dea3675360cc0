/**
 * Telegram join requests: the update becomes a `join_request` GroupEvent, and an Outgoing with an
 * action calls approveChatJoinRequest / declineChatJoinRequest before its text; a request Telegram
 * no longer has does not stop the text.
 */
import { GrammyError, type Api } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { ALLOWED_UPDATES, updateChatId, updateToEvents } from '../../src/platforms/telegram/inbound';
import { createTelegramSender } from '../../src/platforms/telegram/sender';
import { silentLogger } from '../../src/logger';
import { SendError } from '../../src/chat/types';

const me = { id: 99, is_bot: true, first_name: 'Bot', username: 'CnscdBot' } as UserFromGetMe;

describe('chat_join_request → join_request', () => {
  const update = {
    update_id: 501,
    chat_join_request: {
      chat: { id: -1001, type: 'supergroup', title: 'CNCĐ_Ấp Tân Thành' },
      from: { id: 777, is_bot: false, first_name: 'Vũ', last_name: 'Minh Khoa' },
      user_chat_id: 777,
      date: 1_765_000_000,
    },
  } as unknown as Update;

  it('is asked for and mapped', () => {
    expect(ALLOWED_UPDATES).toContain('chat_join_request');
    expect(updateToEvents(update, me, new Date())).toEqual([
      {
        platform: 'telegram',
        eventId: '501',
        type: 'join_request',
        chat: { id: '-1001', kind: 'group', title: 'CNCĐ_Ấp Tân Thành' },
        at: new Date(1_765_000_000_000),
        sender: { id: '777', displayName: 'Vũ Minh Khoa' },
        member: { id: '777', displayName: 'Vũ Minh Khoa' },
      },
    ]);
    expect(updateChatId(update)).toBe('-1001');
  });
});

describe('the sender executes Outgoing.action', () => {
  function fakeApi(fail?: unknown) {
    const calls: string[] = [];
    const api = {
      approveChatJoinRequest: async (chat: number, user: number) => {
        calls.push(`approve ${chat} ${user}`);
        if (fail) throw fail;
        return true;
      },
      declineChatJoinRequest: async (chat: number, user: number) => {
        calls.push(`decline ${chat} ${user}`);
        return true;
      },
      sendMessage: async (chat: number, text: string) => {
        calls.push(`send ${chat} ${text}`);
        return { message_id: calls.length };
      },
    } as unknown as Api;
    return { api, calls };
  }
  const chat = { platform: 'telegram' as const, id: '-1001' };

  it('approves, then sends the text', async () => {
    const { api, calls } = fakeApi();
    await createTelegramSender(api, silentLogger).send({ chat, text: 'Đã duyệt', action: { kind: 'approve_join', userId: '777' } });
    expect(calls).toEqual(['approve -1001 777', 'send -1001 Đã duyệt']);
  });

  it('declines', async () => {
    const { api, calls } = fakeApi();
    await createTelegramSender(api, silentLogger).send({ chat, text: 'Từ chối', action: { kind: 'decline_join', userId: '777' } });
    expect(calls[0]).toBe('decline -1001 777');
  });

  it('a request already gone (400) still sends the text; a 429 is retried by the outbox', async () => {
    const gone = new GrammyError('x', { ok: false, error_code: 400, description: 'Bad Request: HIDE_REQUESTER_MISSING' }, 'approveChatJoinRequest', {});
    const a = fakeApi(gone);
    await createTelegramSender(a.api, silentLogger).send({ chat, text: 'ok', action: { kind: 'approve_join', userId: '777' } });
    expect(a.calls).toEqual(['approve -1001 777', 'send -1001 ok']);
    const busy = new GrammyError('x', { ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 3 } }, 'approveChatJoinRequest', {});
    const b = fakeApi(busy);
    await expect(createTelegramSender(b.api, silentLogger).send({ chat, text: 'ok', action: { kind: 'approve_join', userId: '777' } })).rejects.toEqual(
      expect.objectContaining({ permanent: false, retryAfterMs: 3000 }),
    );
    expect(b.calls).toEqual(['approve -1001 777']);
    expect(new SendError('x', false)).toBeInstanceOf(Error);
  });
});
