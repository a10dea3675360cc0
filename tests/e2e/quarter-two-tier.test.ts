/**
 * The same quarter under today's two-tier government (province → commune → village): no district
 * level anywhere, through the same code paths.
 */
import { getUnit } from '../../src/store/units';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
beforeAll(async () => {
  app = await testApp({}, '2026-12-09T09:00:00+07:00');
  s = await seed(app, 'two-tier-2025');
});
afterAll(() => app.cleanup());

async function say(chat: string, user: string, text: string) {
  const before = app.simulator!.messages(chat).length;
  await app.simulator!.say(chat, user, text);
  return app.simulator!.messages(chat).slice(before).filter((m) => m.from.bot).map((m) => m.text);
}
const sim = (role: keyof DemoSummary['people'], unitId: number) => s.people[role].find((p) => p.unitId === unitId && p.simulatorId)!.simulatorId!;

it('runs a quarter: villages report, the commune adds its own lines and sends up, the province sees it', async () => {
  expect(Object.keys(s.unitsByLevel)).toEqual(['province', 'commune', 'village']);
  const commune = s.unitsByLevel.commune![0]!;
  const villages: number[] = [];
  for (const id of s.unitsByLevel.village!) if ((await getUnit(app.handle.db, id))!.parent_id === commune) villages.push(id);
  const code = async (id: number) => (await getUnit(app.handle.db, id))!.code!;

  expect((await say(groupOf(s.rootId), sim('officer', s.rootId), `/lienket ${await code(s.rootId)}`))[0]).toContain('Đã liên kết');
  expect((await say(groupOf(commune), sim('leader', commune), `/lienket ${await code(commune)}`))[0]).toContain('cấp Xã');
  for (const v of villages) expect((await say(groupOf(v), sim('leader', v), `/lienket ${await code(v)}`))[0]).toContain('cấp Thôn');

  const [a, b] = villages as [number, number];
  // a village head asks where the village stands
  expect((await say(groupOf(a), sim('leader', a), '/tiendo'))[0]).toMatch(/chưa báo cáo — còn 7 ngày, hạn trước 00:00 ngày 16\/12\/2026/);
  await say(groupOf(a), sim('leader', a), '/baocao\nho huong dan: 40\nnguoi huong dan: 90');
  expect((await say(groupOf(a), sim('leader', a), 'đồng ý'))[0]).toContain('✅ Đã lưu');
  expect((await say(groupOf(a), sim('leader', a), '/tiendo'))[0]).toContain('đã báo cáo đúng hạn');
  await say(groupOf(b), sim('leader', b), '/report Q4/2026\nho huong dan: 25\nnguoi huong dan: 50');
  expect((await say(groupOf(b), sim('leader', b), '1'))[0]).toContain('✅ Đã lưu');

  // the commune team's own lines
  await say(groupOf(commune), sim('leader', commune), '/baocao\nho huong dan: 10\nnguoi huong dan: 20\nSo buoi tuyen truyen: 3\nKho khan: thieu may chieu');
  const own = await say(groupOf(commune), sim('leader', commune), 'ok');
  expect(own[0]).toContain('/guilen');

  const progress = (await say(groupOf(commune), sim('leader', commune), '/tiendo'))[0]!;
  expect(progress).toContain(`Thôn: 2/${villages.length} đã báo cáo (2 đúng hạn, 0 muộn)`);

  // one village has not reported (and its deadline is a week away): asked first
  const ask = await say(groupOf(commune), sim('leader', commune), '/guilen');
  expect(ask[0]).toContain('⚠️ Chưa đủ báo cáo để gửi tổng hợp quý 4/2026');
  const sent = await say(groupOf(commune), sim('leader', commune), 'gửi');
  expect(sent[0]).toContain('✅ Đã gửi báo cáo tổng hợp quý 4/2026');
  const posted = app.simulator!.messages(groupOf(s.rootId)).filter((m) => m.from.bot).at(-1)!.text;
  // 40 + 25 from the villages, 10 from the commune's own lines (no household count: not in the share)
  expect(posted).toMatch(/• Hộ được hướng dẫn: 75 hộ; riêng 2 đơn vị có tổng số hộ: 65\/\d+ hộ \(\d+,\d%\)/);
  expect(posted).toContain('Số buổi tuyên truyền: 3 buổi');
  expect(posted).toContain('thieu may chieu');

  const prov = (await say(groupOf(s.rootId), sim('officer', s.rootId), '/tiendo'))[0]!;
  // units by their own kinds: the province has wards among its communes, khóm among its villages
  expect(prov).toMatch(/\nXã, phường: 1\/\d+ đã báo cáo \(1 đúng hạn, 0 muộn\)\n/);
  expect(prov).toMatch(/\nThôn, khóm: 2\/\d+ đã báo cáo/);
  expect(prov).not.toContain('Huyện');
  const missing = (await getUnit(app.handle.db, villages.at(-1)!))!;
  expect(prov).toContain(missing.name);
});
