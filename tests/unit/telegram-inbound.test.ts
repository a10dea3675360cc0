import type { Update, UserFromGetMe } from 'grammy/types';
import { updateToEvents, addressedToOtherBot } from '../../src/platforms/telegram/inbound';

const me = { id: 77, is_bot: true, first_name: 'Bot', username: 'CnscdBot' } as UserFromGetMe;
const now = new Date('2026-01-05T02:00:00Z');
const group = { id: -100123, type: 'supergroup', title: 'Tổ CNSCĐ thôn A' };
const user = { id: 5, is_bot: false, first_name: 'Lan' };
const map = (u: object): ReturnType<typeof updateToEvents> => updateToEvents({ update_id: 1, ...u } as Update, me, now);

describe('updateToEvents', () => {
  it('keeps /cmd@bot for the core, case-insensitively, and drops commands for other bots', () => {
    expect(addressedToOtherBot('/baocao@cnscdbot', me)).toBe(false);
    expect(addressedToOtherBot('/baocao@other_bot xin', me)).toBe(true);
    expect(addressedToOtherBot('/baocao', me)).toBe(false);
    const [e] = map({ message: { message_id: 1, date: 1, chat: group, from: user, text: '/baocao@CnscdBot\nSố hộ: 3' } });
    expect(e).toMatchObject({ type: 'message', text: '/baocao@CnscdBot\nSố hộ: 3', messageId: '1' });
  });

  it('uses a caption as text', () => {
    const [e] = map({ message: { message_id: 1, date: 1, chat: group, from: user, photo: [], caption: '/baocao' } });
    expect(e).toMatchObject({ type: 'message', text: '/baocao' });
  });

  it('ignores other bots, channels, service messages about members, and the bot being promoted', () => {
    expect(map({ message: { message_id: 1, date: 1, chat: group, from: { ...user, is_bot: true }, text: '/baocao' } })).toEqual([]);
    expect(map({ message: { message_id: 1, date: 1, chat: { id: -1, type: 'channel', title: 'k' }, text: 'x' } })).toEqual([]);
    expect(map({ message: { message_id: 1, date: 1, chat: group, from: user, new_chat_members: [user] } })).toEqual([]);
    expect(map({ message: { message_id: 1, date: 1, chat: group, from: user, pinned_message: {} } })).toEqual([]);
    expect(
      map({
        my_chat_member: {
          chat: group,
          from: user,
          date: 1,
          old_chat_member: { status: 'member', user: me },
          new_chat_member: { status: 'administrator', user: me },
        },
      }),
    ).toEqual([]);
  });

  it('treats a restricted member who is still in the group as present', () => {
    const [e] = map({
      chat_member: {
        chat: group,
        from: user,
        date: 1,
        old_chat_member: { status: 'left', user },
        new_chat_member: { status: 'restricted', is_member: true, user },
      },
    });
    expect(e).toMatchObject({ type: 'member_joined', member: { id: '5' } });
  });

  it('ignores a button press without a message (inline mode)', () => {
    expect(map({ callback_query: { id: 'q', from: user, chat_instance: 'c', data: 'x' } })).toEqual([]);
  });
});
