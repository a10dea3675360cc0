/**
 * The Telegram adapter against a fake Bot API server: long polling → ChatEvents, Outgoing through a
 * real OutboxDrainer → sendMessage, errors and retries. No internet; outbox time is a ManualClock.
 */
import { createTelegramAdapter, APOLOGY_VI, type TelegramAdapter } from '../../src/platforms/telegram';
import { OutboxDrainer } from '../../src/outbox/drainer';
import { enqueue, allOutbox } from '../../src/outbox/store';
import { ManualClock } from '../../src/clock';
import { silentLogger } from '../../src/logger';
import type { ChatEvent, EventSink, Outgoing } from '../../src/chat/types';
import { FakeTelegram, group, privateChat, KICKED, TOO_MANY, type FakeUser } from '../helpers/fake-telegram';
import { tempDb } from '../helpers/db';

class RecordingSink implements EventSink {
  readonly events: ChatEvent[] = [];
  failWhen: (e: ChatEvent) => boolean = () => false;
  async handle(event: ChatEvent): Promise<void> {
    this.events.push(event);
    if (this.failWhen(event)) throw new Error('core exploded');
  }
}

const ALICE: FakeUser = { id: 501, first_name: 'Đặng Thị', last_name: 'Ánh', username: 'anh_dt' };
const BINH: FakeUser = { id: 502, first_name: 'Lê Văn', last_name: 'Bình' };
const COMMUNE = group(-1_001_000_000_001, 'Tổ CNSCĐ xã Tân Lập');
const VILLAGE = group(-1_001_000_000_002, 'Tổ CNSCĐ thôn Đồng Tâm');
const OTHER = group(-1_001_000_000_003, 'Tổ CNSCĐ thôn Làng Mới');

describe('Telegram adapter (polling, fake Bot API)', () => {
  let tg: FakeTelegram;
  let sink: RecordingSink;
  let adapter: TelegramAdapter;
  let db: Awaited<ReturnType<typeof tempDb>>;
  let clock: ManualClock;
  let drainer: OutboxDrainer;

  const out = (chatId: number, text: string, extra: Partial<Outgoing> = {}): Outgoing => ({
    chat: { platform: 'telegram', id: String(chatId) },
    text,
    ...extra,
  });
  const waitEvents = (n: number): Promise<void> => tg.waitFor(() => sink.events.length >= n, 5000, `${n} events`);
  const deliver = async (messages: Outgoing[]): Promise<void> => {
    await enqueue(db.db, messages, clock.now());
    await drainer.drainAll();
  };

  beforeEach(async () => {
    tg = await FakeTelegram.start();
    sink = new RecordingSink();
    db = await tempDb();
    clock = new ManualClock('2026-01-05T09:00:00+07:00');
    adapter = createTelegramAdapter({
      token: tg.token,
      apiRoot: tg.apiRoot,
      sink,
      log: silentLogger,
      clock,
      polling: { timeoutSeconds: 2, minRetryMs: 10, maxRetryMs: 50 },
    });
    await adapter.start();
    drainer = new OutboxDrainer(db.db, [adapter.sender], clock, silentLogger, { backoffMs: 1000 });
  });

  afterEach(async () => {
    await adapter.stop();
    await tg.close();
    await db.cleanup();
  });

  it('starts: getMe, deletes any webhook, registers Vietnamese and English command menus per chat type', async () => {
    expect(adapter.mode).toBe('polling');
    expect(adapter.botInfo?.username).toBe('cnscd_test_bot');
    expect(tg.callsOf('deleteWebhook')).toHaveLength(1);
    const menus = tg.commands.map((c) => `${(c.scope as { type: string }).type}/${c.language_code ?? 'vi'}`).sort();
    expect(menus).toEqual(['all_group_chats/en', 'all_group_chats/vi', 'all_private_chats/en', 'all_private_chats/vi']);
    const groupVi = tg.commands.find((c) => (c.scope as { type: string }).type === 'all_group_chats' && !c.language_code)!;
    expect(groupVi.commands.map((c) => c.command)).toEqual(
      expect.arrayContaining(['baocao', 'mau', 'tiendo', 'tonghop', 'thanhvien', 'themtv', 'roitv', 'duyet', 'tuchoi', 'lienket', 'hanchot', 'guilen', 'toila', 'trogiup']),
    );
    expect(groupVi.commands.find((c) => c.command === 'baocao')!.description).toBe('Gửi báo cáo của tổ');
    const privEn = tg.commands.find((c) => (c.scope as { type: string }).type === 'all_private_chats' && c.language_code === 'en')!;
    expect(privEn.commands.map((c) => c.command)).toEqual(expect.arrayContaining(['report', 'linkid', 'help', 'start']));
    await tg.waitForCall('getUpdates');
    expect(tg.callsOf('getUpdates')[0]!.params.allowed_updates).toEqual(expect.arrayContaining(['message', 'callback_query', 'my_chat_member', 'chat_member']));
  });

  it('turns updates into the right ChatEvents', async () => {
    const u1 = tg.command(COMMUNE, ALICE, '/baocao@cnscd_test_bot');
    tg.command(COMMUNE, ALICE, '/baocao@some_other_bot'); // for another bot: dropped
    const multi = '/baocao\nSố hộ được hướng dẫn: 12\nSố buổi: 3';
    tg.command(VILLAGE, BINH, multi);
    tg.botAdded(OTHER, ALICE);
    tg.botAdded(VILLAGE, ALICE, { admin: true });
    tg.memberJoined(VILLAGE, BINH, ALICE);
    tg.memberLeft(VILLAGE, BINH);
    tg.titleChanged(VILLAGE, ALICE, 'Tổ CNSCĐ thôn Đồng Tâm mới');
    tg.migrated(COMMUNE, ALICE, -1_009_999_999_999);
    tg.botRemoved(OTHER, ALICE);
    tg.message(privateChat(ALICE), ALICE, 'xin chào');
    await waitEvents(10);
    // in order within a chat; chats are handled concurrently
    const inChat = (id: number | string): ChatEvent[] => sink.events.filter((e) => e.chat.id === String(id));
    expect(inChat(VILLAGE.id).map((e) => e.type)).toEqual(['message', 'bot_added', 'member_joined', 'member_left', 'title_changed']);
    expect(inChat(OTHER.id).map((e) => e.type)).toEqual(['bot_added', 'bot_removed']);
    expect(inChat(COMMUNE.id).map((e) => e.type)).toEqual(['message', 'chat_migrated']);
    const [cmd, migrated] = inChat(COMMUNE.id);
    const [multiline, addedAdmin, joined, left, title] = inChat(VILLAGE.id);
    const [added, removed] = inChat(OTHER.id);
    const [dm] = inChat(501);
    expect(cmd).toMatchObject({
      platform: 'telegram',
      type: 'message',
      eventId: String(u1.update_id),
      chat: { id: String(COMMUNE.id), kind: 'group', title: COMMUNE.title },
      sender: { id: '501', displayName: 'Đặng Thị Ánh', username: 'anh_dt' },
      text: '/baocao@cnscd_test_bot',
    });
    expect(cmd!.at.toISOString()).toBe('2026-01-05T02:00:00.000Z');
    expect(multiline).toMatchObject({ type: 'message', text: multi, chat: { id: String(VILLAGE.id) } });
    expect(added).toMatchObject({ type: 'bot_added', chat: { id: String(OTHER.id), kind: 'group' }, botIsAdmin: false, sender: { id: '501' } });
    expect(addedAdmin).toMatchObject({ type: 'bot_added', botIsAdmin: true });
    expect(joined).toMatchObject({ type: 'member_joined', member: { id: '502', displayName: 'Lê Văn Bình' }, sender: { id: '501' } });
    expect(left).toMatchObject({ type: 'member_left', member: { id: '502' } });
    expect(title).toMatchObject({ type: 'title_changed', chat: { title: 'Tổ CNSCĐ thôn Đồng Tâm mới' } });
    expect(migrated).toMatchObject({ type: 'chat_migrated', chat: { id: String(COMMUNE.id) }, newChatId: '-1009999999999' });
    expect(removed).toMatchObject({ type: 'bot_removed', chat: { id: String(OTHER.id) } });
    expect(dm).toMatchObject({ type: 'message', chat: { id: '501', kind: 'private' }, text: 'xin chào' });
    expect(sink.events).toHaveLength(10);
  });

  it('marks replies to the bot, and carries non-text replies as non_text', async () => {
    await deliver([out(VILLAGE.id, 'Anh/chị gửi báo cáo tháng này nhé?')]);
    const botMsg = tg.sent(VILLAGE.id)[0]!;
    tg.message(VILLAGE, BINH, 'Số hộ: 10', { replyTo: botMsg.message_id });
    tg.message(VILLAGE, BINH, 'trả lời người khác', { replyTo: 3, replyToFromBot: false });
    tg.push(tg.build.sticker(VILLAGE, BINH, { replyTo: botMsg.message_id }));
    await waitEvents(3);
    expect(sink.events[0]).toMatchObject({ type: 'message', replyToMessageId: String(botMsg.message_id) });
    expect(sink.events[1]!).not.toHaveProperty('replyToMessageId');
    expect(sink.events[2]).toMatchObject({ type: 'non_text', replyToMessageId: String(botMsg.message_id) });
  });

  it('renders buttons as an inline keyboard; a press becomes a ButtonEvent and is always answered', async () => {
    await deliver([out(VILLAGE.id, 'Xác nhận báo cáo?', { buttons: [[{ label: 'Đúng', data: 'rpt:ok:7' }, { label: 'Sửa', data: 'rpt:edit:7' }]] })]);
    const m = tg.sent(VILLAGE.id)[0]!;
    expect(m.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Đúng', callback_data: 'rpt:ok:7' }, { text: 'Sửa', callback_data: 'rpt:edit:7' }]],
    });
    const press = tg.callback(VILLAGE, BINH, m.message_id, 'rpt:ok:7');
    await waitEvents(1);
    expect(sink.events[0]).toMatchObject({
      type: 'button',
      eventId: String(press.update_id),
      data: 'rpt:ok:7',
      messageId: String(m.message_id),
      sender: { id: '502' },
      chat: { id: String(VILLAGE.id), kind: 'group' },
    });
    await tg.waitForCall('answerCallbackQuery', 1);

    // the core throws on the next press: still answered (no endless spinner), and an apology
    sink.failWhen = (e) => e.type === 'button';
    tg.callback(VILLAGE, BINH, m.message_id, 'rpt:edit:7');
    await tg.waitForCall('answerCallbackQuery', 2);
    await tg.waitForSent(VILLAGE.id, 2);
    expect(tg.sent(VILLAGE.id)[1]!.text).toBe(APOLOGY_VI);
  });

  it('renders mentions as text_mention entities at UTF-16 offsets (no parse_mode)', async () => {
    const text = 'Nhắc việc 👉 Đặng Thị Ánh và Lê Văn Bình: hạn chót hôm nay.';
    await deliver([
      out(VILLAGE.id, text, {
        mentions: [
          { userId: '501', name: 'Đặng Thị Ánh' },
          { userId: '502', name: 'Lê Văn Bình' },
        ],
        replyToMessageId: '77',
      }),
    ]);
    const m = tg.sent(VILLAGE.id)[0]!;
    expect(m.text).toBe(text);
    // "Nhắc việc " = 10 units, 👉 = 2 (a surrogate pair), " " = 1 → 13
    expect(m.entities).toEqual([
      { type: 'text_mention', offset: 13, length: 12, user: { id: 501, is_bot: false, first_name: 'Đặng Thị Ánh' } },
      { type: 'text_mention', offset: 29, length: 11, user: { id: 502, is_bot: false, first_name: 'Lê Văn Bình' } },
    ]);
    expect(text.slice(13, 25)).toBe('Đặng Thị Ánh');
    expect(m.reply_parameters).toEqual({ message_id: 77, allow_sending_without_reply: true });
    const send = tg.callsOf('sendMessage')[0]!;
    expect(send.params.parse_mode).toBeUndefined();
  });

  it('splits text over 4,096 characters on line boundaries, buttons on the last part', async () => {
    const lines = Array.from({ length: 150 }, (_, i) => `${i + 1}. Thôn số ${i + 1}: đã báo cáo, 12 hộ, 3 buổi hướng dẫn.`.padEnd(60, '.'));
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(8192);
    await deliver([out(COMMUNE.id, text, { buttons: [[{ label: 'Gửi lên', data: 'up' }]] })]);
    const parts = tg.sent(COMMUNE.id);
    expect(parts).toHaveLength(3);
    for (const p of parts) {
      expect(p.text.length).toBeLessThanOrEqual(4096);
      for (const line of p.text.split('\n')) expect(lines).toContain(line);
    }
    expect(parts.map((p) => p.text).join('\n')).toBe(text);
    expect(parts[0]!.reply_markup).toBeUndefined();
    expect(parts[2]!.reply_markup?.inline_keyboard[0]![0]!.callback_data).toBe('up');
    const row = (await allOutbox(db.db, 'telegram'))[0]!;
    expect(JSON.parse(row.message_ids!)).toEqual(parts.map((p) => String(p.message_id)));
  });

  it('waits out a 429 (retry_after) and the message still arrives', async () => {
    tg.failNext('sendMessage', 1, TOO_MANY(1));
    await deliver([out(VILLAGE.id, 'Nhắc: hạn chót báo cáo là thứ Sáu.')]);
    expect(tg.sent(VILLAGE.id)).toHaveLength(0);
    const [row] = await allOutbox(db.db, 'telegram');
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(new Date(row!.next_attempt_at).getTime() - clock.now().getTime()).toBe(1000); // retry_after × 1000
    await drainer.drainAll();
    expect(tg.sent(VILLAGE.id)).toHaveLength(0); // not yet due
    clock.advance(1000);
    await drainer.drainAll();
    expect(tg.sent(VILLAGE.id).map((m) => m.text)).toEqual(['Nhắc: hạn chót báo cáo là thứ Sáu.']);
    expect((await allOutbox(db.db, 'telegram'))[0]).toMatchObject({ status: 'sent' });
  });

  it('records a permanent error (403 kicked) as failed; later messages to other chats still go', async () => {
    tg.failChat(OTHER.id, KICKED);
    await deliver([out(OTHER.id, 'Thông báo A'), out(VILLAGE.id, 'Thông báo B'), out(COMMUNE.id, 'Thông báo C')]);
    const rows = await allOutbox(db.db, 'telegram');
    expect(rows.map((r) => r.status)).toEqual(['failed', 'sent', 'sent']);
    expect(rows[0]!.last_error).toMatch(/403/);
    expect(tg.sent(VILLAGE.id)).toHaveLength(1);
    expect(tg.sent(COMMUNE.id)).toHaveLength(1);
  });

  it('an error in the core is apologised for in that chat, and the next update is handled', async () => {
    sink.failWhen = (e) => e.type === 'message' && e.text === '/tiendo';
    const bad = tg.command(VILLAGE, BINH, '/tiendo');
    tg.command(VILLAGE, BINH, '/trogiup');
    await waitEvents(2);
    const sent = await tg.waitForSent(VILLAGE.id, 1);
    expect(sent[0]!.text).toBe(APOLOGY_VI);
    expect(sent[0]!.reply_parameters?.message_id).toBe(bad.message!.message_id);
    expect(sink.events[1]).toMatchObject({ type: 'message', text: '/trogiup' });
    // and polling is still alive
    tg.command(VILLAGE, BINH, '/hanchot');
    await waitEvents(3);
  });

  it('survives network errors and 409 conflicts while polling', async () => {
    await tg.waitForCall('getUpdates', 1);
    tg.failNext('getUpdates', 2, { error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
    tg.dropConnections(1);
    // wake the held getUpdates so the failures are met
    tg.command(VILLAGE, BINH, '/mau');
    await waitEvents(1);
    tg.command(VILLAGE, BINH, '/tiendo');
    await waitEvents(2);
    expect(sink.events.map((e) => (e.type === 'message' ? e.text : e.type))).toEqual(['/mau', '/tiendo']);
    const conflicts = tg.callsOf('getUpdates').length;
    expect(conflicts).toBeGreaterThanOrEqual(4); // the held poll, two 409s, and the polls after them
  });

  it('processes a duplicate delivery of the same update once', async () => {
    const u = tg.command(VILLAGE, BINH, '/tiendo');
    await waitEvents(1);
    await adapter.handleUpdate(u); // as if Telegram sent it again
    tg.command(VILLAGE, BINH, '/mau');
    await waitEvents(2);
    expect(sink.events.map((e) => e.eventId)).toEqual([String(u.update_id), String(u.update_id + 1)]);
  });

  it('tells whether the bot is an admin of a group', async () => {
    expect(await adapter.isBotAdmin(String(VILLAGE.id))).toBe(false);
    tg.setMemberStatus(VILLAGE.id, tg.botInfo.id, 'administrator');
    expect(await adapter.isBotAdmin(String(VILLAGE.id))).toBe(true);
  });
});

describe('Telegram adapter start-up', () => {
  it('does not block while Telegram is unreachable: start() returns, set-up finishes in the background', async () => {
    const tg = await FakeTelegram.start();
    const sink = new RecordingSink();
    tg.dropConnections(3); // getMe fails three times
    const adapter = createTelegramAdapter({ token: tg.token, apiRoot: tg.apiRoot, sink, log: silentLogger, polling: { timeoutSeconds: 1, minRetryMs: 10, maxRetryMs: 20 } });
    try {
      await adapter.start();
      expect(adapter.botInfo).toBeUndefined(); // returned at the first failure
      await adapter.ready;
      expect(adapter.botInfo?.username).toBe('cnscd_test_bot');
      tg.command(VILLAGE, BINH, '/trogiup');
      await tg.waitFor(() => sink.events.length === 1, 5000, 'the event');
    } finally {
      await adapter.stop();
      await tg.close();
    }
  });

  it('rejects a bad token at once', async () => {
    const tg = await FakeTelegram.start();
    const adapter = createTelegramAdapter({ token: '1:wrong', apiRoot: tg.apiRoot, sink: new RecordingSink(), log: silentLogger });
    try {
      await expect(adapter.start()).rejects.toThrow(/401|Unauthorized/);
    } finally {
      await adapter.stop();
      await tg.close();
    }
  });
});
