/**
 * Issue 10 §3 on all six profiles: the roll-up a commune sends up with /guilen names, in the
 * parent's group, every hamlet/village that did not report, with its leader. Reports are stored by
 * the report use case; the send-up goes through the chat (question, "Gửi lên").
 */
import fs from 'node:fs';
import path from 'node:path';
import { getUnit } from '../../src/store/units';
import { upsertLink } from '../../src/store/chats';
import { choosePeriod, storeReport } from '../../src/app/reporting';
import { getProfile } from '../../src/app/profiles';
import type { Unit } from '../../src/db/schema';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp, simDriver } from '../helpers/app';

const PROFILES = fs
  .readdirSync(path.join(__dirname, '../../profiles'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

let app: TestApp;
let s: DemoSummary;
const { say, person, press, botTexts } = simDriver(() => app, () => s);

beforeAll(async () => {
  app = await testApp({}, '2026-12-10T09:00:00+07:00');
});
afterAll(() => app.cleanup());

it('covers the six profiles', () => {
  expect(PROFILES).toEqual(['bac-kan-2022', 'ca-mau-2023', 'lai-chau-2022', 'soc-trang-2022', 'two-tier-2025', 'yen-bai-2022']);
});

describe.each(PROFILES)('%s', (id) => {
  it('the roll-up posted up names the missing units with their leaders', async () => {
    s = await seed(app, id);
    const db = app.handle.db;
    const profile = getProfile(id);
    const communeLevel = profile.levels.at(-2)!.key;
    const villageLevel = profile.levels.at(-1)!.key;
    const commune = (await getUnit(db, s.unitsByLevel[communeLevel]![0]!))!;
    const parent = (await getUnit(db, commune.parent_id!))!;
    const villages: Unit[] = [];
    for (const v of s.unitsByLevel[villageLevel]!) {
      const u = (await getUnit(db, v))!;
      if (u.parent_id === commune.id) villages.push(u);
    }
    expect(villages.length).toBeGreaterThanOrEqual(3);
    for (const u of [parent, commune]) {
      await upsertLink(db, { platform: 'simulator', chatId: groupOf(u.id), unitId: u.id, teamId: null, title: u.name, linkedBy: null }, app.clock.now());
    }
    const [first, ...missing] = villages;
    await storeReport(db, {
      unit: first!,
      teamId: null,
      period: choosePeriod(profile, '', app.clock.now())!,
      values: { households_supported: 12, people_supported: 30 },
      personId: person('leader', first!.id).personId,
      at: app.clock.now(),
      profile,
    });

    const officer = person('officer', commune.id).simulatorId!;
    const before = botTexts(groupOf(parent.id)).length;
    const ask = (await say(groupOf(commune.id), officer, '/guilen'))[0]!.text;
    expect(ask).toMatch(/^⚠️ Chưa đủ báo cáo để gửi tổng hợp /);
    expect((await press(groupOf(commune.id), officer, 'Gửi lên'))[0]!.text).toMatch(/^✅ Đã gửi báo cáo tổng hợp .* \(bản 1\) lên nhóm của /);

    const posted = botTexts(groupOf(parent.id)).slice(before).filter((t) => t.startsWith('📥'));
    expect(posted).toHaveLength(1);
    if (process.env.DUMP) console.log(ask + '\n-----\n' + posted[0]);
    const names = missing
      .map((v) => ({ v, leader: person('leader', v.id).name }))
      .sort((a, b) => a.v.name.localeCompare(b.v.name, 'vi', { numeric: true }))
      .map(({ v, leader }) => `${v.name} (tổ trưởng ${leader})`);
    expect(posted[0]).toContain(`/${villages.length} đã báo cáo (1 đúng hạn, 0 muộn)\n  ❗ Chưa báo cáo (${missing.length}): ${names.join('; ')}\n`);
  });
});
