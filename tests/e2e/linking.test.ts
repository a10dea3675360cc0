/**
 * Linking a group: name search without diacritics, choices when ambiguous, the title checked
 * against the profile's naming rule, and a dialog that survives a restart.
 */
import { ManualClock } from '../../src/clock';
import { buildApp } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { getLink } from '../../src/store/chats';
import { getUnit } from '../../src/store/units';
import { groupOf, seed, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
beforeAll(async () => {
  app = await testApp({}, '2026-11-20T09:00:00+07:00');
});
afterAll(() => app.cleanup());

const bot = (chat: string) => app.simulator!.messages(chat).filter((m) => m.from.bot);

it('finds a unit without diacritics, offers choices when the name is ambiguous, and links the chosen one', async () => {
  await seed(app, 'ca-mau-2023');
  // every demo commune has "Khóm 1" — ambiguous
  await app.simulator!.say('g-new', 'sim-admin', '/lienket khom 1');
  const ask = bot('g-new').at(-1)!;
  expect(ask.text).toContain('Có nhiều đơn vị khớp với "khom 1"');
  const options = ask.buttons!.flat();
  expect(options.length).toBeGreaterThan(1);
  expect(options[0]!.label).toMatch(/^Khóm 1 \(/); // with where it is
  await app.simulator!.press('g-new', 'sim-admin', ask.id, options[1]!.data);
  expect(bot('g-new').at(-1)!.text).toContain('✅ Đã liên kết nhóm này với Khóm 1');
  const link = await getLink(app.handle.db, 'simulator', 'g-new');
  expect((await getUnit(app.handle.db, link!.unit_id))!.name).toBe('Khóm 1');
});

it('tells the group its canonical name where the profile sets a naming rule (Sóc Trăng)', async () => {
  const s = await seed(app, 'soc-trang-2022');
  const hamlet = (await getUnit(app.handle.db, s.unitsByLevel.village![0]!))!;
  await app.simulator!.say(groupOf(hamlet.id), 'sim-admin', `/lienket ${hamlet.code}`);
  const texts = bot(groupOf(hamlet.id)).map((m) => m.text);
  expect(texts.at(-1)).toMatch(/Tên nhóm ".*" chưa đúng quy định\. Tên chuẩn: CNCĐ_/);
  expect(texts.at(-1)).toContain(hamlet.short_name);
});

it('keeps a dialog across a restart', async () => {
  const s = await seed(app, 'two-tier-2025');
  const village = s.unitsByLevel.village![0]!;
  const leader = s.people.leader.find((p) => p.unitId === village)!.simulatorId!;
  await app.simulator!.say('g-dlg', leader, `/lienket ${(await getUnit(app.handle.db, village))!.code}`);
  await app.simulator!.say('g-dlg', leader, '/baocao\nho huong dan: 12\nnguoi huong dan: 30');
  expect(bot('g-dlg').at(-1)!.text).toContain('Số liệu trên đã đúng chưa?');

  // a second process on the same database file picks the dialog up
  const config = loadConfig({ DATABASE_URL: app.config.DATABASE_URL, PORT: '0', DEMO_SEED: 'off', SCHEDULER: 'off', LOG_LEVEL: 'silent', SIMULATOR: 'on' }, false);
  const again = await buildApp(config, { log: silentLogger, clock: new ManualClock('2026-11-20T09:05:00+07:00'), pollMs: 50 });
  try {
    await again.simulator!.say('g-dlg', leader, 'ok');
    expect(again.simulator!.messages('g-dlg').filter((m) => m.from.bot).at(-1)!.text).toContain('✅ Đã lưu báo cáo');
  } finally {
    await again.stop();
  }
});
