/**
 * Roll-ups people can trust (issue 10 §1–3, §8), through the simulator on the ca-mau-2023 demo:
 * the summary adds up over the hamlets that reported and says so, every percentage shows its
 * numerator and denominator, the whole commune (unit list, roster) is shown apart, teams and members
 * come from the roster; /guilen asks before sending with a hamlet missing, names it (and its leader)
 * in what is posted up, refuses to post an unchanged copy, and after a late report sends an update
 * that says what changed. Units are called by their own kind (ấp, khóm, phường).
 */
import { getUnit } from '../../src/store/units';
import { upsertLink } from '../../src/store/chats';
import { addMember, teamsOfUnit } from '../../src/store/teams';
import { createPerson } from '../../src/store/people';
import { storeReport } from '../../src/app/reporting';
import { getProfile } from '../../src/app/profiles';
import type { Unit } from '../../src/db/schema';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp, simDriver } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
const { say, person, press, botTexts } = simDriver(() => app, () => s);
const Q4 = { cycle: 'quarter' as const, year: 2026, index: 4 };

let district: Unit;
let xa: Unit;
let phuong: Unit;
let hamlets: Unit[];
let khom: Unit[];

beforeAll(async () => {
  app = await testApp({}, '2026-12-01T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  const db = app.handle.db;
  const all = async (lvl: string) => Promise.all(s.unitsByLevel[lvl]!.map(async (id) => (await getUnit(db, id))!));
  const [districts, communes, villages] = [await all('district'), await all('commune'), await all('village')];
  for (const u of [...districts, ...communes, ...villages]) {
    await upsertLink(db, { platform: 'simulator', chatId: groupOf(u.id), unitId: u.id, teamId: null, title: u.name, linkedBy: null }, app.clock.now());
  }
  district = districts[0]!;
  [xa, phuong] = communes.filter((c) => c.parent_id === district.id) as [Unit, Unit];
  hamlets = villages.filter((v) => v.parent_id === xa.id);
  khom = villages.filter((v) => v.parent_id === phuong.id);
});
afterAll(() => app.cleanup());

const officer = (u: Unit) => person('officer', u.id).simulatorId!;

async function report(v: Unit, guided: number, people: number) {
  const leader = person('leader', v.id).simulatorId!;
  await say(groupOf(v.id), leader, `/baocao\nHo huong dan: ${guided}\nnguoi duoc huong dan ${people}`);
  expect((await press(groupOf(v.id), leader, 'Xác nhận'))[0]!.text).toContain('✅ Đã lưu');
}

describe('a ward of khóm (units called by their own kind; teams and members from the roster)', () => {
  it('/tiendo in the ward says "Khóm", and the district says "Xã, phường"', async () => {
    app.clock.set('2026-12-02T09:00:00+07:00');
    expect(phuong.name).toBe('Phường Tân Hưng Đông');
    const ward = (await say(groupOf(phuong.id), officer(phuong), '/tiendo'))[0]!.text;
    expect(ward).toContain(
      [
        '',
        'Khóm: 0/5 đã báo cáo (0 đúng hạn, 0 muộn)',
        '  ❗ Chưa báo cáo (5): Khóm 1 (tổ trưởng Bùi Quốc Phong); Khóm 2 (tổ trưởng Dương Hữu Tuấn); Khóm 3 (tổ trưởng Nguyễn Thanh Dũng); Khóm 4 (tổ trưởng Huỳnh Văn Khánh); Khóm 5 (tổ trưởng Bùi Minh Phúc)',
        '  còn 14 ngày, hạn trước 00:00 ngày 16/12/2026',
      ].join('\n'),
    );
    const up = (await say(groupOf(district.id), officer(district), '/tiendo'))[0]!.text;
    expect(up).toContain('\nXã, phường: 0/2 đã báo cáo (0 đúng hạn, 0 muộn)\n  ❗ Chưa báo cáo (2): Phường Tân Hưng Đông; Xã Tân Lộc\n');
    expect(up).toContain('\nKhóm, ấp: 0/9 đã báo cáo (0 đúng hạn, 0 muộn)\n');
    expect(up).not.toContain('Ấp/Khóm');
  });

  it('typed team counts are ignored: the roster counts, including a member added today', async () => {
    // every khóm reports, typing a wrong team count (what leaders typed used to be summed)
    for (const k of khom) {
      await storeReport(app.handle.db, {
        unit: k,
        teamId: null,
        period: Q4,
        values: { team_count: 9, member_count: 1, households_supported: 50 },
        personId: person('leader', k.id).personId,
        at: app.clock.now(),
        profile: getProfile('ca-mau-2023'),
      });
    }
    const team = (await teamsOfUnit(app.handle.db, khom[0]!.id))[0]!;
    const newcomer = await createPerson(app.handle.db, { displayName: 'Phan Thị Mới' }, app.clock.now());
    await addMember(app.handle.db, { teamId: team.id, personId: newcomer.id, role: 'member' }, app.clock.now());
    const text = (await say(groupOf(phuong.id), officer(phuong), '/tonghop'))[0]!.text;
    expect(text).toContain(['📋 Toàn Phường Tân Hưng Đông:', '• Số tổ theo danh sách tổ: 5 tổ', '• Số thành viên theo danh sách tổ: 21 người'].join('\n'));
    expect(text).not.toContain('45 tổ');
    expect(text).toContain('• Hộ được hướng dẫn: 250/1.710 hộ (14,6%)');
  });

  it('/guilen before the khóm deadline, everyone in: asks first, saying the deadline has not come', async () => {
    const ask = await say(groupOf(phuong.id), officer(phuong), '/guilen');
    expect(ask.map((m) => m.text)).toEqual([
      [
        '⏳ Chưa đến hạn báo cáo của cấp dưới (quý 4/2026):',
        '',
        'Khóm: 5/5 đã báo cáo (5 đúng hạn, 0 muộn)',
        '  Hạn của khóm: còn 14 ngày, hạn trước 00:00 ngày 16/12/2026',
        '',
        'Tất cả đã báo cáo. Sau khi gửi lên, đơn vị nào muốn sửa số liệu phải xin mở lại kỳ báo cáo.',
        'Vẫn gửi lên Huyện Tân Phước bây giờ?',
      ].join('\n'),
    ]);
    // a typed yes works as well as the button
    expect((await say(groupOf(phuong.id), officer(phuong), 'gửi lên'))[0]!.text).toBe(
      '✅ Đã gửi báo cáo tổng hợp quý 4/2026 (bản 1) lên nhóm của Huyện Tân Phước.',
    );
    expect(botTexts(groupOf(district.id)).at(-1)).toMatch(/^📥 Phường Tân Hưng Đông đã gửi báo cáo tổng hợp quý 4\/2026 \(bản 1\)\.\n/);
    expect(botTexts(groupOf(district.id)).at(-1)).toContain('\nKhóm: 5/5 đã báo cáo (5 đúng hạn, 0 muộn)\n');
  });
});

describe('a commune with one hamlet missing (ca-mau-2023, quarter 4/2026)', () => {
  it('sets the scene: hamlets, households in the unit list, leaders', () => {
    expect(xa.name).toBe('Xã Tân Lộc');
    expect(hamlets.map((h) => [h.name, h.households])).toEqual([
      ['Ấp Tân Thành', 120],
      ['Ấp Bình Định', 157],
      ['Ấp Rạch Gốc', 194],
      ['Ấp Cái Keo', 231],
    ]);
    expect(person('leader', hamlets[3]!.id).name).toBe('Lê Văn Quân');
  });

  it('/tonghop: totals over the 3 hamlets that reported, 225/471 hộ (47,8%), the whole commune apart, teams from the roster', async () => {
    app.clock.set('2026-12-05T09:00:00+07:00');
    await report(hamlets[0]!, 100, 240);
    await report(hamlets[1]!, 80, 150);
    await report(hamlets[2]!, 45, 90);
    const out = await say(groupOf(xa.id), officer(xa), '/tonghop');
    expect(out.map((m) => m.text)).toEqual([
      [
        '📈 Tổng hợp quý 4/2026 — Xã Tân Lộc (bản nháp, chưa gửi lên)',
        'Ấp: 3/4 đã báo cáo (3 đúng hạn, 0 muộn)',
        '  ❗ Chưa báo cáo (1): Ấp Cái Keo (tổ trưởng Lê Văn Quân)',
        '',
        '📊 Số liệu của 3/4 ấp đã báo cáo (đơn vị chưa báo cáo không được tính, không coi là 0):',
        '• Tổng số hộ: 471 hộ',
        '• Hộ được hướng dẫn: 225/471 hộ (47,8%)',
        '• Lượt người được hướng dẫn: 480 lượt',
        '🎯 Chỉ tiêu hộ được hướng dẫn ≥ 80,0% tổng số hộ (377/471 hộ): chưa đạt — 225/471 hộ (47,8%)',
        '',
        '📋 Toàn Xã Tân Lộc (gồm cả đơn vị chưa báo cáo):',
        '• Số tổ theo danh sách tổ: 4 tổ',
        '• Số thành viên theo danh sách tổ: 16 người',
        '• Tổng số hộ theo danh mục đơn vị: 702 hộ (4 đơn vị)',
        '',
        '🏆 Nhiều hộ được hướng dẫn nhất: Ấp Tân Thành (100 hộ), Ấp Bình Định (80 hộ), Ấp Rạch Gốc (45 hộ)',
        '',
        'Gõ /guilen để gửi báo cáo tổng hợp này lên cấp trên.',
      ].join('\n'),
    ]);
  });

  const QUESTION = [
    '⚠️ Chưa đủ báo cáo để gửi tổng hợp quý 4/2026 lên Huyện Tân Phước:',
    '',
    'Ấp: 3/4 đã báo cáo (3 đúng hạn, 0 muộn)',
    '  ❗ Chưa báo cáo (1): Ấp Cái Keo (tổ trưởng Lê Văn Quân)',
    '  Hạn của ấp: còn 11 ngày, hạn trước 00:00 ngày 16/12/2026',
    '',
    'Nếu gửi bây giờ, số liệu của các đơn vị chưa báo cáo không được tính (không coi là 0). Khi họ báo cáo, gõ /guilen để gửi bản cập nhật.',
    'Vẫn gửi lên Huyện Tân Phước bây giờ?',
  ].join('\n');

  it('/guilen with a hamlet missing 11 days before its deadline asks first, naming it; "Chưa gửi" sends nothing', async () => {
    const before = botTexts(groupOf(district.id)).length;
    const ask = await say(groupOf(xa.id), officer(xa), '/guilen');
    expect(ask.map((m) => m.text)).toEqual([QUESTION]);
    expect(ask[0]!.buttons!.flat().map((b) => b.label)).toEqual(['Gửi lên', 'Chưa gửi']);
    expect((await press(groupOf(xa.id), officer(xa), 'Chưa gửi')).map((m) => m.text)).toEqual([
      'Chưa gửi. Gõ /guilen khi muốn gửi báo cáo tổng hợp lên cấp trên.',
    ]);
    expect(botTexts(groupOf(district.id))).toHaveLength(before);
    expect(await app.handle.db.selectFrom('reports').select('id').where('unit_id', '=', xa.id).execute()).toEqual([]);
  });

  it('"Gửi lên" sends: the district group reads who is missing, with the leader', async () => {
    const before = botTexts(groupOf(district.id)).length;
    expect((await say(groupOf(xa.id), officer(xa), '/guilen')).map((m) => m.text)).toEqual([QUESTION]);
    expect((await press(groupOf(xa.id), officer(xa), 'Gửi lên')).map((m) => m.text)).toEqual([
      '✅ Đã gửi báo cáo tổng hợp quý 4/2026 (bản 1) lên nhóm của Huyện Tân Phước.',
    ]);
    expect(botTexts(groupOf(district.id)).slice(before).find((t) => t.startsWith('📥'))).toBe(
      [
        '📥 Xã Tân Lộc đã gửi báo cáo tổng hợp quý 4/2026 (bản 1).',
        '',
        '📈 Tổng hợp quý 4/2026 — Xã Tân Lộc',
        'Ấp: 3/4 đã báo cáo (3 đúng hạn, 0 muộn)',
        '  ❗ Chưa báo cáo (1): Ấp Cái Keo (tổ trưởng Lê Văn Quân)',
        '',
        '📊 Số liệu của 3/4 ấp đã báo cáo (đơn vị chưa báo cáo không được tính, không coi là 0):',
        '• Tổng số hộ: 471 hộ',
        '• Hộ được hướng dẫn: 225/471 hộ (47,8%)',
        '• Lượt người được hướng dẫn: 480 lượt',
        '🎯 Chỉ tiêu hộ được hướng dẫn ≥ 80,0% tổng số hộ (377/471 hộ): chưa đạt — 225/471 hộ (47,8%)',
        '',
        '📋 Toàn Xã Tân Lộc (gồm cả đơn vị chưa báo cáo):',
        '• Số tổ theo danh sách tổ: 4 tổ',
        '• Số thành viên theo danh sách tổ: 16 người',
        '• Tổng số hộ theo danh mục đơn vị: 702 hộ (4 đơn vị)',
        '',
        '🏆 Nhiều hộ được hướng dẫn nhất: Ấp Tân Thành (100 hộ), Ấp Bình Định (80 hộ), Ấp Rạch Gốc (45 hộ)',
      ].join('\n'),
    );
  });

  it('a second /guilen that changes nothing says so and posts no copy', async () => {
    const before = botTexts(groupOf(district.id)).length;
    app.clock.set('2026-12-06T10:00:00+07:00');
    expect((await say(groupOf(xa.id), officer(xa), '/guilen')).map((m) => m.text)).toEqual([
      'ℹ️ Báo cáo tổng hợp quý 4/2026 không có gì thay đổi so với bản 1 đã gửi lên Huyện Tân Phước lúc 09:00 ngày 05/12/2026, nên không gửi lại. Khi đơn vị cấp dưới báo cáo thêm hoặc sửa số liệu, gõ /guilen để gửi bản cập nhật.',
    ]);
    expect(botTexts(groupOf(district.id))).toHaveLength(before);
    expect((await say(groupOf(xa.id), officer(xa), '/tonghop'))[0]!.text).toMatch(/\n\nĐây là số liệu của bản 1 đã gửi lên; chưa có gì thay đổi\.$/);
  });

  it('after a late report the next /guilen sends an updated version saying what changed', async () => {
    // the hamlet reports late, after the commune sent up (stored by the report use case, as the
    // report flow does once a late first report is accepted)
    app.clock.set('2026-12-17T10:00:00+07:00');
    const late = hamlets[3]!;
    await storeReport(app.handle.db, {
      unit: late,
      teamId: null,
      period: Q4,
      values: { households_supported: 30, people_supported: 60 },
      personId: person('leader', late.id).personId,
      at: app.clock.now(),
      profile: getProfile('ca-mau-2023'),
    });
    expect((await say(groupOf(xa.id), officer(xa), '/tonghop'))[0]!.text).toMatch(/\n\nSố liệu đã thay đổi so với bản 1 đã gửi lên\. Gõ \/guilen để gửi bản cập nhật\.$/);
    // every hamlet is in and their deadline has passed: sent without a question
    expect((await say(groupOf(xa.id), officer(xa), '/guilen')).map((m) => m.text)).toEqual([
      [
        '✅ Đã gửi bản cập nhật báo cáo tổng hợp quý 4/2026 (bản 2, thay cho bản 1) lên nhóm của Huyện Tân Phước.',
        '🔄 Thay đổi so với bản 1:',
        '  • Thêm báo cáo của 1 đơn vị: Ấp Cái Keo',
        '  • Tổng số hộ: 471 → 702 hộ',
        '  • Hộ được hướng dẫn: 225 → 255 hộ',
        '  • Lượt người được hướng dẫn: 480 → 540 lượt',
      ].join('\n'),
    ]);
    expect(botTexts(groupOf(district.id)).filter((t) => t.startsWith('📥')).at(-1)).toBe(
      [
        '📥 Xã Tân Lộc đã gửi bản cập nhật báo cáo tổng hợp quý 4/2026 (bản 2, thay cho bản 1).',
        '🔄 Thay đổi so với bản 1:',
        '  • Thêm báo cáo của 1 đơn vị: Ấp Cái Keo',
        '  • Tổng số hộ: 471 → 702 hộ',
        '  • Hộ được hướng dẫn: 225 → 255 hộ',
        '  • Lượt người được hướng dẫn: 480 → 540 lượt',
        '',
        '📈 Tổng hợp quý 4/2026 — Xã Tân Lộc',
        'Ấp: 4/4 đã báo cáo (3 đúng hạn, 1 muộn)',
        '  ⏰ Nộp muộn (1): Ấp Cái Keo (tổ trưởng Lê Văn Quân)',
        '',
        '📊 Số liệu của 4/4 ấp đã báo cáo:',
        '• Tổng số hộ: 702 hộ',
        '• Hộ được hướng dẫn: 255/702 hộ (36,3%)',
        '• Lượt người được hướng dẫn: 540 lượt',
        '🎯 Chỉ tiêu hộ được hướng dẫn ≥ 80,0% tổng số hộ (562/702 hộ): chưa đạt — 255/702 hộ (36,3%)',
        '',
        '📋 Toàn Xã Tân Lộc:',
        '• Số tổ theo danh sách tổ: 4 tổ',
        '• Số thành viên theo danh sách tổ: 16 người',
        '',
        '🏆 Nhiều hộ được hướng dẫn nhất: Ấp Tân Thành (100 hộ), Ấp Bình Định (80 hộ), Ấp Rạch Gốc (45 hộ)',
        '💪 Ít hộ được hướng dẫn nhất: Ấp Cái Keo (30 hộ)',
      ].join('\n'),
    );
    const versions = await app.handle.db.selectFrom('reports').select(['version', 'source']).where('unit_id', '=', xa.id).orderBy('version').execute();
    expect(versions).toEqual([
      { version: 1, source: 'rollup' },
      { version: 2, source: 'rollup' },
    ]);
  });

  it('/hanchot lists the deadlines and ends with a line for users, not the profile’s internal note', async () => {
    expect((await say(groupOf(xa.id), officer(xa), '/hanchot')).map((m) => m.text)).toEqual([
      [
        '📅 Hạn báo cáo (Cà Mau (KH 220/KH-UBND, 2023)):',
        '• Ấp/Khóm — quý 1/2027: còn 89 ngày, hạn trước 00:00 ngày 16/03/2027',
        '• Xã — quý 4/2026: còn 4 ngày, hạn trước 00:00 ngày 21/12/2026',
        '• Huyện — quý 4/2026: còn 9 ngày, hạn trước 00:00 ngày 26/12/2026',
        '',
        'Gõ /tiendo để xem đơn vị nào đã báo cáo, đơn vị nào còn thiếu.',
      ].join('\n'),
    ]);
  });
});
