/**
 * Issue 10 §3: long lists of missing units stay within each platform's message limit. A commune
 * with 84 hamlets, 83 of them missing, sends its roll-up up over Zalo (fake Zalo Bot API, webhook):
 * the question and the roll-up posted to the district's Zalo group each fit in ONE message of at most
 * 2,000 characters and end their lists with "… và N đơn vị khác"; the same roll-up posted to the
 * district's other group (simulator, 4,096 like Telegram) names more units, still in one message.
 */
import { addIdentity, createPerson } from '../../src/store/people';
import { upsertLink } from '../../src/store/chats';
import { addMember, createTeam } from '../../src/store/teams';
import { getUnit, insertUnit } from '../../src/store/units';
import { storeReport } from '../../src/app/reporting';
import { getProfile } from '../../src/app/profiles';
import type { Unit } from '../../src/db/schema';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp } from '../helpers/app';
import { FakeZalo, zaloText } from '../helpers/fake-zalo';

const SECRET = 'zalo-limit-secret';
const BOT = 'Bot CNS Cà Mau';

let fake: FakeZalo;
let app: TestApp;
let hook: string;
let demo: DemoSummary;

beforeAll(async () => {
  fake = await new FakeZalo().start();
  app = await testApp(
    {
      ZALO_BOT_TOKEN: fake.token,
      ZALO_API_ROOT: fake.apiRoot,
      ZALO_WEBHOOK_SECRET: SECRET,
      ZALO_BOT_NAME: BOT,
      ZALO_RATE_PER_SECOND: '1000',
      PUBLIC_URL: 'https://cnscd.example.vn',
    },
    '2026-12-10T09:00:00+07:00',
  );
  const { port } = await app.start();
  hook = `http://127.0.0.1:${port}/webhook/zalo`;
  demo = await seed(app, 'ca-mau-2023');
});

afterAll(async () => {
  await app?.cleanup();
  await fake?.close();
});

let nextMessage = 1;
async function push(text: string, o: { chatId: string; fromId: string; name: string; replyTo?: string }) {
  const before = fake.sent.length;
  const u = zaloText(text, { chatId: o.chatId, chatType: 'GROUP', fromId: o.fromId, name: o.name, messageId: `in-${nextMessage++}`, date: app.clock.now().getTime(), ...(o.replyTo ? { extra: { quote_msg_id: o.replyTo } } : {}) });
  const r = await fake.pushWebhook(u, { url: hook, form: 'bare' });
  expect(r.status).toBe(200);
  await app.zalo!.idle();
  app.drainer.kick();
  await app.drainer.idle();
  return fake.sent.slice(before);
}

it('keeps the question and the posted roll-up within 2,000 characters on Zalo, one message each', async () => {
  const db = app.handle.db;
  const now = app.clock.now();
  const commune = (await getUnit(db, demo.unitsByLevel.commune![0]!))!;
  const district = (await getUnit(db, commune.parent_id!))!;
  // 80 more hamlets, each with a team and a leader
  for (let i = 1; i <= 80; i++) {
    const name = `Ấp Kênh Xáng Cũ Số ${i}`;
    const u = await insertUnit(db, { code: `${commune.code}.x${i}`, name, level: 'village', kind: 'ấp', parentId: commune.id, profile: 'ca-mau-2023', households: 200 }, now);
    const team = await createTeam(db, { unitId: u.id, name: `Tổ công nghệ số cộng đồng ${name}`, kind: 'community' }, now);
    const p = await createPerson(db, { displayName: `Nguyễn Thị Phương Thảo ${i}` }, now);
    await addMember(db, { teamId: team.id, personId: p.id, role: 'leader' }, now);
  }
  const hamlets: Unit[] = (await db.selectFrom('units').selectAll().where('parent_id', '=', commune.id).execute()) as Unit[];
  expect(hamlets).toHaveLength(84);
  const reporter = hamlets.find((h) => h.name === 'Ấp Tân Thành')!;
  await storeReport(db, {
    unit: reporter,
    teamId: null,
    period: { cycle: 'quarter', year: 2026, index: 4 },
    values: { households_supported: 100, people_supported: 200, difficulties: 'Sóng điện thoại yếu ở cuối ấp. '.repeat(20) },
    personId: demo.people.leader.find((p) => p.unitId === reporter.id)!.personId,
    at: now,
    profile: getProfile('ca-mau-2023'),
  });

  const G = { commune: 'zg-commune-limit', district: 'zg-district-limit' };
  await upsertLink(db, { platform: 'zalo', chatId: G.commune, unitId: commune.id, teamId: null, title: commune.name, linkedBy: null }, now);
  await upsertLink(db, { platform: 'zalo', chatId: G.district, unitId: district.id, teamId: null, title: district.name, linkedBy: null }, now);
  // the district's second group, in the simulator (4,096 characters, as Telegram)
  await upsertLink(db, { platform: 'simulator', chatId: groupOf(district.id), unitId: district.id, teamId: null, title: district.name, linkedBy: null }, now);
  const officer = { fromId: '000000000000000ab001', name: 'Cán bộ xã' };
  const officerPerson = demo.people.officer.find((p) => p.unitId === commune.id)!;
  await addIdentity(db, { platform: 'zalo', externalId: officer.fromId, personId: officerPerson.personId, displayName: officer.name }, now);

  const ask = await push(`@${BOT} /guilen`, { chatId: G.commune, ...officer });
  expect(ask).toHaveLength(1);
  const q = ask[0]!.text;
  expect(q.length).toBeLessThanOrEqual(2000);
  expect(q).toMatch(/^⚠️ Chưa đủ báo cáo để gửi tổng hợp quý 4\/2026 lên Huyện Tân Phước:\n\nẤp: 1\/84 đã báo cáo \(1 đúng hạn, 0 muộn\)\n  ❗ Chưa báo cáo \(83\): Ấp Bình Định \(tổ trưởng [^)]+\); /);
  expect(q).toMatch(/; … và \d+ đơn vị khác\n  Hạn của ấp: còn 6 ngày, hạn trước 00:00 ngày 16\/12\/2026\n/);
  expect(q).toMatch(/\n\n1\. Gửi lên\n2\. Chưa gửi\n/);
  expect(fake.sentTo(G.district)).toEqual([]);

  const answer = await push('1', { chatId: G.commune, ...officer, replyTo: ask[0]!.messageId });
  expect(answer.map((m) => m.text).join('\n')).toContain('✅ Đã gửi báo cáo tổng hợp quý 4/2026 (bản 1) lên nhóm của Huyện Tân Phước.');
  const posted = fake.sentTo(G.district).filter((t) => t.startsWith('📥'));
  expect(posted).toHaveLength(1);
  const zaloText_ = posted[0]!;
  expect(zaloText_.length).toBeLessThanOrEqual(2000);
  if (process.env.DUMP) console.log(q + '\n-----\n' + zaloText_);
  expect(zaloText_).toMatch(/^📥 Xã Tân Lộc đã gửi báo cáo tổng hợp quý 4\/2026 \(bản 1\)\.\n/);
  const shownOnZalo = Number(/❗ Chưa báo cáo \(83\): .*; … và (\d+) đơn vị khác\n/.exec(zaloText_)?.[1]);
  expect(shownOnZalo).toBeGreaterThan(0);
  expect(zaloText_).toContain('Ấp Bình Định (tổ trưởng ');
  expect(zaloText_).toContain('• Hộ được hướng dẫn: 100/');

  // the same roll-up in the simulator group: one message within 4,096, more names than on Zalo
  const sim = app.simulator!.messages(groupOf(district.id)).filter((m) => m.from.bot && m.text.startsWith('📥'));
  expect(sim).toHaveLength(1);
  expect(sim[0]!.text.length).toBeLessThanOrEqual(4096);
  const shownInSim = Number(/❗ Chưa báo cáo \(83\): .*; … và (\d+) đơn vị khác\n/.exec(sim[0]!.text)?.[1]);
  expect(shownInSim).toBeLessThan(shownOnZalo);

  // nothing sent to Zalo was over its limit, and nothing was split
  for (const c of fake.callsOf('sendMessage')) expect(String(c.body.text).length).toBeLessThanOrEqual(2000);
});
