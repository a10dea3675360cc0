/**
 * A quarter played entirely on Zalo (fake Zalo Bot API, webhook mode), through the whole app
 * (tests/helpers/app.ts: real chat core, outbox drainer and reminder scheduler on a temp SQLite):
 * groups are linked by @mentioning the bot, a hamlet leader reports by REPLYING to the bot's
 * template and confirms by replying "1", another reports in a private chat, a third answers a
 * reminder that names them, the commune sends its roll-up to the district group and the district
 * to the province. Zalo has no buttons and no mentions: nothing the bot sends carries either.
 * Profile ca-mau-2023 (province → district → commune → hamlet, quarterly).
 */
import { addIdentity } from '../../src/store/people';
import { getLink } from '../../src/store/chats';
import { getUnit } from '../../src/store/units';
import { latestReport } from '../../src/store/reports';
import type { Unit } from '../../src/db/schema';
import type { DemoPerson, DemoSummary } from '../../src/app/demo-seed';
import { seed, testApp, type TestApp } from '../helpers/app';
import { FakeZalo, zaloText, type FakeSent, type UpdateInput } from '../helpers/fake-zalo';

const PROFILE = 'ca-mau-2023';
const SECRET = 'zalo-quarter-secret';
const BOT = 'Bot CNS Cà Mau';

describe('a quarter through Zalo (ca-mau-2023)', () => {
  let fake: FakeZalo;
  let app: TestApp;
  let hook: string;
  let demo: DemoSummary;

  beforeAll(async () => {
    fake = await new FakeZalo().start();
    app = await testApp(
      {
        SIMULATOR: 'off',
        ZALO_BOT_TOKEN: fake.token,
        ZALO_API_ROOT: fake.apiRoot,
        ZALO_WEBHOOK_SECRET: SECRET,
        ZALO_BOT_NAME: BOT,
        ZALO_RATE_PER_SECOND: '1000',
        PUBLIC_URL: 'https://cnscd.example.vn',
      },
      '2026-03-10T09:00:00+07:00',
    );
    const { port } = await app.start();
    hook = `http://127.0.0.1:${port}/webhook/zalo`;
    demo = await seed(app, PROFILE);
  });

  afterAll(async () => {
    await app?.cleanup();
    await fake?.close();
  });

  let nextMessage = 1;
  /** A member's message pushed to the webhook as Zalo would; waits until the core handled it and the outbox sent. */
  async function push(text: string, o: UpdateInput & { replyTo?: string }): Promise<FakeSent[]> {
    const before = fake.sent.length;
    const extra = o.replyTo ? { quote_msg_id: o.replyTo, ...o.extra } : o.extra;
    const u = zaloText(text, { ...o, messageId: `in-${nextMessage++}`, date: app.clock.now().getTime(), extra });
    const r = await fake.pushWebhook(u, { url: hook, form: nextMessage % 2 === 0 ? 'bare' : 'wrapped' });
    expect(r.status).toBe(200);
    await settle();
    return fake.sent.slice(before);
  }

  async function settle(): Promise<void> {
    await app.zalo!.idle();
    app.drainer.kick();
    await app.drainer.idle();
  }

  const advanceTo = (iso: string) => app.clock.set(iso);
  const texts = (sent: FakeSent[]) => sent.map((s) => s.text).join('\n---\n');

  it('plays the quarter', async () => {
    expect(app.zalo!.mode).toBe('webhook');
    expect(fake.webhook).toMatchObject({ url: 'https://cnscd.example.vn/webhook/zalo', secret: SECRET });
    expect(app.zalo!.botInfo?.can_join_groups).toBe(true);

    const unit = async (id: number): Promise<Unit> => (await getUnit(app.handle.db, id))!;
    const province = await unit(demo.unitsByLevel.province![0]!);
    const district = await unit(demo.unitsByLevel.district![0]!);
    const communes = await Promise.all(demo.unitsByLevel.commune!.map(unit));
    const commune = communes.find((c) => c.parent_id === district.id)!;
    const hamlets = (await Promise.all(demo.unitsByLevel.village!.map(unit))).filter((u) => u.parent_id === commune.id);
    const [hamletA, hamletB, hamletC] = hamlets as [Unit, Unit, Unit];

    // Zalo identities (20-hex user ids) for the people who act
    let nextId = 1;
    const onZalo = async (p: DemoPerson): Promise<{ fromId: string; name: string }> => {
      const fromId = (0xa0000 + nextId++).toString(16).padStart(20, '0');
      await addIdentity(app.handle.db, { platform: 'zalo', externalId: fromId, personId: p.personId, displayName: p.name }, app.clock.now());
      return { fromId, name: p.name };
    };
    const officerOf = (unitId: number) => demo.people.officer.find((p) => p.unitId === unitId)!;
    const leaderOf = (unitId: number) => demo.people.leader.find((p) => p.unitId === unitId)!;
    const provinceOfficer = await onZalo(officerOf(province.id));
    const districtOfficer = await onZalo(officerOf(district.id));
    const communeOfficer = await onZalo(officerOf(commune.id));
    const leaderA = await onZalo(leaderOf(hamletA.id));
    const leaderB = await onZalo(leaderOf(hamletB.id));
    const leaderC = await onZalo(leaderOf(hamletC.id));

    const G = {
      province: 'zg-province-0001',
      district: 'zg-district-0002',
      commune: 'zg-commune-0003',
      hamletA: 'zg-hamlet-a-0004',
      hamletB: 'zg-hamlet-b-0005',
      hamletC: 'zg-hamlet-c-0006',
    };
    const inGroup = (chatId: string, who: { fromId: string; name: string }) => ({ chatId, chatType: 'GROUP' as const, ...who });

    // 1. each level links its group by @mentioning the bot (the only way Zalo shows the bot a group)
    const link = async (chatId: string, who: { fromId: string; name: string }, u: Unit) => {
      const out = await push(`@${BOT} /lienket ${u.code}`, inGroup(chatId, who));
      expect(texts(out)).toContain(`Đã liên kết nhóm này với ${u.name}`);
      expect(await getLink(app.handle.db, 'zalo', chatId)).toMatchObject({ unit_id: u.id, active: 1 });
    };
    await link(G.province, provinceOfficer, province);
    await link(G.district, districtOfficer, district);
    await link(G.commune, communeOfficer, commune);
    await link(G.hamletA, leaderA, hamletA);
    await link(G.hamletB, leaderB, hamletB);
    await link(G.hamletC, leaderC, hamletC);

    // 2. hamlet A: the template (asked by mention), filled and sent back as a REPLY to it,
    //    confirmed by replying "1" to the numbered question
    let out = await push(`@${BOT} /mau`, inGroup(G.hamletA, leaderA));
    const template = out.find((s) => s.text.startsWith('/baocao'))!;
    expect(template).toBeDefined();
    expect(template.text).toMatch(/↩️ Trả lời \(reply\) tin nhắn này để gửi báo cáo/);
    // copied whole, hint line included, as a member would
    const filled = template.text
      .split('\n')
      .map((line, i) => (i === 0 ? line : line.replace(/:\s*.*$/, ': 40')))
      .join('\n');
    out = await push(filled, { ...inGroup(G.hamletA, leaderA), replyTo: template.messageId });
    const echo = out.at(-1)!;
    expect(echo.text).toContain('1. Xác nhận');
    expect(echo.text).toContain('2. Hủy');
    expect(echo.text).toMatch(/↩️ Trả lời \(reply\) tin nhắn này bằng 1/);
    expect(await latestReport(app.handle.db, hamletA.id, '2026-Q1', 'periodic')).toBeUndefined();
    out = await push('1', { ...inGroup(G.hamletA, leaderA), replyTo: echo.messageId });
    expect(texts(out)).toMatch(/Đã lưu báo cáo quý 1\/2026/);
    expect(await latestReport(app.handle.db, hamletA.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    // 3. two days later hamlet B's leader reports in a private chat (no mention or reply needed) and answers "ok"
    advanceTo('2026-03-12T10:00:00+07:00');
    const dm = { chatType: 'PRIVATE' as const, chatId: leaderB.fromId, ...leaderB };
    out = await push(filled, dm);
    expect(out.at(-1)!.text).toMatch(/1\. /);
    out = await push('ok', dm);
    expect(texts(out)).toMatch(/Đã lưu/);
    expect(await latestReport(app.handle.db, hamletB.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    // 4. a reminder before the hamlet deadline: hamlet C's group hears it with the leader's NAME
    //    (no mentions on Zalo) and a reply hint; the leader answers by replying to the reminder
    advanceTo('2026-03-13T09:00:00+07:00');
    let before = fake.sent.length;
    const run = await app.scheduler.tick();
    expect(run?.messages).toBeGreaterThan(0);
    await settle();
    const reminderC = fake.sent.slice(before).filter((s) => s.chatId === G.hamletC);
    expect(reminderC.length).toBeGreaterThanOrEqual(1);
    const reminder = reminderC.at(-1)!;
    expect(reminder.text).toContain(leaderC.name);
    expect(reminder.text).toMatch(/↩️/);
    // the commune's group hears the progress, naming the missing leaders
    const toCommune = fake.sent.slice(before).filter((s) => s.chatId === G.commune);
    expect(toCommune).toHaveLength(1);
    expect(toCommune[0]!.text).toContain(leaderC.name);
    // the hamlets that did report hear nothing
    expect(fake.sent.slice(before).filter((s) => s.chatId === G.hamletA || s.chatId === G.hamletB)).toEqual([]);
    const body = filled.split('\n').slice(1).join('\n');
    out = await push(body, { ...inGroup(G.hamletC, leaderC), replyTo: reminder.messageId });
    const echoC = out.at(-1)!;
    expect(echoC.text).toMatch(/1\. /);
    out = await push('1', { ...inGroup(G.hamletC, leaderC), replyTo: echoC.messageId });
    expect(texts(out)).toMatch(/Đã lưu/);
    expect(await latestReport(app.handle.db, hamletC.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    // 5. after the hamlet deadline the commune checks progress — missing leaders are NAMED — and
    //    sends its roll-up to the district's Zalo group
    advanceTo('2026-03-18T08:00:00+07:00');
    out = await push(`@${BOT} /tiendo`, inGroup(G.commune, communeOfficer));
    const progress = out[0]!.text;
    expect(progress).toMatch(new RegExp(`3/${hamlets.length}`));
    const missing = hamlets.slice(3);
    for (const h of missing) expect(progress).toContain(leaderOf(h.id).name);

    before = fake.sentTo(G.district).length;
    // hamlets are missing: the bot asks first, naming them, with numbered answers (no buttons on Zalo)
    out = await push(`@${BOT} /guilen`, inGroup(G.commune, communeOfficer));
    const ask = out.at(-1)!;
    expect(ask.text).toContain(`⚠️ Chưa đủ báo cáo để gửi tổng hợp quý 1/2026 lên ${district.name}:`);
    for (const h of missing) expect(ask.text).toContain(`${h.name} (tổ trưởng ${leaderOf(h.id).name})`);
    expect(ask.text).toContain('1. Gửi lên\n2. Chưa gửi');
    expect(fake.sentTo(G.district).slice(before)).toEqual([]);
    out = await push('1', { ...inGroup(G.commune, communeOfficer), replyTo: ask.messageId });
    expect(texts(out)).toContain(district.name);
    const upward = fake.sentTo(G.district).slice(before);
    expect(upward).toHaveLength(1);
    expect(upward[0]).toContain(`${commune.name} đã gửi báo cáo tổng hợp quý 1/2026`);
    expect(upward[0]).toContain('120'); // 40 + 40 + 40
    for (const h of missing) expect(upward[0]).toContain(`${h.name} (tổ trưởng ${leaderOf(h.id).name})`);

    // … and the district sends its own up to the province
    advanceTo('2026-03-23T08:00:00+07:00');
    before = fake.sentTo(G.province).length;
    out = await push(`@${BOT} /guilen`, inGroup(G.district, districtOfficer));
    expect(fake.sentTo(G.province).slice(before)).toEqual([]);
    await push('1', { ...inGroup(G.district, districtOfficer), replyTo: out.at(-1)!.messageId });
    const toProvince = fake.sentTo(G.province).slice(before);
    expect(toProvince).toHaveLength(1);
    expect(toProvince[0]).toContain(district.name);
    expect(await latestReport(app.handle.db, district.id, '2026-Q1', 'periodic')).toMatchObject({ version: 1 });

    if (process.env.DUMP) for (const m of fake.sent) console.log(m.chatId, m.messageId, JSON.stringify(m.text.slice(0, 400)));

    // 6. what went to Zalo: only chat_id + text, never over 2000 characters; nothing failed
    for (const c of fake.callsOf('sendMessage')) {
      expect(Object.keys(c.body).sort()).toEqual(['chat_id', 'text']);
      expect(String(c.body.text).length).toBeLessThanOrEqual(2000);
    }
    const notSent = await app.handle.db.selectFrom('outbox').select(['status', 'last_error']).where('status', '!=', 'sent').execute();
    expect(notSent).toEqual([]);
  });
});
