/**
 * A full quarter for the ca-mau-2023 demo through the simulator adapter: village leaders report,
 * one amends, one is late, one never reports; the commune sends its roll-up up; the district sees
 * the right totals and the missing hamlet. Assertions are on what people see in the chats.
 */
import { latestReport } from '../../src/store/reports';
import { getUnit } from '../../src/store/units';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, testApp, type TestApp, simDriver } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;

beforeAll(async () => {
  app = await testApp({}, '2026-12-01T09:00:00+07:00');
  s = await seed(app, 'ca-mau-2023');
});
afterAll(() => app.cleanup());

const { say, press, person, botTexts, lastBot } = simDriver(() => app, () => s);

describe('ca-mau-2023 quarter', () => {
  let district: number;
  let commune: number;
  let villages: number[];

  beforeAll(async () => {
    district = s.unitsByLevel.district![0]!;
    const communes = [];
    for (const id of s.unitsByLevel.commune!) if ((await getUnit(app.handle.db, id))!.parent_id === district) communes.push(id);
    commune = communes[0]!;
    villages = [];
    for (const id of s.unitsByLevel.village!) if ((await getUnit(app.handle.db, id))!.parent_id === commune) villages.push(id);
    expect(villages.length).toBeGreaterThanOrEqual(3);
  });

  it('links the groups of four levels, refusing the wrong person', async () => {
    const prov = await getUnit(app.handle.db, s.rootId);
    const out = await say(groupOf(s.rootId), person('officer', s.rootId).simulatorId!, `/lienket ${prov!.code}`);
    expect(out[0]!.text).toContain(`Đã liên kết nhóm này với ${prov!.name}`);

    const d = (await getUnit(app.handle.db, district))!;
    expect((await say(groupOf(district), person('officer', district).simulatorId!, `/link ${d.code}`))[0]!.text).toContain(d.name);
    const c = (await getUnit(app.handle.db, commune))!;
    expect((await say(groupOf(commune), person('officer', commune).simulatorId!, `/lienket@CnscdBot ${c.code}`))[0]!.text).toContain(c.name);

    // a village leader may not link another village's group
    const v0 = (await getUnit(app.handle.db, villages[0]!))!;
    const v1 = (await getUnit(app.handle.db, villages[1]!))!;
    const refused = await say(groupOf(v1.id), person('leader', v0.id).simulatorId!, `/lienket ${v1.code}`);
    expect(refused[0]!.text).toContain('Bạn không có quyền');
    expect(refused[0]!.text).toContain(`tổ trưởng của ${v1.name}`);

    for (const id of villages) {
      const v = (await getUnit(app.handle.db, id))!;
      // by name without diacritics where the name is unique, else by code
      const out2 = await say(groupOf(id), person('leader', id).simulatorId!, `/lienket ${v.code}`);
      expect(out2.at(-1)!.text).toContain(`Đã liên kết nhóm này với ${v.name}`);
    }
  });

  it('collects reports: confirm by button, by reply to the template, an amendment and a late one', async () => {
    const [a, b, c] = villages as [number, number, number];
    const la = person('leader', a).simulatorId!;
    const lb = person('leader', b).simulatorId!;
    const lc = person('leader', c).simulatorId!;

    app.clock.set('2026-12-10T09:00:00+07:00');
    const echo = await say(groupOf(a), la, '/baocao\nHo huong dan: 45 ho\nnguoi duoc huong dan 120\nVNeID: 30\nKho khan: mang yeu');
    expect(echo[0]!.text).toContain('📋 Báo cáo quý 4/2026');
    expect(echo[0]!.text).toContain('Hộ được hướng dẫn: 45 hộ');
    expect(echo[0]!.buttons).toBeDefined();
    // nothing stored before confirmation
    expect(await latestReport(app.handle.db, a, '2026-Q4', 'periodic')).toBeUndefined();
    const saved = await press(groupOf(a), la, 'Xác nhận');
    expect(saved[0]!.text).toContain('✅ Đã lưu báo cáo quý 4/2026');

    // the template, filled in and sent back as a reply to it
    const tpl = await say(groupOf(b), lb, '/mau');
    expect(tpl[1]!.text.split('\n')[0]).toBe('/baocao Q4/2026');
    const echoB = await say(groupOf(b), lb, 'Hộ được hướng dẫn: 60\nSố lượt người được hướng dẫn: 150', tpl[1]!.id);
    expect(echoB[0]!.text).toContain('Hộ được hướng dẫn: 60 hộ');
    expect((await say(groupOf(b), lb, 'ok'))[0]!.text).toContain('✅ Đã lưu');

    // an amendment two days later
    app.clock.set('2026-12-12T10:00:00+07:00');
    const amend = await say(groupOf(b), lb, '/baocao\nho huong dan: 70\nnguoi huong dan: 160');
    expect(amend[0]!.text).toContain('bản sửa lần 2');
    expect((await say(groupOf(b), lb, '1'))[0]!.text).toContain('bản sửa lần 2');

    // errors: every bad line named, nothing stored
    const bad = await say(groupOf(c), lc, '/baocao\nHo huong dan: -5\nabc xyz: 3\nVNeID: nhieu');
    expect(bad[0]!.text).toContain('Báo cáo chưa được lưu');
    // lines counted as the user sees them: the command line is line 1
    expect(bad[0]!.text).toContain('Dòng 2 "Ho huong dan: -5"');
    expect(bad[0]!.text).toContain('Dòng 3 "abc xyz: 3"');
    expect(bad[0]!.text).toContain('Dòng 4 "VNeID: nhieu"');
    expect(await latestReport(app.handle.db, c, '2026-Q4', 'periodic')).toBeUndefined();

    // late: after 00:00 on the 16th
    app.clock.set('2026-12-16T00:00:00+07:00');
    const late = await say(groupOf(c), lc, '/baocao\nHo huong dan: 20\nNguoi duoc huong dan: 40');
    expect(late[0]!.text).toContain('nộp muộn');
    expect((await press(groupOf(c), lc, 'Xác nhận'))[0]!.text).toContain('nộp muộn');
    expect((await latestReport(app.handle.db, c, '2026-Q4', 'periodic'))!.late).toBe(true);
  });

  it('shows progress and the summary to the commune, and sends the roll-up up to the district', async () => {
    const officer = person('officer', commune).simulatorId!;
    const missing = villages.slice(3);
    const progress = (await say(groupOf(commune), officer, '/tiendo'))[0]!.text;
    // the hamlets are called by their own kind (ấp), not the level's name "Ấp/Khóm"
    expect(progress).toContain(`Ấp: 3/${villages.length} đã báo cáo (2 đúng hạn, 1 muộn)`);
    for (const id of missing) {
      const v = (await getUnit(app.handle.db, id))!;
      expect(progress).toContain(v.name);
      expect(progress).toContain(person('leader', id).name);
    }

    const summary = (await say(groupOf(commune), officer, '/tonghop'))[0]!.text;
    expect(summary).toMatch(/Hộ được hướng dẫn: 135\/\d+ hộ \(\d+,\d%\)/); // 45 + 70 (amended) + 20
    expect(summary).toContain('mang yeu');
    expect(summary).toContain('/guilen');

    app.clock.set('2026-12-18T08:00:00+07:00');
    // a hamlet is missing: the officer is asked first, naming it
    const ask = (await say(groupOf(commune), officer, '/guilen'))[0]!;
    expect(ask.text).toContain('⚠️ Chưa đủ báo cáo để gửi tổng hợp quý 4/2026');
    for (const id of missing) expect(ask.text).toContain((await getUnit(app.handle.db, id))!.name);
    const sent = (await press(groupOf(commune), officer, 'Gửi lên'))[0]!.text;
    expect(sent).toContain('✅ Đã gửi báo cáo tổng hợp quý 4/2026');
    const c = (await getUnit(app.handle.db, commune))!;
    const posted = botTexts(groupOf(district)).at(-1)!;
    expect(posted).toContain(`📥 ${c.name} đã gửi báo cáo tổng hợp quý 4/2026`);
    expect(posted).toMatch(/Hộ được hướng dẫn: 135\/\d+ hộ/);
    for (const id of missing) expect(posted).toContain((await getUnit(app.handle.db, id))!.name);

    // the period is now closed for the hamlets whose report the roll-up included (amending needs /moky)…
    const a = (await getUnit(app.handle.db, villages[0]!))!;
    const closed = await say(groupOf(a.id), person('leader', a.id).simulatorId!, '/baocao\nho huong dan: 5');
    expect(closed[0]!.text).toBe(
      `🔒 Kỳ quý 4/2026 đã chốt với ${a.name}: ${c.name} đã gửi báo cáo tổng hợp (có số liệu của ${a.name}) lên cấp trên. ` +
        `Muốn sửa, nhờ cán bộ hoặc tổ trưởng của ${c.name} (hoặc cấp trên) gõ "/moky ${a.name}" trong nhóm của ${c.name} để mở lại kỳ cho ${a.name}, rồi gửi các dòng cần sửa.`,
    );
    // …while a hamlet that never reported may still send its first report, marked late (issue 10 changes the old refusal)
    const v = missing[0]!;
    const late = await say(groupOf(v), person('leader', v).simulatorId!, '/baocao\nho huong dan: 5\nnguoi duoc huong dan: 9');
    expect(late[0]!.text).toContain(`⚠️ ${c.name} đã gửi báo cáo tổng hợp lên cấp trên: báo cáo này sẽ được ghi nhận là nộp muộn`);
    expect((await say(groupOf(v), person('leader', v).simulatorId!, '2'))[0]!.text).toBe('Đã hủy, báo cáo chưa được lưu.');
  });

  it('lets the district see the right totals and the missing hamlet', async () => {
    const officer = person('officer', district).simulatorId!;
    const summary = (await say(groupOf(district), officer, '/tonghop'))[0]!.text;
    expect(summary).toMatch(/Hộ được hướng dẫn: 135\/\d+ hộ/);
    const progress = (await say(groupOf(district), officer, '/tiendo'))[0]!.text;
    // communes called by their own kinds: a ward is not a "xã"
    expect(progress).toMatch(/Xã, phường: 1\/\d+ đã báo cáo/);
    const v = (await getUnit(app.handle.db, villages.at(-1)!))!;
    expect(progress).toContain(v.name);
  });

  it('refuses the wrong roles and changes nothing', async () => {
    const v = villages[0]!;
    const member = s.people.member.find((p) => p.unitId === v && p.simulatorId)!;
    const out = await say(groupOf(v), member.simulatorId!, '/baocao\nho huong dan: 99');
    expect(out[0]!.text).toContain('Bạn không có quyền');
    expect(lastBot(groupOf(v)).buttons).toBeUndefined();
    const stranger = await say(groupOf(v), 'sim-nobody', '/tiendo');
    expect(stranger[0]!.text).toContain('Bạn không có quyền');
    const g = await say(groupOf(v), member.simulatorId!, '/guilen');
    expect(g[0]!.text).toContain('Bạn không có quyền');
  });
});
