/**
 * Issue 10 §8: reminder progress lines and the "all have reported" notice call units by their own
 * kind — a ward's khóm are "khóm", not the level's first name ("ấp"), and a district's communes and
 * wards are "xã, phường" (ca-mau-2023 demo, through the simulator and the scheduler tick).
 */
import { getUnit } from '../../src/store/units';
import { upsertLink } from '../../src/store/chats';
import type { Unit } from '../../src/db/schema';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp, simDriver } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
const { say, person, press, botTexts } = simDriver(() => app, () => s);
let phuong: Unit;
let khom: Unit[];

beforeAll(async () => {
  app = await testApp({}, '2026-12-01T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  const db = app.handle.db;
  const ids = [...s.unitsByLevel.district!, ...s.unitsByLevel.commune!, ...s.unitsByLevel.village!];
  const units = await Promise.all(ids.map(async (id) => (await getUnit(db, id))!));
  for (const u of units) {
    await upsertLink(db, { platform: 'simulator', chatId: groupOf(u.id), unitId: u.id, teamId: null, title: u.name, linkedBy: null }, app.clock.now());
  }
  phuong = units.find((u) => u.name === 'Phường Tân Hưng Đông')!;
  khom = units.filter((u) => u.parent_id === phuong.id);
});
afterAll(() => app.cleanup());

it('the ward hears "khóm" at the reminder point, and "5/5 khóm" once all have reported', async () => {
  expect(khom.map((k) => k.name)).toEqual(['Khóm 1', 'Khóm 2', 'Khóm 3', 'Khóm 4', 'Khóm 5']);
  app.clock.set('2026-12-13T08:00:00+07:00');
  await app.scheduler.tick();
  await app.drainer.drainAll();
  const progress = botTexts(groupOf(phuong.id)).at(-1)!;
  expect(progress).toContain('\n0/5 khóm đã báo cáo; còn thiếu: Khóm 1 (');
  expect(progress).not.toContain(' ấp ');

  for (const k of khom) {
    const leader = person('leader', k.id).simulatorId!;
    await say(groupOf(k.id), leader, '/baocao\nHo huong dan: 10\nnguoi duoc huong dan 20');
    expect((await press(groupOf(k.id), leader, 'Xác nhận'))[0]!.text).toContain('✅ Đã lưu');
  }
  expect(botTexts(groupOf(phuong.id)).at(-1)).toMatch(/^✅ 5\/5 khóm đã báo cáo quý 4\/2026\./);
});
