/**
 * A quarter played entirely through Telegram updates (fake Bot API, long polling), through the
 * real chat core and outbox: four levels of groups are linked with /lienket, hamlet teams report
 * and confirm with buttons, the commune sends its roll-up up with /guilen, and a member joins a
 * group. Profile ca-mau-2023 (province → district → commune → hamlet, quarterly).
 */
import { ChatCore } from '../../src/chat/core';
import { OutboxDrainer } from '../../src/outbox/drainer';
import { groupLife } from '../../src/chat/features/group-life';
import { help } from '../../src/chat/features/help';
import { linking } from '../../src/chat/features/link';
import { reporting } from '../../src/chat/features/report';
import { rollups } from '../../src/chat/features/rollup';
import type { ChatEvent, EventSink } from '../../src/chat/types';
import { ManualClock } from '../../src/clock';
import { silentLogger } from '../../src/logger';
import { getProfile } from '../../src/app/profiles';
import { seedDemo, type DemoPerson } from '../../src/app/demo-seed';
import { addIdentity } from '../../src/store/people';
import { getLink, chatMembers } from '../../src/store/chats';
import { getUnit } from '../../src/store/units';
import type { Unit } from '../../src/db/schema';
import { latestReport } from '../../src/store/reports';
import { createTelegramAdapter, type TelegramAdapter } from '../../src/platforms/telegram';
import { FakeTelegram, group, privateChat, type FakeChat, type FakeUser, type SentMessage } from '../helpers/fake-telegram';
import { tempDb } from '../helpers/db';

const PROFILE = 'ca-mau-2023';

describe('a quarter through Telegram (ca-mau-2023)', () => {
  let tg: FakeTelegram;
  let db: Awaited<ReturnType<typeof tempDb>>;
  let clock: ManualClock;
  let adapter: TelegramAdapter;
  let drainer: OutboxDrainer;
  const handled = new Set<string>();

  beforeAll(async () => {
    tg = await FakeTelegram.start();
    db = await tempDb();
    clock = new ManualClock('2026-03-10T09:00:00+07:00');
    tg.setDate(clock.now());
    const core = new ChatCore({
      db: db.db,
      clock,
      log: silentLogger,
      defaultLocale: 'vi',
      profile: getProfile,
      features: [groupLife, help, linking, reporting, rollups],
    });
    const sink: EventSink = {
      async handle(e: ChatEvent) {
        try {
          await core.handle(e);
        } finally {
          handled.add(e.eventId);
        }
      },
    };
    adapter = createTelegramAdapter({ token: tg.token, apiRoot: tg.apiRoot, sink, log: silentLogger, clock, polling: { timeoutSeconds: 2, minRetryMs: 10 } });
    drainer = new OutboxDrainer(db.db, [adapter.sender], clock, silentLogger);
    await adapter.start();
  });

  afterAll(async () => {
    await adapter.stop();
    await tg.close();
    await db.cleanup();
  });

  /** Delivers an update through getUpdates, waits until the core has handled it, sends what it queued. */
  async function play(update: { update_id: number }): Promise<void> {
    const id = String(update.update_id);
    for (let i = 0; i < 500 && !handled.has(id); i++) await new Promise((r) => setTimeout(r, 10));
    if (!handled.has(id)) throw new Error(`update ${id} was not handled`);
    await drainer.drainAll();
  }

  /** Moves the core's clock and the dates Telegram stamps on updates. */
  const advance = (days: number): void => {
    clock.advance(days * 86_400_000);
    tg.setDate(clock.now());
  };

  /** What the bot sent to a chat since `from` messages ago. */
  const since = (chat: FakeChat, from: number): SentMessage[] => tg.sent(chat.id).slice(from);

  it('plays the quarter', async () => {
    const demo = await seedDemo(db.db, PROFILE, clock.now());
    const [provinceId] = demo.unitsByLevel.province!;
    const [districtId] = demo.unitsByLevel.district!;
    const [communeId] = demo.unitsByLevel.commune!;
    const province = (await getUnit(db.db, provinceId!))!;
    const district = (await getUnit(db.db, districtId!))!;
    const commune = (await getUnit(db.db, communeId!))!;
    const hamletIds = demo.unitsByLevel.village!;
    const hamlets = (await Promise.all(hamletIds.map((id) => getUnit(db.db, id)))).filter((u) => u?.parent_id === commune.id);
    const [hamletA, hamletB, hamletC] = hamlets as NonNullable<(typeof hamlets)[number]>[] as [Unit, Unit, Unit];

    // Telegram identities for the people who act
    let nextTgId = 9001;
    const onTelegram = async (p: DemoPerson): Promise<FakeUser> => {
      const parts = p.name.split(' ');
      const user: FakeUser = { id: nextTgId++, first_name: parts.slice(0, -1).join(' '), last_name: parts[parts.length - 1]! };
      await addIdentity(db.db, { platform: 'telegram', externalId: String(user.id), personId: p.personId, displayName: p.name }, clock.now());
      return user;
    };
    const officerOf = (unitId: number) => demo.people.officer.find((p) => p.unitId === unitId)!;
    const leaderOf = (unitId: number) => demo.people.leader.find((p) => p.unitId === unitId)!;
    const provinceOfficer = await onTelegram(officerOf(province.id));
    const districtOfficer = await onTelegram(officerOf(district.id));
    const communeOfficer = await onTelegram(officerOf(commune.id));
    const leaderA = await onTelegram(leaderOf(hamletA.id));
    const leaderB = await onTelegram(leaderOf(hamletB.id));
    const leaderC = await onTelegram(leaderOf(hamletC.id)); // on Telegram, but late with the report
    const newcomer: FakeUser = { id: 9100, first_name: 'Phan Thị', last_name: 'Mới' };

    const G = {
      province: group(-1_003_000_000_001, 'Tổ CNSCĐ tỉnh Minh Phú'),
      district: group(-1_003_000_000_002, 'Tổ CNSCĐ huyện Tân Phước'),
      commune: group(-1_003_000_000_003, 'Tổ CNSCĐ xã Tân Lộc'),
      hamlet: group(-1_003_000_000_004, 'Tổ CNSCĐ ấp Tân Thành'),
    };

    // 1. the bot is added to the four groups (admin only in the hamlet's, for roster tracking)
    for (const [key, by] of [
      ['province', provinceOfficer],
      ['district', districtOfficer],
      ['commune', communeOfficer],
    ] as const) {
      await play(tg.botAdded(G[key], by));
      const greet = tg.sent(G[key].id);
      expect(greet[0]!.text).toMatch(/\/lienket/);
      expect(greet.some((m) => /quản trị viên/.test(m.text))).toBe(true);
    }
    await play(tg.botAdded(G.hamlet, leaderA, { admin: true }));
    expect(tg.sent(G.hamlet.id)).toHaveLength(1);
    expect(tg.sent(G.hamlet.id)[0]!.text).toMatch(/\/lienket/);

    // 2. each level links its group
    const link = async (chat: FakeChat, by: FakeUser, args: string, unitId: number): Promise<void> => {
      const n = tg.sent(chat.id).length;
      await play(tg.command(chat, by, `/lienket ${args}`));
      let out = since(chat, n);
      const chooser = out.find((m) => m.reply_markup);
      if (chooser) {
        // several units match: the bot asks with buttons; press the right one
        const button = chooser.reply_markup!.inline_keyboard.flat().find((b) => b.callback_data === `dlg:${unitId}`)!;
        expect(button).toBeDefined();
        await play(tg.callback(chat, by, chooser.message_id, button.callback_data!));
        out = since(chat, n);
      }
      expect(out.map((m) => m.text).join('\n')).toMatch(/Đã liên kết nhóm này/);
      expect((await getLink(db.db, 'telegram', String(chat.id)))).toMatchObject({ unit_id: unitId, active: 1 });
    };
    await link(G.province, provinceOfficer, province.code!, province.id);
    await link(G.district, districtOfficer, district.name, district.id);
    await link(G.commune, communeOfficer, commune.name, commune.id);
    await link(G.hamlet, leaderA, hamletA.name, hamletA.id);

    // 3. hamlet A reports in its group: the template, then the filled lines, confirmed by button
    let n = tg.sent(G.hamlet.id).length;
    await play(tg.command(G.hamlet, leaderA, '/mau'));
    const template = since(G.hamlet, n).find((m) => m.text.startsWith('/baocao'))!;
    expect(template).toBeDefined();
    const filled = template.text
      .split('\n')
      .map((line, i) => (i === 0 ? line : line.replace(/:\s*.*$/, ': 40')))
      .join('\n');
    n = tg.sent(G.hamlet.id).length;
    await play(tg.command(G.hamlet, leaderA, filled));
    const echo = since(G.hamlet, n).find((m) => m.reply_markup)!;
    expect(echo).toBeDefined();
    const yes = echo.reply_markup!.inline_keyboard.flat().find((b) => b.callback_data === 'dlg:yes')!;
    await play(tg.callback(G.hamlet, leaderA, echo.message_id, yes.callback_data!));
    expect(tg.callsOf('answerCallbackQuery').length).toBeGreaterThanOrEqual(1);
    expect(since(G.hamlet, n).map((m) => m.text).join('\n')).toMatch(/Đã lưu|đã lưu/);
    expect(await latestReport(db.db, hamletA.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    // 4. two days later, hamlet B's leader reports in a private chat, answering the question by replying to it
    advance(2);
    const dm = privateChat(leaderB);
    n = tg.sent(dm.id).length;
    await play(tg.command(dm, leaderB, filled));
    const echoB = since(dm, n).find((m) => m.reply_markup)!;
    expect(echoB).toBeDefined();
    await play(tg.message(dm, leaderB, 'ok', { replyTo: echoB.message_id }));
    expect(await latestReport(db.db, hamletB.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    // 5. the commune checks progress — missing leaders on Telegram are mentioned by user id — and,
    //    after the hamlet deadline (16th), sends its roll-up to the district (due the 21st)
    advance(6);
    n = tg.sent(G.commune.id).length;
    await play(tg.command(G.commune, communeOfficer, '/tiendo'));
    const progress = since(G.commune, n)[0]!;
    expect(progress.text).toMatch(/2\/4/);
    const mentions = (progress.entities ?? []) as { type: string; offset: number; length: number; user: { id: number; first_name: string } }[];
    expect(mentions.map((e) => e.user.id)).toEqual([leaderC.id]);
    for (const e of mentions) {
      expect(e.type).toBe('text_mention');
      expect(progress.text.slice(e.offset, e.offset + e.length)).toBe(e.user.first_name);
    }
    const districtBefore = tg.sent(G.district.id).length;
    n = tg.sent(G.commune.id).length;
    await play(tg.command(G.commune, communeOfficer, '/guilen'));
    // hamlets are missing: asked first, with buttons
    const ask = since(G.commune, n).at(-1)!;
    expect(ask.text).toContain('⚠️ Chưa đủ báo cáo');
    expect(since(G.district, districtBefore)).toHaveLength(0);
    const send = ask.reply_markup!.inline_keyboard.flat().find((b) => b.text === 'Gửi lên')!;
    await play(tg.callback(G.commune, communeOfficer, ask.message_id, send.callback_data!));
    const upward = since(G.district, districtBefore);
    expect(upward).toHaveLength(1);
    expect(upward[0]!.text).toContain(commune.name);
    expect(since(G.commune, n).map((m) => m.text).join('\n')).toContain(district.name);

    // … and the district sends its own up to the province (due the 26th)
    advance(5);
    const provinceBefore = tg.sent(G.province.id).length;
    n = tg.sent(G.district.id).length;
    await play(tg.command(G.district, districtOfficer, '/guilen'));
    const askD = since(G.district, n).at(-1)!;
    const sendD = askD.reply_markup!.inline_keyboard.flat().find((b) => b.text === 'Gửi lên')!;
    await play(tg.callback(G.district, districtOfficer, askD.message_id, sendD.callback_data!));
    const toProvince = since(G.province, provinceBefore);
    expect(toProvince).toHaveLength(1);
    expect(toProvince[0]!.text).toContain(district.name);
    expect(await latestReport(db.db, district.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    // 6. a member joins the hamlet's group: the bot (an admin there) records it
    await play(tg.memberJoined(G.hamlet, newcomer, leaderA));
    const present = await chatMembers(db.db, 'telegram', String(G.hamlet.id));
    expect(present.map((m) => m.external_id)).toContain(String(newcomer.id));

    // 7. privacy mode: a free-text question in a group asks for a reply (force_reply to the asker),
    //    and the answer, sent as a reply, continues the dialog
    n = tg.sent(G.hamlet.id).length;
    await play(tg.command(G.hamlet, leaderA, '/baocao Q2/2026'));
    const question = since(G.hamlet, n).at(-1)!;
    expect(question.text).toMatch(/^\(1\/\d+\)/);
    expect(question.force_reply).toEqual({ force_reply: true, selective: true });
    expect(question.reply_parameters?.message_id ?? question.reply_to_message_id).toBeDefined();
    n = tg.sent(G.hamlet.id).length;
    await play(tg.message(G.hamlet, leaderA, '3', { replyTo: question.message_id }));
    expect(since(G.hamlet, n).at(-1)!.text).toMatch(/^\(2\/\d+\)/);
    await play(tg.message(G.hamlet, leaderA, 'hủy', { replyTo: since(G.hamlet, n).at(-1)!.message_id }));

    if (process.env.DUMP) for (const m of tg.sent()) console.log(m.chat_id, m.message_id, JSON.stringify(m.text.slice(0, 300)), m.reply_markup ? JSON.stringify(m.reply_markup) : "", m.entities ? JSON.stringify(m.entities) : "");
    // nothing failed on the way
    const failed = await db.db.selectFrom('outbox').select(['status', 'last_error']).where('status', '!=', 'sent').execute();
    expect(failed).toEqual([]);
  });
});
