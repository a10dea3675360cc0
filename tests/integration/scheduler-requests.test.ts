/** The one-minute tick also lists membership requests that have waited too long to the approver. */
import { getUnit } from '../../src/store/units';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';
import type { DemoSummary } from '../../src/app/demo-seed';

let app: TestApp;
let s: DemoSummary;
beforeAll(async () => {
  app = await testApp({}, '2026-11-02T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
  await app.simulator!.linkDemoGroups();
});
afterAll(() => app.cleanup());

it('reminds the approver of a request older than the profile allows, once', async () => {
  const { say, person, botTexts } = simDriver(() => app, () => s);
  const hamlet = s.unitsByLevel.village![0]!;
  const commune = (await getUnit(app.handle.db, hamlet))!.parent_id!;
  await say(groupOf(hamlet), person('leader', hamlet).simulatorId!, '/themtv Trần Văn Mới | 0912 345 999 | thành viên | nông dân');
  const before = botTexts(groupOf(commune)).length;

  app.clock.advance(4 * 86_400_000); // Cà Mau: remind after 3 days
  await app.scheduler!.tick();
  await app.drainer.idle();
  const after = botTexts(groupOf(commune)).slice(before);
  expect(after.some((t) => t.includes('#') && t.includes('Trần Văn Mới'))).toBe(true);

  const count = botTexts(groupOf(commune)).length;
  app.clock.advance(60_000);
  await app.scheduler!.tick();
  await app.drainer.idle();
  expect(botTexts(groupOf(commune)).length).toBe(count);
});
