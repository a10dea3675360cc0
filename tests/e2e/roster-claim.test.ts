/**
 * People put on a roster by /themtv or a bulk import have no chat account: `/toila` lets them claim
 * their entry, and only the leader (or an officer/approver above, or an admin) can confirm it.
 */
import { findIdentity, createPerson } from '../../src/store/people';
import { addMember, membershipsOf } from '../../src/store/teams';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
beforeAll(async () => {
  app = await testApp();
  s = await seed(app, 'two-tier-2025');
});
afterAll(() => app.cleanup());
const { say, press, person } = simDriver(() => app, () => s);

it('links a new account to its roster entry after the leader confirms', async () => {
  const village = s.unitsByLevel.village![0]!;
  const team = s.teams.find((t) => t.unitId === village)!;
  const chat = groupOf(village);
  const leader = person('leader', village).simulatorId!;
  await app.simulator!.linkDemoGroups();
  // an imported member: a phone number, no chat account
  const imported = await createPerson(app.handle.db, { displayName: 'Lò Văn Páo', phone: '+84912000111' }, app.clock.now());
  await addMember(app.handle.db, { teamId: team.id, personId: imported.id, role: 'member' }, app.clock.now());

  const ask = await say(chat, 'sim-new', '/toila');
  expect(ask[0]!.text).toContain('Bạn là ai trong danh sách tổ?');
  const filed = await press(chat, 'sim-new', 'Lò Văn Páo');
  expect(filed[0]!.text).toContain('cho biết mình là "Lò Văn Páo"');

  // the claimant cannot confirm their own claim; a plain member of the team cannot either
  expect((await press(chat, 'sim-new', 'Xác nhận'))[0]!.text).toContain('Bạn không có quyền');
  const member = s.people.member.find((p) => p.unitId === village && p.simulatorId)!.simulatorId!;
  expect((await press(chat, member, 'Xác nhận'))[0]!.text).toContain('Bạn không có quyền');
  expect((await findIdentity(app.handle.db, 'simulator', 'sim-new'))!.personId).not.toBe(imported.id);

  expect((await press(chat, leader, 'Xác nhận'))[0]!.text).toContain('✅ Đã xác nhận');
  expect((await findIdentity(app.handle.db, 'simulator', 'sim-new'))!.personId).toBe(imported.id);
  expect((await membershipsOf(app.handle.db, imported.id)).map((m) => m.teamId)).toEqual([team.id]);
  expect((await say(chat, 'sim-new', '/toila'))[0]!.text).toContain('đã có trong danh sách tổ');
});

it('finds the entry by name or the last digits of the phone, and a refusal changes nothing', async () => {
  const village = s.unitsByLevel.village![1]!;
  const team = s.teams.find((t) => t.unitId === village)!;
  const chat = groupOf(village);
  const p = await createPerson(app.handle.db, { displayName: 'Giàng Thị Mỷ', phone: '+84988777666' }, app.clock.now());
  await addMember(app.handle.db, { teamId: team.id, personId: p.id, role: 'member' }, app.clock.now());
  expect((await say(chat, 'sim-x', '/toila 666'))[0]!.text).toContain('"Giàng Thị Mỷ"');
  expect((await press(chat, person('leader', village).simulatorId!, 'Không phải'))[0]!.text).toContain('không phải "Giàng Thị Mỷ"');
  expect((await findIdentity(app.handle.db, 'simulator', 'sim-x'))!.personId).not.toBe(p.id);
  expect((await say(chat, 'sim-y', '/iam giang thi my'))[0]!.text).toContain('"Giàng Thị Mỷ"');
});
