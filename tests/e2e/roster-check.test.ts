/** The progress line compares the team roster with the group members the platform reported. */
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
beforeAll(async () => {
  app = await testApp();
  s = await seed(app, 'two-tier-2025');
  await app.simulator!.linkDemoGroups();
});
afterAll(() => app.cleanup());

it('lists roster members missing from the group and strangers in it', async () => {
  const { say, person } = simDriver(() => app, () => s);
  const village = s.unitsByLevel.village![0]!;
  const leader = person('leader', village);
  const join = (id: string, name: string, n: number) =>
    app.core.handle({ type: 'member_joined', platform: 'simulator', eventId: `join-${n}`, chat: { id: groupOf(village), kind: 'group' }, member: { id, displayName: name }, at: app.clock.now() });
  await join(leader.simulatorId!, leader.name, 1);
  await join('sim-outsider', 'Người Lạ', 2);
  const out = (await say(groupOf(village), leader.simulatorId!, '/tiendo'))[0]!.text;
  expect(out).toMatch(/Nhóm chat: \d+ người trong danh sách chưa vào nhóm, 1 người trong nhóm không có trong danh sách/);
});
