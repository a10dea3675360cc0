/**
 * Issue 10 §1 and §4 through the simulator (two-tier-2025: province → commune → village):
 * amendments merge into the latest version (clearing is explicit, full replacement only when
 * asked); after the commune has sent up early, a village that never reported is still accepted
 * (late, the commune group told), an included village needs /moky, which only the right people
 * may run, is audited and tells the village; the amendment then reaches the next roll-up.
 */
import { auditEntries } from '../../src/store/audit';
import { latestReport, reportHistory } from '../../src/store/reports';
import { getUnit } from '../../src/store/units';
import type { Unit } from '../../src/db/schema';
import type { DemoSummary } from '../../src/app/demo-seed';
import { groupOf, seed, simDriver, testApp, type TestApp } from '../helpers/app';

let app: TestApp;
let s: DemoSummary;
beforeAll(async () => {
  app = await testApp({}, '2026-12-01T09:00:00+07:00');
  s = await seed(app, 'two-tier-2025');
});
afterAll(() => app.cleanup());

const { say, person, botTexts } = simDriver(() => app, () => s);
const Q4 = '2026-Q4';

// team and member counts come from the roster, not typed (issue 10 §2): a report has 12 typed lines
const FULL = [
  'Tổng số hộ: 120',
  'Số buổi tuyên truyền: 3',
  'Hộ được hướng dẫn: 45',
  'Lượt người được hướng dẫn: 110',
  'Kích hoạt VNeID mức 2: 30',
  'Hồ sơ DVC trực tuyến: 12',
  'Tài khoản thanh toán số: 20',
  'Gian hàng TMĐT: 2',
  'Hoàn thành Bình dân học vụ số: 15',
  'Kết quả nổi bật: họp dân 2 buổi',
  'Khó khăn: mạng yếu',
  'Đề xuất: thêm điện thoại',
];
const AMEND_HINT = 'Xoá một dòng: gửi "tên chỉ tiêu: xoá". Thay toàn bộ: /baocao thaythe kèm đủ các dòng.';

let commune: Unit;
let villages: Unit[];
const leader = (u: Unit) => person('leader', u.id).simulatorId!;

beforeAll(async () => {
  commune = (await getUnit(app.handle.db, s.unitsByLevel.commune![0]!))!;
  villages = [];
  for (const id of s.unitsByLevel.village!) {
    const u = (await getUnit(app.handle.db, id))!;
    if (u.parent_id === commune.id) villages.push(u);
  }
  expect(villages.map((v) => v.name)).toEqual(['Thôn Tân Thành', 'Thôn Bình Định', 'Thôn Rạch Gốc', 'Thôn Cái Keo']);
  const root = (await getUnit(app.handle.db, s.rootId))!;
  await say(groupOf(root.id), person('officer', root.id).simulatorId!, `/lienket ${root.code}`);
  await say(groupOf(commune.id), person('officer', commune.id).simulatorId!, `/lienket ${commune.code}`);
  for (const v of villages) await say(groupOf(v.id), leader(v), `/lienket ${v.code}`);
});

/** /guilen; when the bot asks first (units missing, before the deadline), answers yes. */
async function sendUp(user: string): Promise<string> {
  const out = await say(groupOf(commune.id), user, '/guilen');
  if (out[0]!.text.startsWith('✅')) return out[0]!.text;
  return (await say(groupOf(commune.id), user, '1'))[0]!.text;
}

describe('amendments merge into the latest version', () => {
  it('keeps the 12 figures when a 2-line correction follows, marking the 2 changed lines', async () => {
    const [a] = villages as [Unit];
    await say(groupOf(a.id), leader(a), '/baocao\n' + FULL.join('\n'));
    expect((await say(groupOf(a.id), leader(a), '1'))[0]!.text).toBe('✅ Đã lưu báo cáo quý 4/2026 của Thôn Tân Thành. Cảm ơn!');
    expect(Object.keys((await latestReport(app.handle.db, a.id, Q4, 'periodic'))!.values)).toHaveLength(12);

    const echo = await say(groupOf(a.id), leader(a), '/baocao\nHộ được hướng dẫn: 50\nKích hoạt VNeID mức 2: 35');
    expect(echo[0]!.text).toBe(
      [
        '📋 Báo cáo quý 4/2026 — Thôn Tân Thành',
        '• Tổng số hộ: 120 hộ',
        '• Số buổi tuyên truyền: 3 buổi',
        '✏️ Hộ được hướng dẫn: 45 hộ → 50 hộ',
        '• Lượt người được hướng dẫn: 110 lượt',
        '✏️ Kích hoạt VNeID mức 2: 30 người → 35 người',
        '• Hồ sơ DVC trực tuyến: 12 hồ sơ',
        '• Tài khoản thanh toán số: 20 tài khoản',
        '• Gian hàng TMĐT: 2 gian hàng',
        '• Hoàn thành Bình dân học vụ số: 15 người',
        '• Kết quả nổi bật: họp dân 2 buổi',
        '• Khó khăn: mạng yếu',
        '• Đề xuất: thêm điện thoại',
        '',
        '✏️ Đây là bản sửa lần 2: 2 dòng đánh dấu ✏️ thay đổi so với bản 1, các dòng khác giữ nguyên (bản cũ vẫn được lưu). ' + AMEND_HINT,
        '',
        'Số liệu trên đã đúng chưa?',
      ].join('\n'),
    );
    expect((await say(groupOf(a.id), leader(a), '1'))[0]!.text).toBe('✅ Đã lưu bản sửa lần 2 báo cáo quý 4/2026 của Thôn Tân Thành.');
    const v2 = (await latestReport(app.handle.db, a.id, Q4, 'periodic'))!;
    expect(v2.version).toBe(2);
    expect(Object.keys(v2.values)).toHaveLength(12);
    expect(v2.values).toMatchObject({ households_supported: 50, vneid_l2: 35, households_total: 120, people_supported: 110, difficulties: 'mạng yếu' });
  });

  it('says when a correction changes nothing, and stores nothing', async () => {
    const [a] = villages as [Unit];
    const out = await say(groupOf(a.id), leader(a), '/baocao\nho huong dan: 50');
    expect(out[0]!.text).toBe('ℹ️ Không có gì thay đổi so với bản 2 báo cáo quý 4/2026 của Thôn Tân Thành: không lưu bản mới.');
    expect(out[0]!.buttons).toBeUndefined();
    expect((await latestReport(app.handle.db, a.id, Q4, 'periodic'))!.version).toBe(2);
  });

  it('clears a value only when told "xoá", and a reply to the echo corrects it before saving', async () => {
    const [a] = villages as [Unit];
    const echo = await say(groupOf(a.id), leader(a), '/baocao\nVNeID: xoá');
    expect(echo[0]!.text).toContain('\n✏️ Kích hoạt VNeID mức 2: 35 người → (xoá)\n');
    expect(echo[0]!.text).toContain('✏️ Đây là bản sửa lần 3: 1 dòng đánh dấu ✏️ thay đổi so với bản 2');
    // the leader notices one more figure to fix and answers the echo with it
    const again = await say(groupOf(a.id), leader(a), 'Số buổi tuyên truyền: 4', echo[0]!.id);
    expect(again[0]!.text).toContain('\n✏️ Số buổi tuyên truyền: 3 buổi → 4 buổi\n• Hộ được hướng dẫn: 50 hộ\n');
    expect(again[0]!.text).toContain('\n✏️ Kích hoạt VNeID mức 2: 35 người → (xoá)\n');
    expect(again[0]!.text).toContain('✏️ Đây là bản sửa lần 3: 2 dòng đánh dấu ✏️ thay đổi so với bản 2');
    expect((await say(groupOf(a.id), leader(a), 'ok'))[0]!.text).toBe('✅ Đã lưu bản sửa lần 3 báo cáo quý 4/2026 của Thôn Tân Thành.');
    const v3 = (await latestReport(app.handle.db, a.id, Q4, 'periodic'))!;
    expect(Object.keys(v3.values)).toHaveLength(11);
    expect(v3.values.vneid_l2).toBeUndefined();
    expect(v3.values.sessions_held).toBe(4);
    expect(v3.values.households_supported).toBe(50);
  });

  it('replaces the whole report only with /baocao thaythe', async () => {
    const [a] = villages as [Unit];
    const echo = await say(groupOf(a.id), leader(a), '/baocao thaythe\nHộ được hướng dẫn: 60\nLượt người được hướng dẫn: 130');
    expect(echo[0]!.text).toContain('\n✏️ Tổng số hộ: 120 hộ → (xoá)\n');
    expect(echo[0]!.text).toContain('\n✏️ Hộ được hướng dẫn: 50 hộ → 60 hộ\n');
    expect(echo[0]!.text).toContain(
      '\n\n♻️ Bản sửa lần 4 THAY TOÀN BỘ bản 3: chỉ giữ các dòng vừa gửi, các dòng ghi (xoá) bị bỏ (bản cũ vẫn được lưu).\n\nSố liệu trên đã đúng chưa?',
    );
    await say(groupOf(a.id), leader(a), '1');
    const v4 = (await latestReport(app.handle.db, a.id, Q4, 'periodic'))!;
    expect(v4.values).toEqual({ households_supported: 60, people_supported: 130 });
    // every version is kept
    expect((await reportHistory(app.handle.db, a.id, Q4, 'periodic')).map((r) => Object.keys(r.values).length)).toEqual([12, 12, 11, 2]);
  });
  it('merges a reply to the saved message, and a reply to the template with only some lines filled', async () => {
    const [a] = villages as [Unit];
    const saved = [...app.simulator!.messages(groupOf(a.id))].reverse().find((m) => m.from.bot && m.text.startsWith('✅ Đã lưu bản sửa lần 4'))!;
    const echo = await say(groupOf(a.id), leader(a), 'Lượt người được hướng dẫn: 140', saved.id);
    expect(echo[0]!.text.split('\n').slice(0, 3)).toEqual([
      '📋 Báo cáo quý 4/2026 — Thôn Tân Thành',
      '• Hộ được hướng dẫn: 60 hộ',
      '✏️ Lượt người được hướng dẫn: 130 lượt → 140 lượt',
    ]);
    expect((await say(groupOf(a.id), leader(a), '2'))[0]!.text).toBe('Đã hủy, báo cáo chưa được lưu.');

    const tpl = await say(groupOf(a.id), leader(a), '/mau');
    const filled = tpl[1]!.text.split('\n').slice(1).map((l) => (l.startsWith('Kích hoạt VNeID') ? l + '33' : l)).join('\n');
    const echo2 = await say(groupOf(a.id), leader(a), filled, tpl[1]!.id);
    expect(echo2[0]!.text).toContain('• Hộ được hướng dẫn: 60 hộ\n• Lượt người được hướng dẫn: 130 lượt\n✏️ Kích hoạt VNeID mức 2: 33 người (mới)\n');
    expect((await say(groupOf(a.id), leader(a), '2'))[0]!.text).toBe('Đã hủy, báo cáo chưa được lưu.');
    expect((await latestReport(app.handle.db, a.id, Q4, 'periodic'))!.version).toBe(4);
  });
});

describe('the period after the commune has sent up', () => {
  it('accepts a missing village late, tells the commune group, and refuses an included one with the /moky hint', async () => {
    const [, b, c] = villages as [Unit, Unit, Unit];
    await say(groupOf(b.id), leader(b), '/baocao\nHộ được hướng dẫn: 25\nLượt người được hướng dẫn: 50');
    await say(groupOf(b.id), leader(b), '1');

    // the commune sends up on 1/12, two weeks before the villages' deadline, two villages missing
    expect(await sendUp(person('officer', commune.id).simulatorId!)).toContain('✅ Đã gửi báo cáo tổng hợp quý 4/2026');

    // a village that never reported is not refused
    app.clock.set('2026-12-03T08:00:00+07:00');
    const echo = await say(groupOf(c.id), leader(c), '/baocao\nHộ được hướng dẫn: 30\nLượt người được hướng dẫn: 70');
    expect(echo[0]!.text).toBe(
      [
        '📋 Báo cáo quý 4/2026 — Thôn Rạch Gốc',
        '• Hộ được hướng dẫn: 30 hộ',
        '• Lượt người được hướng dẫn: 70 lượt',
        '',
        '⚠️ Xã Tân Lộc đã gửi báo cáo tổng hợp lên cấp trên: báo cáo này sẽ được ghi nhận là nộp muộn (sau khi cấp trên đã gửi tổng hợp), và Xã Tân Lộc sẽ được báo để gửi bản tổng hợp cập nhật.',
        '',
        'Số liệu trên đã đúng chưa?',
      ].join('\n'),
    );
    const saved = await say(groupOf(c.id), leader(c), '1');
    expect(saved[0]!.text).toBe(
      '✅ Đã lưu báo cáo quý 4/2026 của Thôn Rạch Gốc. Cảm ơn!\n' +
        'Báo cáo được ghi nhận là nộp muộn (sau khi cấp trên đã gửi tổng hợp).\n' +
        'Đã báo cho Xã Tân Lộc: lần /guilen tiếp theo sẽ gửi bản tổng hợp cập nhật.',
    );
    const stored = (await latestReport(app.handle.db, c.id, Q4, 'periodic'))!;
    expect(stored.late).toBe(true);
    expect(stored.values).toEqual({ households_supported: 30, people_supported: 70 });
    expect(botTexts(groupOf(commune.id)).at(-1)).toBe(
      '📨 Thôn Rạch Gốc vừa gửi báo cáo quý 4/2026 sau khi Xã Tân Lộc đã gửi báo cáo tổng hợp lên cấp trên (ghi nhận nộp muộn). ' +
        'Lần /guilen tiếp theo sẽ gửi bản tổng hợp cập nhật có số liệu này.',
    );
    // progress counts it late too, though its own deadline (16/12) has not passed
    expect((await say(groupOf(commune.id), person('officer', commune.id).simulatorId!, '/tiendo'))[0]!.text).toContain('Thôn: 3/4 đã báo cáo (2 đúng hạn, 1 muộn)');

    // a village whose report the roll-up included must have the period reopened first
    const refused = await say(groupOf(b.id), leader(b), '/baocao\nHộ được hướng dẫn: 28');
    expect(refused[0]!.text).toBe(
      '🔒 Kỳ quý 4/2026 đã chốt với Thôn Bình Định: Xã Tân Lộc đã gửi báo cáo tổng hợp (có số liệu của Thôn Bình Định) lên cấp trên. ' +
        'Muốn sửa, nhờ cán bộ hoặc tổ trưởng của Xã Tân Lộc (hoặc cấp trên) gõ "/moky Thôn Bình Định" trong nhóm của Xã Tân Lộc để mở lại kỳ cho Thôn Bình Định, rồi gửi các dòng cần sửa.',
    );
    expect(refused[0]!.buttons).toBeUndefined();
  });

  it('lets only the commune (or above) reopen, audits it and tells the village; the amendment then reaches the next roll-up', async () => {
    const [, b, c] = villages as [Unit, Unit, Unit];
    const officer = person('officer', commune.id);
    const denied = 'Bạn không có quyền dùng lệnh này ở đây. Chỉ cán bộ hoặc tổ trưởng của Xã Tân Lộc (cấp đã gửi tổng hợp) hoặc cấp trên, hoặc quản trị viên được mở lại kỳ báo cáo cho Thôn Bình Định.';
    // the village's own leader, and another commune's officer in this commune's group: refused
    expect((await say(groupOf(b.id), leader(b), '/moky Thôn Bình Định'))[0]!.text).toBe(denied);
    const other = s.people.officer.find((p) => p.unitId !== commune.id && p.unitId !== s.rootId && p.simulatorId)!;
    expect((await say(groupOf(commune.id), other.simulatorId!, '/moky binh dinh'))[0]!.text).toBe(denied);
    expect(await auditEntries(app.handle.db, 'period.reopened')).toHaveLength(0);

    // a village whose latest report came after the roll-up does not need it
    expect((await say(groupOf(commune.id), officer.simulatorId!, '/moky rach goc'))[0]!.text).toBe(
      'Kỳ quý 4/2026 của Thôn Rạch Gốc đang mở: bản báo cáo mới nhất của Thôn Rạch Gốc gửi sau khi Xã Tân Lộc gửi tổng hợp, nên vẫn sửa được. Lần /guilen tiếp theo của Xã Tân Lộc sẽ có số liệu này.',
    );

    // the commune officer, by name without diacritics, in the commune group
    const done = await say(groupOf(commune.id), officer.simulatorId!, '/moky Q4/2026 binh dinh');
    expect(done[0]!.text).toBe(
      '🔓 Đã mở lại kỳ quý 4/2026 cho Thôn Bình Định. Thôn Bình Định có thể gửi bản sửa (/baocao với các dòng cần sửa); lần /guilen tiếp theo của Xã Tân Lộc sẽ gửi bản tổng hợp có bản sửa.',
    );
    expect(botTexts(groupOf(b.id)).at(-1)).toBe(
      `🔓 ${officer.name} (Xã Tân Lộc) đã mở lại kỳ báo cáo quý 4/2026 cho Thôn Bình Định. Tổ trưởng gửi bản sửa bằng /baocao, chỉ cần các dòng cần sửa (các dòng khác giữ nguyên).`,
    );
    const log = await auditEntries(app.handle.db, 'period.reopened');
    expect(log).toHaveLength(1);
    expect(log[0]!.actor_person_id).toBe(officer.personId);
    expect(log[0]!.subject).toBe(`unit:${b.id}`);
    expect(JSON.parse(log[0]!.details!)).toMatchObject({ period: Q4, parent: commune.id });
    expect((await say(groupOf(commune.id), officer.simulatorId!, '/moky binh dinh'))[0]!.text).toBe(
      'Kỳ quý 4/2026 đã được mở lại cho Thôn Bình Định lúc 08:00 ngày 03/12/2026: Thôn Bình Định có thể gửi bản sửa ngay.',
    );

    // the amendment is accepted, merged, and the commune group told
    const echo = await say(groupOf(b.id), leader(b), '/baocao\nHộ được hướng dẫn: 28');
    expect(echo[0]!.text).toContain('✏️ Hộ được hướng dẫn: 25 hộ → 28 hộ\n• Lượt người được hướng dẫn: 50 lượt');
    expect(echo[0]!.text).toContain('\nXã Tân Lộc đã gửi báo cáo tổng hợp lên cấp trên: Xã Tân Lộc sẽ được báo để gửi bản tổng hợp cập nhật.\n');
    expect((await say(groupOf(b.id), leader(b), '1'))[0]!.text).toBe(
      '✅ Đã lưu bản sửa lần 2 báo cáo quý 4/2026 của Thôn Bình Định.\nĐã báo cho Xã Tân Lộc: lần /guilen tiếp theo sẽ gửi bản tổng hợp cập nhật.',
    );
    expect((await latestReport(app.handle.db, b.id, Q4, 'periodic'))!.values).toEqual({ households_supported: 28, people_supported: 50 });
    expect(botTexts(groupOf(commune.id)).at(-1)).toBe(
      '📨 Thôn Bình Định vừa lưu bản sửa lần 2 báo cáo quý 4/2026 (1 dòng thay đổi) sau khi Xã Tân Lộc đã gửi báo cáo tổng hợp lên cấp trên. Lần /guilen tiếp theo sẽ gửi bản tổng hợp cập nhật.',
    );

    // the next roll-up carries the amendment and the late village (60 + 28 + 30), and closes the period again
    app.clock.set('2026-12-04T08:00:00+07:00');
    expect(await sendUp(officer.simulatorId!)).toContain('✅ Đã gửi bản cập nhật báo cáo tổng hợp quý 4/2026 (bản 2, thay cho bản 1)');
    expect(botTexts(groupOf(s.rootId)).at(-1)).toContain('• Hộ được hướng dẫn: 118/471 hộ (25,1%)');
    expect((await say(groupOf(b.id), leader(b), '/baocao\nHộ được hướng dẫn: 29'))[0]!.text).toContain('🔒 Kỳ quý 4/2026 đã chốt với Thôn Bình Định');
    expect((await say(groupOf(c.id), leader(c), '/baocao\nHộ được hướng dẫn: 31'))[0]!.text).toContain('🔒 Kỳ quý 4/2026 đã chốt với Thôn Rạch Gốc');

    // a level above may reopen too, in a private chat, naming the unit and the period in either order
    const prov = person('officer', s.rootId);
    const dm = `dm-${prov.simulatorId}`;
    expect((await say(dm, prov.simulatorId!, '/moky Thôn Rạch Gốc Q4/2026'))[0]!.text).toContain('🔓 Đã mở lại kỳ quý 4/2026 cho Thôn Rạch Gốc.');
    expect(botTexts(groupOf(c.id)).at(-1)).toContain(`🔓 ${prov.name} (Xã Tân Lộc) đã mở lại kỳ báo cáo quý 4/2026 cho Thôn Rạch Gốc.`);
    expect((await auditEntries(app.handle.db, 'period.reopened')).map((e) => [e.actor_person_id, e.subject])).toEqual([
      [officer.personId, `unit:${b.id}`],
      [prov.personId, `unit:${c.id}`],
    ]);
    // nothing to reopen when the commune has not sent anything up for a period
    expect((await say(dm, prov.simulatorId!, '/moky Q3/2026 Thôn Rạch Gốc'))[0]!.text).toBe(
      'Kỳ quý 3/2026 của Thôn Rạch Gốc chưa chốt: Xã Tân Lộc chưa gửi báo cáo tổng hợp lên cấp trên, nên Thôn Rạch Gốc vẫn gửi và sửa báo cáo được, không cần mở lại.',
    );
  });
});

it('documents corrections and /moky in /trogiup', async () => {
  const help = (await say(groupOf(villages[0]!.id), leader(villages[0]!), '/trogiup'))[0]!.text;
  expect(help).toContain('Sửa báo cáo: gửi /baocao chỉ với các dòng cần sửa (các dòng khác giữ nguyên); "VNeID: xoá" để xoá một dòng; /baocao thaythe để thay toàn bộ.');
  expect(help).toContain('/moky <đơn vị> — mở lại kỳ báo cáo cho đơn vị cấp dưới để sửa (sau khi đã gửi tổng hợp)');
});
