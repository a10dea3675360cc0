/**
 * Reports as people type them, end to end in a Cà Mau hamlet group (quarterly, 120 households in the
 * registry): what the leader sees and what is stored.
 */
import type { DemoSummary } from '../../src/app/demo-seed';
import { latestReport } from '../../src/store/reports';
import { getUnit } from '../../src/store/units';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
let hamlet: number;
let chat: string;
let leader: string;
const d = simDriver(() => app, () => s);
const say = async (text: string) => (await d.say(chat, leader, text)).map((m) => m.text);

beforeAll(async () => {
  app = await testApp({}, '2026-12-10T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  hamlet = s.unitsByLevel.village![0]!;
  chat = groupOf(hamlet);
  leader = d.person('leader', hamlet).simulatorId!;
  await say(`/lienket ${(await getUnit(app.handle.db, hamlet))!.code}`);
});
afterAll(() => app.cleanup());
afterEach(async () => {
  await say('hủy');
});

it('answers a report sent with Windows line endings (CRLF) in a group, and stores it once confirmed', async () => {
  const out = await say('/baocao Q4/2026\r\nHo huong dan: 45\r\nNguoi huong dan: 120\r\n');
  expect(out).toEqual(['📋 Báo cáo quý 4/2026 — Ấp Tân Thành\n• Hộ được hướng dẫn: 45 hộ\n• Lượt người được hướng dẫn: 120 lượt\n\nSố liệu trên đã đúng chưa?']);
  expect((await say('ok'))[0]).toContain('✅ Đã lưu báo cáo quý 4/2026');
  expect((await latestReport(app.handle.db, hamlet, '2026-Q4', 'periodic'))!.values).toEqual({ households_supported: 45, people_supported: 120 });
});

it('refuses a month for a quarterly profile, naming the quarter and the command to type', async () => {
  expect(await say('/baocao T11/2026\nHo huong dan: 45')).toEqual(['Đơn vị báo cáo theo quý, không theo tháng: tháng 11/2026 thuộc quý 4/2026. Gõ: /baocao Q4/2026']);
  expect(await say('/mau thang 11')).toEqual(['Đơn vị báo cáo theo quý, không theo tháng: tháng 11/2026 thuộc quý 4/2026. Gõ: /mau Q4/2026']);
});

it('never asks a village for the team and member counts the roster gives, in the template or the dialog', async () => {
  const tpl = await say('/mau');
  expect(tpl[1]!.split('\n').slice(0, 2)).toEqual(['/baocao Q4/2026', 'Tổng số hộ: ']);
  expect(tpl[1]).not.toMatch(/Số tổ|Số thành viên|Tổ CNSCĐ/);
  const guided = await say('/baocao');
  expect(guided[1]).toBe('(1/19) Tổng số hộ gia đình (hộ)?');
  expect((await say('/baocao\nSố tổ: 1\nHo huong dan: 45\nNguoi huong dan: 120'))[0]).toBe('ℹ️ Dòng 2 "Số tổ: 1": "Số tổ" lấy từ danh sách Tổ, không cần gõ, đã bỏ qua.');
});

it('names the bound it checked against: the hamlet’s households on record', async () => {
  expect(await say('/baocao\nTổng số hộ: 130\nHo huong dan: 45\nNguoi huong dan: 120')).toEqual([
    '❌ Báo cáo chưa được lưu: có 1 dòng cần sửa.\n• Dòng 2 "Tổng số hộ: 130": "Tổng số hộ" lớn hơn số hộ của ấp trong danh mục (120).\n\nSửa các dòng trên rồi gửi lại cả báo cáo.',
  ]);
});

it('keeps a report missing a required figure, asks for it, then confirms and stores the whole; a line not collected is skipped', async () => {
  const first = await say('/baocao Q3/2026 Ho huong dan: 30\nVNeID: 12\nVssID: 4');
  expect(first).toEqual([
    'ℹ️ Dòng 3 "VssID: 4": "Cài VssID" không thu ở cấp này, đã bỏ qua.\nBáo cáo còn thiếu 1 mục bắt buộc: Lượt người được hướng dẫn. Các số liệu đã gửi được giữ lại; trả lời câu hỏi dưới đây để bổ sung (gõ "hủy" để dừng).',
    '(1/1) Số lượt người dân được hướng dẫn, hỗ trợ (lượt)? (bắt buộc; gõ 0 nếu không có)',
  ]);
  const echo = await say('80');
  expect(echo[0]).toBe(
    '📋 Báo cáo quý 3/2026 — Ấp Tân Thành\n• Hộ được hướng dẫn: 30 hộ\n• Lượt người được hướng dẫn: 80 lượt\n• Kích hoạt VNeID mức 2: 12 người\n\n⚠️ Báo cáo đã quá hạn (hạn trước 00:00 ngày 16/09/2026): sẽ được ghi nhận là nộp muộn.\n\nSố liệu trên đã đúng chưa?',
  );
  expect((await say('1'))[0]).toContain('✅ Đã lưu báo cáo quý 3/2026');
  expect((await latestReport(app.handle.db, hamlet, '2026-Q3', 'periodic'))!.values).toEqual({ households_supported: 30, people_supported: 80, vneid_l2: 12 });
});

it('refuses approximations and percentages naming the line and what to write', async () => {
  const out = await say('/baocao\nHo huong dan: khoảng 50\nNguoi huong dan: 85%');
  expect(out).toEqual([
    [
      '❌ Báo cáo chưa được lưu: có 2 dòng cần sửa.',
      '• Dòng 2 "Ho huong dan: khoảng 50": "Hộ được hướng dẫn" cần số chính xác, không ghi ước lượng (khoảng, hơn, ~, 40-45). Ghi số đếm được, ví dụ "Hộ được hướng dẫn: 50".',
      '• Dòng 3 "Nguoi huong dan: 85%": "Lượt người được hướng dẫn" cần số lượt, không phải tỷ lệ %. Ghi số lượt đếm được, ví dụ "Lượt người được hướng dẫn: 45".',
      '',
      'Sửa các dòng trên rồi gửi lại cả báo cáo.',
    ].join('\n'),
  ]);
});
