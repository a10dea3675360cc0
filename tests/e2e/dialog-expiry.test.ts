/**
 * Questions expire (issue 10): a confirm button or a typed answer to a report echo older than 24 h,
 * from another version of the dialog state, or asked before the group was linked elsewhere, is
 * refused with "hết hạn" and nothing is stored.
 */
import type { DemoSummary } from '../../src/app/demo-seed';
import { DIALOG_VERSION, dialogExpiry, type DialogState } from '../../src/chat/context';
import { upsertLink } from '../../src/store/chats';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
const { say, press, person } = simDriver(() => app, () => s);
const EXPIRED = '⌛ Câu hỏi này đã hết hạn (quá 24 giờ, hoặc nhóm đã đổi liên kết) nên câu trả lời không được ghi nhận. Vui lòng gửi lại từ đầu.';
const REPORT = '/baocao\nHo huong dan: 10\nnguoi duoc huong dan: 20';

let village: number;
let other: number;
let leader: string;

beforeAll(async () => {
  app = await testApp({}, '2026-11-27T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  village = s.unitsByLevel.village![0]!;
  other = s.unitsByLevel.village![1]!;
  leader = person('leader', village!).simulatorId!;
  await upsertLink(app.handle.db, { platform: 'simulator', chatId: groupOf(village!), unitId: village!, teamId: null, title: null, linkedBy: null }, app.clock.now());
});
afterAll(() => app.cleanup());

const reports = async () => (await app.handle.db.selectFrom('reports').select('id').where('unit_id', '=', village).execute()).length;

it('a confirm button from 27/11 pressed on 14/12 is refused and stores nothing', async () => {
  const echo = await say(groupOf(village), leader, REPORT);
  expect(echo.at(-1)!.text).toContain('Hộ được hướng dẫn');
  app.clock.set('2026-12-14T09:00:00+07:00');
  const out = await press(groupOf(village), leader, 'Xác nhận');
  expect(out.map((m) => m.text)).toEqual([EXPIRED]);
  expect(await reports()).toBe(0);
  // the question is gone: a second press says the choice is no longer valid
  expect((await press(groupOf(village), leader, 'Xác nhận'))[0]!.text).toBe('Lựa chọn này đã hết hiệu lực. Vui lòng gõ lại lệnh.');
});

it('a typed answer ("ok") 25 hours later is refused too; within 24 hours it is taken', async () => {
  app.clock.set('2026-12-14T10:00:00+07:00');
  await say(groupOf(village), leader, REPORT);
  app.clock.advance(25 * 3_600_000);
  expect((await say(groupOf(village), leader, 'ok')).map((m) => m.text)).toEqual([EXPIRED]);
  expect(await reports()).toBe(0);
  // unrelated group chatter after an expired question gets no answer
  await say(groupOf(village), leader, REPORT);
  app.clock.advance(25 * 3_600_000);
  expect(await say(groupOf(village), leader, 'chiều nay họp thôn')).toEqual([]);

  await say(groupOf(village), leader, REPORT);
  app.clock.advance(23 * 3_600_000);
  const saved = await press(groupOf(village), leader, 'Xác nhận');
  expect(saved[0]!.text).toMatch(/^✅/);
  expect(await reports()).toBe(1);
});

it('a question asked before the group was linked to another unit is refused', async () => {
  await say(groupOf(village), leader, REPORT.replace('10', '11'));
  await upsertLink(app.handle.db, { platform: 'simulator', chatId: groupOf(village), unitId: other!, teamId: null, title: null, linkedBy: null }, app.clock.now());
  expect((await press(groupOf(village), leader, 'Xác nhận')).map((m) => m.text)).toEqual([EXPIRED]);
  expect(await reports()).toBe(1);
});

it('tells why a stored question expired: its version, its age, the chat link', () => {
  const at = new Date('2026-12-14T02:00:00Z');
  const state: DialogState = { v: DIALOG_VERSION, flow: 'x', data: {}, updatedAt: at.toISOString(), linkedUnitId: 5 };
  expect(dialogExpiry(state, new Date(at.getTime() + 24 * 3_600_000), 5)).toBeUndefined();
  expect(dialogExpiry(state, new Date(at.getTime() + 24 * 3_600_000 + 1), 5)).toBe('age');
  expect(dialogExpiry({ ...state, v: undefined }, at, 5)).toBe('version');
  expect(dialogExpiry(state, at, 6)).toBe('context');
  expect(dialogExpiry(state, at, null)).toBe('context');
});
