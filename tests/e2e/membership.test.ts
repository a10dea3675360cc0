/**
 * Membership through the simulator (ca-mau-2023 demo): a hamlet leader proposes three people, one
 * is refused by a rule; the commune approver approves one and rejects one with a reason; a member
 * asks to leave and is approved; a non-approver's button press changes nothing. The roster and the
 * audit log show exactly that. Also: phones hidden in groups, the roll-up at the commune, stale
 * requests listed again, a Telegram-style join request, and /capquyen.
 */
import { auditEntries } from '../../src/store/audit';
import { roster } from '../../src/store/teams';
import { getUnit } from '../../src/store/units';
import { grantsOf } from '../../src/store/grants';
import { remindPendingRequests } from '../../src/chat/features/membership';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp, simDriver } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;

beforeAll(async () => {
  app = await testApp({}, '2026-12-01T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
});
afterAll(async () => {
  if (process.env.SHOW_CHATS) for (const c of [groupOf(s.unitsByLevel.commune![0]!), ...s.unitsByLevel.village!.slice(0, 1).map(groupOf)]) console.log(c + '\n' + sim().messages(c).map((m) => `[${m.from.name}] ${m.text}${m.buttons ? ' ' + JSON.stringify(m.buttons.flat().map((b) => b.label)) : ''}`).join('\n---\n'));
  await app.cleanup();
});

const { say, press, person, botTexts, lastBot } = simDriver(() => app, () => s);
const sim = () => app.simulator!;

const names = async (teamId: number) => (await roster(app.handle.db, teamId)).map((e) => `${e.name}/${e.role}`);

describe('membership through the simulator', () => {
  let commune: number;
  let hamlet: number;
  let teamId: number;
  let leader: string;
  let approver: string;
  let officer: string;
  let before: string[];
  let auditFrom: number;

  beforeAll(async () => {
    commune = s.unitsByLevel.commune![0]!;
    for (const id of s.unitsByLevel.village!) if ((await getUnit(app.handle.db, id))!.parent_id === commune) { hamlet = id; break; }
    teamId = s.teams.find((t) => t.unitId === hamlet)!.id;
    leader = person('leader', hamlet).simulatorId!;
    approver = person('approver', commune).simulatorId!;
    officer = person('officer', commune).simulatorId!;
    const c = (await getUnit(app.handle.db, commune))!;
    const h = (await getUnit(app.handle.db, hamlet))!;
    expect((await say(groupOf(commune), officer, `/lienket ${c.code}`))[0]!.text).toContain('Đã liên kết');
    expect((await say(groupOf(hamlet), leader, `/lienket ${h.code}`)).at(-1)!.text).toContain('Đã liên kết');
    before = await names(teamId);
    auditFrom = (await auditEntries(app.handle.db)).length;
  });

  it('runs the whole story; roster and audit log show exactly that', async () => {
    // 1. the leader proposes three people in one message; the second leader is refused by the rule
    const out = await say(
      groupOf(hamlet),
      leader,
      '/themtv Nguyễn Văn An | 0912 345 678 | thành viên | giáo viên\nTrần Thị Bích | +84 387 654 321 | tv | y tá\nLê Văn Cường | 0901234567 | tổ trưởng | công an viên',
    );
    const texts = out.map((m) => m.text);
    expect(texts[0]).toMatch(/^📨 Đã gửi đề nghị #\d+: thêm Nguyễn Văn An \(Thành viên\)/);
    expect(texts[1]).toMatch(/^📨 Đã gửi đề nghị #\d+: thêm Trần Thị Bích \(Thành viên\)/);
    expect(texts[2]).toContain('❌ Chưa thể đề nghị Lê Văn Cường vào tổ:');
    expect(texts[2]).toContain(`Tổ đã có tổ trưởng (${person('leader', hamlet).name}); mỗi tổ chỉ có 1 tổ trưởng.`);
    expect(texts[2]).toContain('(Quy định: Cà Mau 220/KH-UBND III.1.a-b (ít nhất 04 thành viên))');
    const [idA, idB] = texts.slice(0, 2).map((t) => Number(/#(\d+)/.exec(t)![1]));

    // 2. the requests are posted in the commune group with buttons; phones masked
    const posted = botTexts(groupOf(commune)).filter((t) => t.startsWith('📥 Đề nghị'));
    expect(posted).toHaveLength(2);
    expect(posted[0]).toContain(`📥 Đề nghị #${idA}: thêm Nguyễn Văn An (Thành viên)`);
    expect(posted[0]).toContain('• Số điện thoại: •••• ••• 678');
    expect(posted[0]).not.toContain('0912');
    expect(posted[0]).toContain(`Người phê duyệt: ${person('approver', commune).name}`);
    expect(posted[0]).toContain(`/duyet ${idA}`);

    // 3. nothing changed yet; the roster shows the pending requests
    expect(await names(teamId)).toEqual(before);
    const pendingRoster = (await say(groupOf(hamlet), leader, '/thanhvien'))[0]!.text;
    expect(pendingRoster).toContain('⏳ 2 đề nghị đang chờ duyệt');

    // 4. a non-approver (the commune officer) presses approve: refused, nothing changes
    const denied = await press(groupOf(commune), officer, `✅ Duyệt #${idA}`);
    expect(denied[0]!.text).toContain('Bạn không có quyền');
    expect(denied[0]!.text).toContain('Chỉ người phê duyệt của');
    expect(await names(teamId)).toEqual(before);
    // the leader who proposed it holds no role at the commune: told no more than about a number never used
    expect((await say(groupOf(commune), leader, `/duyet ${idA}`))[0]!.text).toBe(`Không có đề nghị #${idA} nào chờ bạn duyệt. Gõ /duyet để xem các đề nghị bạn được duyệt.`);
    expect(await names(teamId)).toEqual(before);

    // 5. the approver approves A by button; the decision is posted in the hamlet group
    const approved = await press(groupOf(commune), approver, `✅ Duyệt #${idA}`);
    expect(approved[0]!.text).toContain(`✅ Đã duyệt đề nghị #${idA}: thêm Nguyễn Văn An (Thành viên)`);
    expect(botTexts(groupOf(hamlet)).at(-1)).toContain(`✅ Đề nghị #${idA} đã được duyệt (${person('approver', commune).name}): thêm Nguyễn Văn An (Thành viên)`);
    expect(await names(teamId)).toEqual([...before, 'Nguyễn Văn An/member']);
    // pressing again: already decided
    expect((await press(groupOf(commune), approver, `✅ Duyệt #${idA}`))[0]!.text).toContain(`Đề nghị #${idA} đã được duyệt trước đó`);

    // 6. the approver rejects B with a reason, through the button and the reason question
    const ask = await press(groupOf(commune), approver, `❌ Từ chối #${idB}`);
    expect(ask[0]!.text).toContain(`Lý do từ chối đề nghị #${idB}?`);
    const rejected = await say(groupOf(commune), approver, 'Chưa có xác nhận của ấp');
    expect(rejected[0]!.text).toContain(`❌ Đã từ chối đề nghị #${idB}`);
    const told = botTexts(groupOf(hamlet)).at(-1)!;
    expect(told).toContain(`❌ Đề nghị #${idB} bị từ chối`);
    expect(told).toContain('Lý do: Chưa có xác nhận của ấp');
    expect(await names(teamId)).toEqual([...before, 'Nguyễn Văn An/member']);

    // 7. a member asks to leave; the approver approves with /duyet
    const m = person('member', hamlet);
    const leave = await say(groupOf(hamlet), m.simulatorId!, '/roitv');
    expect(leave[0]!.text).toMatch(new RegExp(`^📨 Đã gửi đề nghị #\\d+: ${m.name} \\(Thành viên\\) xin rời tổ`));
    const idC = Number(/#(\d+)/.exec(leave[0]!.text)![1]);
    expect(botTexts(groupOf(commune)).at(-1)).toContain(`📥 Đề nghị #${idC}: ${m.name} (Thành viên) xin rời tổ`);
    expect((await say(groupOf(commune), approver, `/duyet ${idC}`))[0]!.text).toContain(`✅ Đã duyệt đề nghị #${idC}`);
    const after = [...before.filter((x) => x !== `${m.name}/member`), 'Nguyễn Văn An/member'];
    expect(await names(teamId)).toEqual(after);

    // the roster in the group: no phone numbers
    const shown = (await say(groupOf(hamlet), leader, '/thanhvien'))[0]!.text;
    expect(shown).toContain('Nguyễn Văn An — Thành viên — giáo viên — từ 01/12/2026');
    expect(shown).not.toContain(m.name);
    expect(shown).not.toMatch(/0\d{3} \d{3} \d{3}/);
    expect(shown).toContain(`Số thành viên: ${after.length} (quy định ≥ 4)`);

    // the audit log: exactly these steps
    const log = (await auditEntries(app.handle.db)).slice(auditFrom).filter((e) => e.action.startsWith('membership.'));
    expect(log.map((e) => [e.action, e.subject])).toEqual([
      ['membership.request', `request:${idA}`],
      ['membership.request', `request:${idB}`],
      ['membership.refused', `team:${teamId}`],
      ['membership.denied', `request:${idA}`],
      ['membership.denied', `request:${idA}`],
      ['membership.approve', `request:${idA}`],
      ['membership.reject', `request:${idB}`],
      ['membership.request', `request:${idC}`],
      ['membership.approve', `request:${idC}`],
    ]);
    expect(JSON.parse(log[2]!.details!)).toMatchObject({ kind: 'join', rules: ['leader_taken'] });
    // no phone numbers in the audit log
    for (const e of log) expect(e.details ?? '').not.toMatch(/\d{9}/);
  });

  it('shows phones to the leader in a private chat only', async () => {
    const out = await say(`dm-${leader}`, leader, '/thanhvien');
    expect(out[0]!.text).toContain('Nguyễn Văn An — Thành viên — giáo viên — từ 01/12/2026 — 0912 345 678');
  });

  it('refuses invalid one-line input', async () => {
    const phone = await say(groupOf(hamlet), leader, '/themtv Phạm Văn Dũng | 0212345678 | thành viên');
    expect(phone[0]!.text).toContain('Số điện thoại "0212345678" không hợp lệ');
    const bad = await say(groupOf(hamlet), leader, '/themtv Phạm Văn Dũng | 0912000111 | trưởng nhóm | kỹ sư');
    expect(bad[0]!.text).toContain('Không hiểu vai trò "trưởng nhóm"');
  });

  it('proposes through the dialog, with a role button', async () => {
    expect((await say(groupOf(hamlet), leader, '/themtv'))[0]!.text).toContain('Họ và tên');
    expect((await say(groupOf(hamlet), leader, 'Đỗ Thị Hoa'))[0]!.text).toContain('Số điện thoại di động của Đỗ Thị Hoa');
    expect((await say(groupOf(hamlet), leader, '0123'))[0]!.text).toContain('không phải số di động');
    expect((await say(groupOf(hamlet), leader, '0977 111 222'))[0]!.text).toContain('Vai trò của Đỗ Thị Hoa');
    expect((await press(groupOf(hamlet), leader, 'Thành viên'))[0]!.text).toContain('Nghề nghiệp');
    const filed = await say(groupOf(hamlet), leader, 'nhân viên bưu điện');
    expect(filed[0]!.text).toMatch(/Đã gửi đề nghị #\d+: thêm Đỗ Thị Hoa \(Thành viên\)/);
  });

  it('decides by a reply to the request message (how it works on Zalo)', async () => {
    const filed = await say(groupOf(hamlet), leader, '/themtv Mai Văn Tú | 0966 123 456 | thành viên');
    const id = Number(/#(\d+)/.exec(filed[0]!.text)![1]);
    const post = sim().messages(groupOf(commune)).filter((m) => m.from.bot && m.text.startsWith(`📥 Đề nghị #${id}`)).at(-1)!;
    const out = await say(groupOf(commune), approver, 'Từ chối: không thường trú tại ấp', post.id);
    expect(out[0]!.text).toContain(`❌ Đã từ chối đề nghị #${id}`);
    expect(botTexts(groupOf(hamlet)).at(-1)).toContain('Lý do: không thường trú tại ấp');
  });

  it('lists stale requests to the approver again after remindAfterDays, once', async () => {
    app.clock.set('2026-12-03T09:00:00+07:00');
    expect(await remindPendingRequests(app.handle.db, app.clock.now())).toEqual([]);
    app.clock.set('2026-12-05T09:00:00+07:00');
    const out = await remindPendingRequests(app.handle.db, app.clock.now());
    expect(out).toHaveLength(1);
    expect(out[0]!.chat.id).toBe(groupOf(commune));
    expect(out[0]!.text).toContain('đề nghị đã chờ duyệt hơn 3 ngày');
    expect(out[0]!.text).toContain('thêm Đỗ Thị Hoa (Thành viên)');
    expect(await remindPendingRequests(app.handle.db, app.clock.now())).toEqual([]);
    app.clock.set('2026-12-08T09:00:01+07:00');
    expect(await remindPendingRequests(app.handle.db, app.clock.now())).toHaveLength(1);
  });

  it('shows counts per hamlet at the commune', async () => {
    const text = (await say(groupOf(commune), officer, '/thanhvien'))[0]!.text;
    const c = (await getUnit(app.handle.db, commune))!;
    expect(text).toContain(`📊 Danh sách thành viên — ${c.name}`);
    const h = (await getUnit(app.handle.db, hamlet))!;
    expect(text).toMatch(new RegExp(`• ${h.name}: \\d+ thành viên trong 1 tổ \\(1 tổ trưởng, 1 tổ phó, \\d+ thành viên\\)`));
    expect(text).toMatch(/Tổng cộng: \d+ thành viên trong \d+ tổ/);
  });

  it('routes a platform join request to the approver and approves it in the platform', async () => {
    const handle = (e: object) => app.core.handle({ platform: 'simulator', at: app.clock.now(), chat: { id: groupOf(hamlet), kind: 'group' }, ...e } as never);
    await handle({ type: 'join_request', eventId: 'jr1', member: { id: 'tg-777', displayName: 'Vũ Minh Khoa' }, sender: { id: 'tg-777', displayName: 'Vũ Minh Khoa' } });
    const db = app.handle.db;
    const req = await db.selectFrom('membership_requests').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(req.payload)).toMatchObject({ name: 'Vũ Minh Khoa', role: 'member', platformJoin: { userId: 'tg-777', chatId: groupOf(hamlet) } });
    await say(groupOf(commune), approver, `/duyet ${req.id}`);
    const rows = await db.selectFrom('outbox').select('payload').where('chat_id', '=', groupOf(hamlet)).orderBy('id', 'desc').limit(3).execute();
    const withAction = rows.map((r) => JSON.parse(r.payload)).find((p) => p.action);
    expect(withAction.action).toEqual({ kind: 'approve_join', userId: 'tg-777' });
    expect(withAction.text).toContain('thêm Vũ Minh Khoa');
    // a roster member asking to join the group is let in at once
    await handle({ type: 'join_request', eventId: 'jr2', member: { id: 'tg-777', displayName: 'Vũ Minh Khoa' }, sender: { id: 'tg-777', displayName: 'Vũ Minh Khoa' } });
    const last = JSON.parse((await db.selectFrom('outbox').select('payload').orderBy('id', 'desc').executeTakeFirstOrThrow()).payload);
    expect(last.action).toEqual({ kind: 'approve_join', userId: 'tg-777' });
    expect(last.text).toContain('đã có trong danh sách tổ');
    // now a member: may ask to leave, may not remove someone else
    expect((await say(groupOf(hamlet), 'tg-777', '/roitv 1')).at(-1)!.text).toContain('Chỉ tổ trưởng của Ấp');
  });

  it('says the rule source once per message, after the bullets (issue 10)', async () => {
    const mate = (await roster(app.handle.db, teamId)).find((e) => e.role === 'member' && e.phone)!;
    const out = await say(groupOf(hamlet), leader, `/themtv Hồ Văn Trùng | ${mate.phone} | tổ trưởng | nông dân`);
    const text = out[0]!.text;
    expect(text).toContain('❌ Chưa thể đề nghị Hồ Văn Trùng vào tổ:');
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('• '))).toEqual([
      `• ${mate.name} đã có trong danh sách tổ.`,
      `• Tổ đã có tổ trưởng (${person('leader', hamlet).name}); mỗi tổ chỉ có 1 tổ trưởng. Muốn thay tổ trưởng, dùng /vaitro.`,
    ]);
    expect(text.match(/Quy định:/g)).toHaveLength(1);
    expect(lines.at(-1)).toBe('(Quy định: Cà Mau 220/KH-UBND III.1.a-b (ít nhất 04 thành viên))');
  });

  it("warns when the phone is someone else's, naming only the unit where they serve (issue 10)", async () => {
    const other = s.people.member.find((p) => p.unitId !== hamlet && p.phone)!;
    const out = await say(groupOf(hamlet), leader, `/themtv Phạm Thị Mới | ${other.phone} | thành viên | nội trợ`);
    const warning = `⚠️ Số điện thoại này đã có trong danh sách của ${other.unitName} với một họ tên khác. Nếu là cùng một người thì cứ duyệt; nếu là người khác, hãy kiểm tra lại số điện thoại.`;
    expect(out[0]!.text).toMatch(/^📨 Đã gửi đề nghị #\d+: thêm Phạm Thị Mới \(Thành viên\)/);
    expect(out[0]!.text.split('\n')).toContain(warning);
    expect(out[0]!.text).not.toContain(other.name);
    // the approver sees it on the request too
    const posted = botTexts(groupOf(commune)).filter((t) => t.includes('thêm Phạm Thị Mới'));
    expect(posted.at(-1)!.split('\n')).toContain(warning);
    expect(posted.at(-1)).not.toContain(other.name);
    // the same person under the same name (accents aside) is no warning
    const same = await say(groupOf(hamlet), leader, `/themtv ${other.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '')} | ${other.phone} | thành viên`);
    expect(same[0]!.text).not.toContain('Số điện thoại này đã');
  });

  it('grants the approver role with /capquyen (officer), refusing a leader', async () => {
    const target = s.people.leader.find((p) => p.unitId !== hamlet && p.phone)!;
    const refused = await say(groupOf(commune), leader, `/capquyen phê duyệt ${target.phone}`);
    expect(refused[0]!.text).toContain('Bạn không có quyền');
    const ok = await say(groupOf(commune), officer, `/capquyen phê duyệt ${target.phone}`);
    expect(ok[0]!.text).toContain(`✅ Đã cấp quyền người phê duyệt tại`);
    expect((await grantsOf(app.handle.db, target.personId)).some((g) => g.role === 'approver' && g.unitId === commune)).toBe(true);
  });
});
