/**
 * Bulk import and export of members (yen-bai-2022 demo): row-by-row rules, all-or-nothing per team,
 * rejected rows with line numbers and reasons, one person in two teams, CSV and xlsx round trips,
 * the per-unit roll-up, and the CLI (`members import|export`, `roles grant`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { importMembersFile, readMembersXlsx } from '../../src/app/import-members';
import { exportMembers } from '../../src/app/export-members';
import { memberRollup } from '../../src/app/member-reports';
import { seedDemo, type DemoSummary } from '../../src/app/demo-seed';
import { main } from '../../src/cli';
import { translator } from '../../src/i18n';
import { violationText } from '../../src/chat/features/membership/text';
import type { Unit } from '../../src/db/schema';
import { auditEntries } from '../../src/store/audit';
import { grantsOf } from '../../src/store/grants';
import { roster, teamsOfUnit } from '../../src/store/teams';
import { getUnit, insertUnit } from '../../src/store/units';
import { tempDb } from '../helpers/db';

const AT = new Date('2026-03-02T02:00:00.000Z');
const vi = translator('vi');
let db: Awaited<ReturnType<typeof tempDb>>;
let s: DemoSummary;
let commune: Unit;
let newA: Unit;
let newB: Unit;
let dir: string;

beforeAll(async () => {
  db = await tempDb();
  dir = path.dirname(db.file);
  s = await seedDemo(db.db, 'yen-bai-2022', AT);
  commune = (await getUnit(db.db, s.unitsByLevel.commune![0]!))!;
  const mk = (name: string, n: number) => insertUnit(db.db, { code: `${commune.code}.x${n}`, name: `Thôn ${name}`, level: 'village', kind: 'thôn', parentId: commune.id, profile: 'yen-bai-2022' }, AT);
  newA = await mk('Khe Sến', 1);
  newB = await mk('Nà Pồng', 2);
});
afterAll(() => db.cleanup());

const write = (name: string, lines: string[]) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
};

describe('members import', () => {
  it('imports valid teams, rejects a whole team for one bad row, with line numbers and reasons', async () => {
    const villageTeam = s.teams.find((t) => s.unitsByLevel.village!.includes(t.unitId))!;
    const village = (await getUnit(db.db, villageTeam.unitId))!;
    const communeTeam = s.teams.find((t) => t.unitId === commune.id)!;
    const file = write('members.csv', [
      'unit_code,team,name,phone,role,occupation',
      `${newA.code},,Lò Văn Páo,0388 111 001,tổ trưởng,Trưởng thôn`, // line 2
      `${newA.code},,Lò Thị Mai,0388111002,tổ phó,Bí thư Chi đoàn`,
      `${newA.code},,Hoàng Văn Sáng,0388.111.003,thành viên,giáo viên`,
      `${newA.code},,Vàng Thị Dua,+84388111004,,y tá`,
      `${newA.code},,"Sùng A Chứ",84388111005,tv,"công an viên, xã"`, // line 6
      `${newB.code},,Giàng A Lử,0388111006,tổ trưởng,Trưởng thôn`, // line 7
      `${newB.code},,Giàng Thị Pà,0212345678,thành viên,nông dân`, // line 8: landline
      `${newB.code},,Giàng A Páo,0388111008,tổ trưởng,Trưởng bản`, // line 9: second leader
      `NO-SUCH-UNIT,,Ai Đó,0388111009,thành viên,`, // line 10
      `${village.code},,Người Thứ Sáu,0388111010,thành viên,`, // line 11: village team had 5 → 6 is fine
      `${village.code},,Cộng Tác,0388111011,cộng tác viên,`, // line 12
      `${commune.code},,Hoàng Văn Sáng,0388111003,thành viên,giáo viên`, // line 13: same person in the commune team
    ]);
    const r = await importMembersFile(db.db, file, { at: AT, describe: (v) => violationText(vi, v) });
    expect(r.rows).toBe(12);
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([
      [7, expect.stringContaining('không nhập vì tổ "Tổ công nghệ số cộng đồng Thôn Nà Pồng" có dòng lỗi')],
      [8, expect.stringContaining('Số điện thoại "0212345678" không hợp lệ')],
      [9, expect.stringMatching(/Tổ đã có tổ trưởng \(Giàng A Lử\).*\(Quy định: Yên Bái 456\/KH-BCĐ mục 3\.1\.a, 3\.1\.c, 3\.1\.d/)],
      [10, expect.stringContaining('không có đơn vị mã "NO-SUCH-UNIT"')],
    ]);
    expect(r.teamsImported).toBe(3);
    expect(r.teamsCreated).toBe(1);
    expect(r.teamsRejected).toBe(2);
    expect(r.membersInserted).toBe(8);

    const [teamA] = await teamsOfUnit(db.db, newA.id);
    expect((await roster(db.db, teamA!.id)).map((e) => [e.name, e.role, e.phone])).toEqual([
      ['Lò Văn Páo', 'leader', '+84388111001'],
      ['Lò Thị Mai', 'deputy', '+84388111002'],
      ['Hoàng Văn Sáng', 'member', '+84388111003'],
      ['Vàng Thị Dua', 'member', '+84388111004'],
      ['Sùng A Chứ', 'member', '+84388111005'],
    ]);
    expect(await teamsOfUnit(db.db, newB.id)).toEqual([]);
    // one person in the village team and the commune team (Yên Bái recommends it)
    const sang = (await roster(db.db, communeTeam.id)).find((e) => e.name === 'Hoàng Văn Sáng')!;
    expect(sang.personId).toBe((await roster(db.db, teamA!.id)).find((e) => e.name === 'Hoàng Văn Sáng')!.personId);
    expect((await roster(db.db, villageTeam.id)).map((e) => e.role)).toContain('collaborator');
    const log = (await auditEntries(db.db, 'members.import')).at(-1)!;
    expect(JSON.parse(log.details!)).toEqual({ rows: 12, teams: 3, teamsCreated: 1, members: 8, rejectedRows: 4 });
    expect(log.details).not.toMatch(/0388/);
  });

  it('counts current members: the 11th counted member of a Yên Bái team is refused as a collaborator place', async () => {
    const team = s.teams.find((t) => s.unitsByLevel.village!.includes(t.unitId))!;
    const village = (await getUnit(db.db, team.unitId))!;
    const have = (await roster(db.db, team.id)).filter((e) => e.role !== 'collaborator').length; // 6
    const rows = ['ma_don_vi;ho_ten;so_dien_thoai;vai_tro'.replace(/;/g, ',')];
    for (let i = 0; i < 11 - have; i++) rows.push(`${village.code},Thêm ${i},03990000${String(i).padStart(2, '0')},thành viên`);
    const r = await importMembersFile(db.db, write('full.csv', rows), { at: AT, describe: (v) => violationText(vi, v) });
    expect(r.rejected.at(-1)!.reason).toContain('Tổ đã đủ tối đa 10 thành viên');
    expect(r.rejected.at(-1)!.reason).toContain('nhóm cộng tác viên');
    expect(r.membersInserted).toBe(0);
  });

  it('stops, naming it, when the file changes between its two readings (rows of a team the first reading did not count)', async () => {
    const header = 'ma_don_vi;ho_ten;so_dien_thoai;vai_tro'.replace(/;/g, ',');
    const file = write('growing.csv', [header, `${newA.code},Người Đầu,0399100001,thành viên`]);
    await expect(
      importMembersFile(db.db, file, {
        at: AT,
        // the first reading (counting each team's rows) is over: someone saves the file again, longer
        onProgress: (p) => {
          if (p.phase === 'read' && p.total !== undefined) fs.appendFileSync(file, `\n${newB.code},Người Thêm,0399100002,thành viên\n`);
        },
      }),
    ).rejects.toThrow('tệp đã thay đổi trong khi nhập: hãy nhập lại');
  });

  it('refuses a file without the required columns', async () => {
    await expect(importMembersFile(db.db, write('bad.csv', ['name,phone', 'A,0912345678']), { at: AT })).rejects.toThrow(/thiếu cột unit_code/);
  });
});

describe('members export and the roll-up', () => {
  it('exports xlsx (members + summary) that imports back as duplicates only', async () => {
    const file = path.join(dir, 'out.xlsx');
    const r = await exportMembers(db.db, commune, file);
    const rows = await readMembersXlsx(file);
    expect(rows).toHaveLength(r.members);
    expect(rows.find((x) => x.name === 'Lò Văn Páo')).toMatchObject({ unitCode: newA.code, phone: '0388111001', role: 'tổ trưởng', occupation: 'Trưởng thôn' });
    const again = await importMembersFile(db.db, file, { at: AT, dryRun: true, describe: (v) => violationText(vi, v) });
    expect(again.rejected.length).toBe(rows.length);
    expect(again.rejected.filter((x) => x.reason.includes('đã có trong danh sách tổ')).length).toBeGreaterThan(0);
  });

  it('exports CSV and the per-unit summary; the roll-up counts by role and kind', async () => {
    const file = path.join(dir, 'out.csv');
    const r = await exportMembers(db.db, commune, file);
    const csv = fs.readFileSync(file, 'utf8').replace(/^\ufeff/, '').trim().split('\n');
    expect(csv[0]).toBe('unit_code,unit_name,team,name,phone,role,occupation,since');
    expect(csv).toHaveLength(r.members + 1);
    expect(csv).toContain(`${newA.code},Thôn Khe Sến,Tổ công nghệ số cộng đồng Thôn Khe Sến,Sùng A Chứ,0388111005,thành viên,"công an viên, xã",2026-03-02`);
    const summary = fs.readFileSync(r.files[1]!, 'utf8').replace(/^\ufeff/, '').trim().split('\n');
    const roll = await memberRollup(db.db, commune);
    const total = roll.total.get(commune.id)!;
    expect(summary[1]).toBe(
      [commune.code, commune.name, 'commune', total.teams, total.counted, total.byRole.leader, total.byRole.deputy, total.byRole.member, total.byRole.collaborator, total.byKind.community, 0, total.underMin, total.noLeader].join(','),
    );
    expect(total.teams).toBe(1 + roll.children.filter((u) => (roll.total.get(u.id)?.teams ?? 0) > 0).length);
    expect(total.byRole.collaborator).toBe(1);
    expect(total.counted).toBe(r.members - 1);
  });
});

describe('CLI', () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, env: { DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, now: () => AT });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('roles grant --role approver --person PHONE --unit CODE', async () => {
    const r = await run(['roles', 'grant', '--role', 'approver', '--person', '0388 111 001', '--unit', commune.code!]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Đã cấp quyền approver tại');
    const person = (await roster(db.db, (await teamsOfUnit(db.db, newA.id))[0]!.id))[0]!;
    expect((await grantsOf(db.db, person.personId)).map((g) => [g.role, g.unitId])).toContainEqual(['approver', commune.id]);
    expect((await run(['roles', 'grant', '--role', 'king', '--person', '1', '--unit', commune.code!])).code).toBe(2);
    expect((await run(['roles', 'grant', '--role', 'officer', '--person', '0999999999', '--unit', commune.code!])).code).toBe(1);
  });

  it('members import prints rejected rows with line numbers and exits 1; export writes the file', async () => {
    const file = write('cli.csv', ['unit_code,name,phone,role', `${newB.code},Giàng A Lử,0388111006,tổ trưởng`, `${newB.code},Giàng Thị Pà,12345,thành viên`]);
    const r = await run(['members', 'import', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('dòng 3');
    expect(r.out).toContain('Số điện thoại "12345" không hợp lệ');
    const ok = await run(['members', 'import', write('cli2.csv', ['unit_code,name,phone,role,occupation', `${newB.code},Giàng A Lử,0388111006,tổ trưởng,Trưởng thôn`, ...[1, 2, 3, 4].map((i) => `${newB.code},Người ${i},038811120${i},thành viên,`)])]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('1 tổ (1 tổ mới), 5 thành viên');
    const out = path.join(dir, 'cli.xlsx');
    const ex = await run(['members', 'export', '--unit', commune.code!, '--out', out]);
    expect(ex.code).toBe(0);
    expect(fs.existsSync(out)).toBe(true);
  });
});
