/**
 * Linking cannot hijack a group (issue 10 §6): re-linking a linked group needs the right to link at
 * the unit it is linked to now and at the new one, and a confirmation naming both (buttons in the
 * simulator, numbered answers on Zalo); a title that does not match the new unit's pattern warns.
 */
import type { MessageEvent } from '../../src/chat/types';
import type { DemoSummary } from '../../src/app/demo-seed';
import { auditEntries } from '../../src/store/audit';
import { getLink } from '../../src/store/chats';
import { allOutbox } from '../../src/outbox/store';
import { getUnit } from '../../src/store/units';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
const sim = simDriver(() => app, () => s);
const unit = async (id: number) => (await getUnit(app.handle.db, id))!;
const officerOf = (unitId: number) => s.people.officer.find((p) => p.unitId === unitId && p.simulatorId)!;
const linkedUnit = async (chat: string, platform = 'simulator') => (await getLink(app.handle.db, platform, chat))?.unit_id;

let province: number;
let tanLoc: number;
let village: number;
let otherVillage = 0;

beforeAll(async () => {
  app = await testApp({}, '2026-12-10T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  province = s.rootId;
  tanLoc = s.unitsByLevel.commune![0]!;
  village = s.unitsByLevel.village![0]!; // Ấp Tân Thành, in Xã Tân Lộc
  const communeB = s.unitsByLevel.commune![1]!; // Phường Tân Hưng Đông
  for (const v of s.unitsByLevel.village!) if ((await unit(v)).parent_id === communeB) { otherVillage = v; break; }
  for (const id of [province, village]) await sim.say(groupOf(id), 'sim-admin', `/lienket ${(await unit(id)).code}`);
});
afterAll(() => app.cleanup());

it("refuses another commune's officer who re-links a village group to their own village, and changes nothing", async () => {
  const [a, b] = [await unit(village), await unit(otherVillage)];
  const officerB = officerOf(b.parent_id!);
  const out = await sim.say(groupOf(village), officerB.simulatorId!, `/lienket ${b.code}`);
  expect(out.map((m) => m.text)).toEqual([
    `⛔ Nhóm này đang liên kết với ${a.name}. Bạn không có quyền chuyển nhóm sang ${b.name}. Chỉ tổ trưởng của ${a.name}, cán bộ của ${a.name} hoặc cấp trên, hoặc quản trị viên được làm việc này.`,
  ]);
  expect(await linkedUnit(groupOf(village))).toBe(village);
  expect((await auditEntries(app.handle.db, 'chat.relink_denied')).length).toBe(1);
});

it("refuses a village leader who would move another village's group to their own village", async () => {
  const leaderB = s.people.leader.find((p) => p.unitId === otherVillage && p.simulatorId)!;
  const out = await sim.say(groupOf(village), leaderB.simulatorId!, `/lienket ${(await unit(otherVillage)).code}`);
  expect(out[0]!.text).toContain(`⛔ Nhóm này đang liên kết với ${(await unit(village)).name}.`);
  expect(await linkedUnit(groupOf(village))).toBe(village);
});

it('asks a province officer who types /lienket Tan Loc in the province group, naming both; keeping changes nothing', async () => {
  const officer = officerOf(province).simulatorId!;
  const out = await sim.say(groupOf(province), officer, '/lienket Tan Loc');
  expect(out).toHaveLength(1);
  expect(out[0]!.text).toBe(
    '⚠️ Nhóm này đang liên kết với Tỉnh Minh Phú. Chuyển nhóm sang Xã Tân Lộc?\nNếu chuyển, báo cáo, nhắc hạn và tổng hợp của Tỉnh Minh Phú sẽ không gửi vào nhóm này nữa.',
  );
  expect(out[0]!.buttons!.flat().map((b) => b.label)).toEqual(['Chuyển sang Tân Lộc', 'Giữ Minh Phú']);
  expect(await linkedUnit(groupOf(province))).toBe(province);
  const kept = await sim.press(groupOf(province), officer, 'Giữ Minh Phú');
  expect(kept.map((m) => m.text)).toEqual(['Đã giữ liên kết với Tỉnh Minh Phú. Nhóm không thay đổi.']);
  expect(await linkedUnit(groupOf(province))).toBe(province);
});

it('moves the group once the province officer confirms, and audits the previous unit', async () => {
  const officer = officerOf(province).simulatorId!;
  const group = 'g-relink';
  await sim.say(group, officer, `/lienket ${(await unit(province)).code}`);
  expect(await linkedUnit(group)).toBe(province);
  await sim.say(group, officer, '/lienket Tan Loc');
  // a stranger cannot answer someone else's question
  await sim.press(group, 'sim-stranger', 'Chuyển sang Tân Lộc');
  expect(await linkedUnit(group)).toBe(province);
  const moved = await sim.press(group, officer, 'Chuyển sang Tân Lộc');
  expect(moved[0]!.text).toContain('✅ Đã liên kết nhóm này với Xã Tân Lộc');
  expect(await linkedUnit(group)).toBe(tanLoc);
  const entry = (await auditEntries(app.handle.db, 'chat.link')).at(-1)!;
  expect(JSON.parse(entry.details!)).toMatchObject({ previousUnit: province });
});

it('on Zalo the confirmation is numbered, and "1" moves the group', async () => {
  const officer = officerOf(province);
  await app.handle.db
    .insertInto('identities')
    .values({ platform: 'zalo', external_id: 'za-officer', person_id: officer.personId, display_name: officer.name, private_chat_id: null, created_at: app.clock.now().toISOString() })
    .execute();
  let n = 0;
  const say = async (text: string) => {
    const before = (await allOutbox(app.handle.db, 'zalo')).length;
    const e: MessageEvent = {
      type: 'message', platform: 'zalo', eventId: `zl-${++n}`, messageId: `m${n}`, chat: { id: 'zg-1', kind: 'group', title: 'Nhóm Minh Phú' },
      sender: { id: 'za-officer', displayName: officer.name }, text, at: app.clock.now(),
    };
    await app.core.handle(e);
    return (await allOutbox(app.handle.db, 'zalo')).slice(before).map((r) => (JSON.parse(r.payload) as { text: string }).text);
  };
  await say(`/lienket ${(await unit(province)).code}`);
  expect(await linkedUnit('zg-1', 'zalo')).toBe(province);
  const ask = await say('/lienket Tan Loc');
  expect(ask).toHaveLength(1);
  expect(ask[0]).toContain('⚠️ Nhóm này đang liên kết với Tỉnh Minh Phú. Chuyển nhóm sang Xã Tân Lộc?');
  expect(ask[0]).toContain('\n1. Chuyển sang Tân Lộc\n2. Giữ Minh Phú\n');
  expect(await linkedUnit('zg-1', 'zalo')).toBe(province);
  expect((await say('1'))[0]).toContain('✅ Đã liên kết nhóm này với Xã Tân Lộc');
  expect(await linkedUnit('zg-1', 'zalo')).toBe(tanLoc);
});

it('warns in the confirmation when the title does not follow the new unit\'s naming rule (Sóc Trăng)', async () => {
  const st = await seed(app, 'soc-trang-2022');
  const [h1, h2] = [await unit(st.unitsByLevel.village![0]!), await unit(st.unitsByLevel.village![1]!)];
  await sim.say(groupOf(h1.id), 'sim-admin', `/lienket ${h1.code}`);
  const ask = await sim.say(groupOf(h1.id), 'sim-admin', `/lienket ${h2.code}`);
  expect(ask[0]!.text).toContain(`⚠️ Nhóm này đang liên kết với ${h1.name}. Chuyển nhóm sang ${h2.name}?`);
  expect(ask[0]!.text).toMatch(new RegExp(`ℹ️ Tên nhóm "Nhóm ${h1.name}" không khớp quy định của ${h2.name}\\. Tên chuẩn: CNCĐ_.*${h2.short_name}`));
  expect(await linkedUnit(groupOf(h1.id))).toBe(h1.id);
});
