/**
 * A quarter on Zalo WITHOUT groups (issue 13): the bot sits in no group (ZALO_GROUPS=off), so every
 * message a unit's group would get goes to the right people's private chats — through the real Zalo
 * adapter (webhook), chat core, outbox drainer and reminder scheduler against the fake Zalo Bot API.
 * Leaders are onboarded with one-time codes from their commune officer, report and amend in private,
 * reminders reach only the leaders who have not reported, progress lines and the roll-up reach the
 * parent's officers, and a membership request is approved in the approver's private chat. Then the
 * same quarter with half the units in Zalo groups and half in private chats.
 * Profile ca-mau-2023 (province → district → commune → hamlet, quarterly; approval at the commune).
 */
import { addIdentity } from '../../src/store/people';
import { grantRole } from '../../src/store/grants';
import { getUnit } from '../../src/store/units';
import { latestReport } from '../../src/store/reports';
import type { Unit } from '../../src/db/schema';
import type { DemoPerson, DemoSummary } from '../../src/app/demo-seed';
import { seed, testApp, type TestApp } from '../helpers/app';
import { FakeZalo, zaloText, type FakeSent, type UpdateInput } from '../helpers/fake-zalo';

const PROFILE = 'ca-mau-2023';
const SECRET = 'zalo-private-secret';
const BOT_LINK = 'https://zalo.me/1000000000000000001';

type Who = { fromId: string; name: string };

/** the roll-up as it reached the district, per run: the same words in a private chat and in a group */
const upwardByMode = new Map<string, string>();

/** Which units have a Zalo group (empty: none at all). */
type Grouped = ReadonlySet<'district' | 'hamletC'>;

function play(mode: 'private' | 'mixed') {
  const grouped: Grouped = mode === 'mixed' ? new Set(['district', 'hamletC']) : new Set();
  let fake: FakeZalo;
  let app: TestApp;
  let hook: string;
  let demo: DemoSummary;

  beforeAll(async () => {
    fake = await new FakeZalo({ botInfo: { can_join_groups: mode === 'mixed' } }).start();
    app = await testApp(
      {
        SIMULATOR: 'off',
        ZALO_BOT_TOKEN: fake.token,
        ZALO_API_ROOT: fake.apiRoot,
        ZALO_WEBHOOK_SECRET: SECRET,
        ZALO_RATE_PER_SECOND: '1000',
        ZALO_GROUPS: mode === 'private' ? 'off' : 'on',
        ZALO_BOT_LINK: BOT_LINK,
        PUBLIC_URL: 'https://cnscd.example.vn',
      },
      '2026-03-10T09:00:00+07:00',
    );
    const { port } = await app.start();
    hook = `http://127.0.0.1:${port}/webhook/zalo`;
    demo = await seed(app, PROFILE);
  });

  afterAll(async () => {
    await app?.cleanup();
    await fake?.close();
  });

  let nextMessage = 1;
  async function push(text: string, o: UpdateInput): Promise<FakeSent[]> {
    const before = fake.sent.length;
    const u = zaloText(text, { ...o, messageId: `in-${nextMessage++}`, date: app.clock.now().getTime() });
    const r = await fake.pushWebhook(u, { url: hook, form: 'bare' });
    expect(r.status).toBe(200);
    await settle();
    return fake.sent.slice(before);
  }
  async function settle(): Promise<void> {
    await app.zalo!.idle();
    app.drainer.kick();
    await app.drainer.idle();
  }
  /** a person's private chat with the bot (chat.id == from.id) */
  const dm = (text: string, who: Who) => push(text, { chatType: 'PRIVATE', chatId: who.fromId, ...who });
  const inGroup = (text: string, chatId: string, who: Who) => push(text, { chatType: 'GROUP', chatId, ...who });
  /** what reached each chat, as chat id → texts */
  const byChat = (sent: FakeSent[]) => {
    const m: Record<string, string[]> = {};
    for (const s of sent) (m[s.chatId] ??= []).push(s.text);
    return m;
  };

  it('plays the quarter', async () => {
    const unit = async (id: number): Promise<Unit> => (await getUnit(app.handle.db, id))!;
    const district = await unit(demo.unitsByLevel.district![0]!);
    const communes = await Promise.all(demo.unitsByLevel.commune!.map(unit));
    const commune = communes.find((c) => c.parent_id === district.id)!;
    const hamlets = (await Promise.all(demo.unitsByLevel.village!.map(unit))).filter((u) => u.parent_id === commune.id);
    const [hamletA, hamletB, hamletC] = hamlets as [Unit, Unit, Unit];
    const officerOf = (unitId: number) => demo.people.officer.find((p) => p.unitId === unitId)!;
    const leaderOf = (unitId: number) => demo.people.leader.find((p) => p.unitId === unitId)!;
    const approverOf = (unitId: number) => demo.people.approver.find((p) => p.unitId === unitId)!;

    // officers and the chairman were tied to their Zalo accounts by the admin; each opens a private chat
    let nextId = 1;
    const zaloId = () => (0xb0000 + nextId++).toString(16).padStart(20, '0');
    const onZalo = async (p: DemoPerson): Promise<Who> => {
      const who = { fromId: zaloId(), name: p.name };
      await addIdentity(app.handle.db, { platform: 'zalo', externalId: who.fromId, personId: p.personId, displayName: p.name }, app.clock.now());
      await dm('/start', who);
      return who;
    };
    const districtOfficer = await onZalo(officerOf(district.id));
    const communeOfficer = await onZalo(officerOf(commune.id));
    const chairman = await onZalo(approverOf(commune.id));

    // 1. onboarding by code: the commune officer asks a code per hamlet leader; the leader opens a
    //    private chat with the bot (link in the text) and sends /nhanma CODE from their own account
    const onboard = async (h: Unit, expires = '09:00 17/03/2026'): Promise<Who> => {
      const leader = leaderOf(h.id);
      const out = await dm(`/moi tổ trưởng ${h.code}`, communeOfficer);
      expect(out).toHaveLength(1);
      const code = /\/nhanma (\S+)/.exec(out[0]!.text)![1]!;
      expect(out[0]).toMatchObject({ chatId: communeOfficer.fromId });
      expect(out[0]!.text).toBe(
        `🎟️ Mã mời làm tổ trưởng ${leader.name} tại ${h.name}: ${code}\n` +
          `Dùng một lần, hết hạn lúc ${expires}.\n` +
          `Gửi mã này riêng cho người được mời (đừng đăng vào nhóm). Họ mở chat riêng với bot trên Zalo hoặc Telegram và gõ:\n/nhanma ${code}\n` +
          `Mở chat riêng với bot (bấm đường dẫn hoặc quét mã QR): ${BOT_LINK}`,
      );
      const who = { fromId: zaloId(), name: leader.name };
      const claimed = byChat(await dm(`/nhanma ${code}`, who));
      expect(claimed).toEqual({
        [who.fromId]: [`✅ Tài khoản này đã được gắn với ${leader.name} trong hệ thống. Gõ /trogiup để xem các lệnh.`],
        [communeOfficer.fromId]: [
          `✅ ${leader.name} (${h.name}) đã dùng mã mời ${code}: tài khoản chat đã được gắn với danh sách; từ nay nhắc nhở và tin của ${h.name} sẽ đến chat riêng của họ.`,
        ],
      });
      return who;
    };
    const leaderA = await onboard(hamletA);
    const leaderB = await onboard(hamletB);
    const leaderC = await onboard(hamletC);

    // the mixed deployment: the district and hamlet C have Zalo groups, linked by @mentioning the bot
    const G = { district: 'zg-district-0001', hamletC: 'zg-hamlet-c-0002' };
    if (mode === 'private') {
      // a group someone made anyway is not linked: it would stay silent
      expect(byChat(await inGroup(`/lienket ${district.code}`, G.district, districtOfficer))).toEqual({
        [G.district]: [
          'Bot này được cài đặt để làm việc qua chat riêng, không dùng nhóm (ZALO_GROUPS=off): nhóm này sẽ không được liên kết. Mỗi người mở chat riêng với bot; nhắc nhở và tổng hợp sẽ đến chat riêng của người phụ trách.',
        ],
      });
    }
    if (grouped.has('district')) expect(byChat(await inGroup(`/lienket ${district.code}`, G.district, districtOfficer))[G.district]![0]).toContain(`Đã liên kết nhóm này với ${district.name}`);
    if (grouped.has('hamletC')) expect(byChat(await inGroup(`/lienket ${hamletC.code}`, G.hamletC, leaderC))[G.hamletC]![0]).toContain(`Đã liên kết nhóm này với ${hamletC.name}`);

    // 2. hamlet A reports in private: the template, filled, confirmed with "1" — no reply hint in a
    //    private chat (the bot sees every message there)
    let out = await dm('/mau', leaderA);
    const template = out.find((s) => s.text.startsWith('/baocao'))!;
    const filled = template.text
      .split('\n')
      .map((line, i) => (i === 0 ? line : line.replace(/:\s*.*$/, ': 40')))
      .join('\n');
    out = await dm(filled, leaderA);
    expect(out.at(-1)!.text).toMatch(/\n1\. Xác nhận\n2\. Hủy\nTrả lời bằng số từ 1 đến 2\.$/);
    expect(byChat(await dm('1', leaderA))).toEqual({ [leaderA.fromId]: [`✅ Đã lưu báo cáo quý 1/2026 của ${hamletA.name}. Cảm ơn!`] });
    expect(await latestReport(app.handle.db, hamletA.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    // … and amends one line the next day (version 2)
    app.clock.set('2026-03-11T10:00:00+07:00');
    const firstLine = filled.split('\n')[1]!.replace(/:\s*.*$/, '');
    out = await dm(`/baocao\n${firstLine}: 41`, leaderA);
    expect(out.at(-1)!.text).toContain(`✏️ ${firstLine}: 40 hộ → 41 hộ`);
    expect(byChat(await dm('1', leaderA))).toEqual({ [leaderA.fromId]: [`✅ Đã lưu bản sửa lần 2 báo cáo quý 1/2026 của ${hamletA.name}.`] });
    expect(await latestReport(app.handle.db, hamletA.id, '2026-Q1', 'periodic')).toMatchObject({ version: 2 });

    // 3. hamlet B reports too
    await dm(filled, leaderB);
    expect(byChat(await dm('ok', leaderB))).toEqual({ [leaderB.fromId]: [`✅ Đã lưu báo cáo quý 1/2026 của ${hamletB.name}. Cảm ơn!`] });

    // 4. the reminder before the hamlet deadline reaches only hamlet C (its leader in private; in the
    //    mixed deployment its group too), and the progress line reaches the commune's officer in
    //    private, naming hamlet D, whose leader has no chat with the bot yet
    app.clock.set('2026-03-13T09:00:00+07:00');
    let before = fake.sent.length;
    await app.scheduler.tick();
    await settle();
    const hamletD = hamlets[3]!;
    const due = 'còn 3 ngày, hạn trước 00:00 ngày 16/03/2026';
    const how = 'Gõ /baocao kèm các dòng "chỉ tiêu: số" để gửi, hoặc /mau để nhận mẫu báo cáo điền sẵn.';
    expect(byChat(fake.sent.slice(before))).toEqual({
      [leaderC.fromId]: [`⏰ Nhắc bạn: ${hamletC.name} chưa gửi báo cáo quý 1/2026, ${due}.\n${how}`],
      ...(grouped.has('hamletC')
        ? {
            [G.hamletC]: [
              `⏰ Nhắc báo cáo quý 1/2026 — ${hamletC.name}\nTổ trưởng ${leaderC.name}: ${hamletC.name} chưa gửi báo cáo, ${due}.\n${how}\n↩️ Trả lời (reply) tin nhắn này để gửi báo cáo.`,
            ],
          }
        : {}),
      [communeOfficer.fromId]: [
        `📊 Tiến độ báo cáo quý 1/2026 — ${commune.name}\n` +
          `2/4 ấp đã báo cáo; còn thiếu: ${hamletC.name} (tổ trưởng ${leaderC.name}); ${hamletD.name} (tổ trưởng ${leaderOf(hamletD.id).name})\n` +
          `Còn 3 ngày, hạn trước 00:00 ngày 16/03/2026.\n` +
          `⚠️ Chưa liên kết nhóm chat và tổ trưởng chưa mở chat riêng với bot, nên bot không nhắc được: ${hamletD.name} (tổ trưởng ${leaderOf(hamletD.id).name}). Hãy nhắc trực tiếp, và đề nghị tổ trưởng mở chat riêng với bot (hoặc liên kết nhóm bằng /lienket).`,
      ],
    });

    // hamlet C reports after the reminder
    const body = filled.split('\n').slice(1).join('\n');
    await dm(`/baocao\n${body}`, leaderC);
    expect(byChat(await dm('1', leaderC))).toEqual({ [leaderC.fromId]: [`✅ Đã lưu báo cáo quý 1/2026 của ${hamletC.name}. Cảm ơn!`] });

    // 5. a membership request in private reaches the commune's chairman in private (full phone, how
    //    to answer); the chairman approves by typing "duyệt <number>"; the proposer hears it
    const team = `Tổ công nghệ số cộng đồng ${hamletA.name}`;
    const asked = byChat(await dm('/themtv Lê Văn Mới | 0912345678 | thành viên', leaderA));
    const id = Number(/#(\d+)/.exec(asked[chairman.fromId]![0]!)![1]);
    expect(asked).toEqual({
      [leaderA.fromId]: [
        `📨 Đã gửi đề nghị #${id}: thêm Lê Văn Mới (Thành viên). Đang chờ người phê duyệt của ${commune.name} duyệt; danh sách tổ chỉ thay đổi khi được duyệt.`,
        `ℹ️ Nhóm chat của ${commune.name} chưa được liên kết; đề nghị đã được gửi riêng cho người phê duyệt.`,
      ],
      [chairman.fromId]: [
        `📥 Đề nghị #${id}: thêm Lê Văn Mới (Thành viên)\n• Tổ: ${team} (${hamletA.name})\n• Người: Lê Văn Mới — Thành viên\n• Số điện thoại: 0912 345 678\n` +
          `• Người đề nghị: ${leaderA.name}\nDuyệt: /duyet ${id} — Từ chối: /tuchoi ${id} <lý do>\nHoặc nhắn lại: duyệt ${id}  —  từ chối ${id} <lý do>`,
      ],
    });
    expect(byChat(await dm(`duyệt ${id}`, chairman))).toEqual({
      [leaderA.fromId]: [`✅ Đề nghị #${id} đã được duyệt (${chairman.name}): thêm Lê Văn Mới (Thành viên) — ${team}.`],
      [chairman.fromId]: [`✅ Đã duyệt đề nghị #${id}: thêm Lê Văn Mới (Thành viên). Đã báo riêng cho: ${leaderA.name}.`],
    });
    const roster = await app.handle.db
      .selectFrom('memberships as m')
      .innerJoin('people as p', 'p.id', 'm.person_id')
      .innerJoin('teams as t', 't.id', 'm.team_id')
      .select('p.display_name')
      .where('t.unit_id', '=', hamletA.id)
      .where('m.until', 'is', null)
      .execute();
    expect(roster.map((r) => r.display_name)).toContain('Lê Văn Mới');

    // 5b. the deadline passed with hamlet D missing: the commune's officer hears the overdue line and
    //     the chairman the escalation, both in private
    app.clock.set('2026-03-16T09:00:00+07:00');
    before = fake.sent.length;
    await app.scheduler.tick();
    await settle();
    const leaderD0 = leaderOf(hamletD.id).name;
    expect(byChat(fake.sent.slice(before))).toEqual({
      [communeOfficer.fromId]: [
        `❗ Quá hạn báo cáo quý 1/2026 — ${commune.name}\n3/4 ấp đã báo cáo; quá hạn chưa báo cáo: ${hamletD.name} (tổ trưởng ${leaderD0})\n` +
          `Đã quá hạn (hạn trước 00:00 ngày 16/03/2026).\n` +
          `⚠️ Chưa liên kết nhóm chat và tổ trưởng chưa mở chat riêng với bot, nên bot không nhắc được: ${hamletD.name} (tổ trưởng ${leaderD0}). Hãy nhắc trực tiếp, và đề nghị tổ trưởng mở chat riêng với bot (hoặc liên kết nhóm bằng /lienket).`,
      ],
      [chairman.fromId]: [
        `❗ Quá hạn báo cáo quý 1/2026 — ${commune.name}\nKính gửi ${chairman.name}: 1 đơn vị của ${commune.name} chưa báo cáo, đã quá hạn (hạn trước 00:00 ngày 16/03/2026): ${hamletD.name} (tổ trưởng ${leaderD0}).`,
      ],
    });

    // 6. the commune sends its roll-up up from a private chat: asked first (hamlet D missing), then
    //    the district's officer hears it in private — or the district's group where it has one
    app.clock.set('2026-03-18T08:00:00+07:00');
    out = await dm('/guilen', communeOfficer);
    expect(out.at(-1)!.text).toMatch(new RegExp(`^⚠️ Chưa đủ báo cáo để gửi tổng hợp quý 1/2026 lên ${district.name}:\n`));
    expect(out.at(-1)!.text).toMatch(/\n1\. Gửi lên\n2\. Chưa gửi\nTrả lời bằng số từ 1 đến 2\.$/);
    const up = byChat(await dm('1', communeOfficer));
    const upChat = grouped.has('district') ? G.district : districtOfficer.fromId;
    expect(Object.keys(up).sort()).toEqual([communeOfficer.fromId, upChat].sort());
    expect(up[communeOfficer.fromId]).toEqual([
      grouped.has('district')
        ? `✅ Đã gửi báo cáo tổng hợp quý 1/2026 (bản 1) lên nhóm của ${district.name}.`
        : `✅ Đã gửi báo cáo tổng hợp quý 1/2026 (bản 1) cho ${district.name} qua tin nhắn riêng: ${districtOfficer.name}.`,
    ]);
    const upward = up[upChat]!;
    expect(upward).toHaveLength(1);
    expect(upward[0]!.startsWith(
      `📥 ${commune.name} đã gửi báo cáo tổng hợp quý 1/2026 (bản 1).\n\n📈 Tổng hợp quý 1/2026 — ${commune.name}\n` +
        `Ấp: 3/4 đã báo cáo (3 đúng hạn, 0 muộn)\n  ❗ Chưa báo cáo (1): ${hamletD.name} (tổ trưởng ${leaderOf(hamletD.id).name})\n\n`,
    )).toBe(true);
    expect(upward[0]).toContain('• Tổng số hộ: 121 hộ\n'); // 41 + 40 + 40
    // the same words in a private chat as in a group
    upwardByMode.set(mode, upward[0]!);
    if (mode === 'mixed' && upwardByMode.has('private')) expect(upward[0]).toBe(upwardByMode.get('private'));

    // 7. hamlet D's leader, onboarded late, reports after the roll-up: the commune's officer is told
    //    in private that it came late, and that every hamlet has now reported
    app.clock.set('2026-03-19T08:00:00+07:00');
    const leaderD = await onboard(hamletD, '08:00 26/03/2026');
    await dm(`/baocao\n${body}`, leaderD);
    expect(byChat(await dm('1', leaderD))).toEqual({
      [leaderD.fromId]: [
        `✅ Đã lưu báo cáo quý 1/2026 của ${hamletD.name}. Cảm ơn!\nBáo cáo được ghi nhận là nộp muộn (sau khi cấp trên đã gửi tổng hợp).\nĐã báo cho ${commune.name}: lần /guilen tiếp theo sẽ gửi bản tổng hợp cập nhật.`,
      ],
      [communeOfficer.fromId]: [
        `📨 ${hamletD.name} vừa gửi báo cáo quý 1/2026 sau khi ${commune.name} đã gửi báo cáo tổng hợp lên cấp trên (ghi nhận nộp muộn). Lần /guilen tiếp theo sẽ gửi bản tổng hợp cập nhật có số liệu này.`,
        `✅ 4/4 ấp đã báo cáo quý 1/2026. Báo cáo tổng hợp của ${commune.name} đã sẵn sàng: gõ /tonghop để xem, /guilen để gửi lên cấp trên.`,
      ],
    });

    // the commune reopens hamlet A's quarter from a private chat: its leader is told in private
    const reopened = byChat(await dm(`/moky ${hamletA.name}`, communeOfficer));
    expect(reopened[leaderA.fromId]).toEqual([
      `🔓 ${communeOfficer.name} (${commune.name}) đã mở lại kỳ báo cáo quý 1/2026 cho ${hamletA.name}. Tổ trưởng gửi bản sửa bằng /baocao, chỉ cần các dòng cần sửa (các dòng khác giữ nguyên).`,
    ]);
    expect(reopened[communeOfficer.fromId]).toEqual([
      `🔓 Đã mở lại kỳ quý 1/2026 cho ${hamletA.name}. ${hamletA.name} có thể gửi bản sửa (/baocao với các dòng cần sửa); lần /guilen tiếp theo của ${commune.name} sẽ gửi bản tổng hợp có bản sửa.`,
    ]);
    expect(Object.keys(reopened).sort()).toEqual([communeOfficer.fromId, leaderA.fromId].sort());

    // 8. in a private chat a person working for several units is asked which one (numbered, or by
    //    typing the unit's name), for any command
    await grantRole(app.handle.db, { personId: officerOf(commune.id).personId, role: 'observer', unitId: district.id, grantedBy: null }, app.clock.now());
    out = await dm('/tiendo', communeOfficer);
    expect(out.map((m) => m.text)).toEqual([`Bạn phụ trách nhiều đơn vị. Chọn đơn vị:\n\n1. ${district.name}\n2. ${commune.name}\nTrả lời bằng số từ 1 đến 2.`]);
    out = await dm('Tân Lộc xyz', communeOfficer);
    expect(out.map((m) => m.text)).toEqual([`Không rõ đơn vị "Tân Lộc xyz". Trả lời bằng số từ 1 đến 2, hoặc gõ tên hay mã một đơn vị bạn phụ trách (gõ "hủy" để thôi).`]);
    out = await dm(commune.name, communeOfficer);
    expect(out).toHaveLength(1);
    expect(out[0]!.text).toContain(commune.name);
    expect(out[0]!.text).toContain('4/4');
    out = await dm('/tiendo', communeOfficer);
    out = await dm('1', communeOfficer);
    expect(out[0]!.text).toContain(district.name);

    // nothing went to a group that is not linked; in private mode, no group at all
    const groupsSent = fake.sent.filter((m) => m.chatId.startsWith('zg-')).map((m) => m.chatId);
    if (mode === 'private') expect(groupsSent).toEqual([G.district]); // the refusal above, nothing else
    else expect([...new Set(groupsSent)].sort()).toEqual([G.district, G.hamletC].sort());
    const notSent = await app.handle.db.selectFrom('outbox').select(['status', 'last_error']).where('status', '!=', 'sent').execute();
    expect(notSent).toEqual([]);
  });
}

describe('a quarter on Zalo with no group at all (ZALO_GROUPS=off)', () => play('private'));
describe('a quarter on Zalo with half the units in groups, half in private chats', () => play('mixed'));
