/**
 * Export of rosters under a unit (SPEC §6, Cà Mau III.1.d member lists): one row per current member
 * in the import's columns (so an export can be edited and imported again), plus the roll-up of
 * counts per unit by role and team kind. xlsx: sheets "Thành viên" and "Tổng hợp"; CSV: FILE and
 * FILE with "-tong-hop" before the extension. Contains phone numbers: personal data, for admins.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { displayPhone } from '../domain/membership';
import type { TeamRole } from '../domain/profile';
import { memberRollup, type MemberCounts } from './member-reports';
import type { ProfileOf } from './membership';
import { getProfile } from './profiles';
import { underPath } from '../store/subtree';

const ROLE_VI: Record<TeamRole, string> = { leader: 'tổ trưởng', deputy: 'tổ phó', member: 'thành viên', collaborator: 'cộng tác viên' };

export const MEMBER_COLUMNS = ['unit_code', 'unit_name', 'team', 'name', 'phone', 'role', 'occupation', 'since'] as const;
export const SUMMARY_COLUMNS = [
  'unit_code', 'unit_name', 'level', 'teams', 'members_counted', 'leaders', 'deputies', 'members', 'collaborators',
  'community', 'steering', 'teams_under_min', 'teams_without_leader',
] as const;

export interface ExportResult {
  members: number;
  units: number;
  files: string[];
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function summaryRow(u: Unit, c: MemberCounts): (string | number)[] {
  return [
    u.code ?? '', u.name, u.level, c.teams, c.counted, c.byRole.leader, c.byRole.deputy, c.byRole.member, c.byRole.collaborator,
    c.byKind.community ?? 0, c.byKind.steering ?? 0, c.underMin, c.noLeader,
  ];
}

/** Member rows under the root, in tree order, in pages (keeps memory flat for a whole province). */
async function* memberRows(db: Db, root: Unit, page = 5000) {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('teams as t', 't.id', 'm.team_id')
      .innerJoin('units as u', 'u.id', 't.unit_id')
      .innerJoin('people as p', 'p.id', 'm.person_id')
      .select(['m.id', 'u.code', 'u.name as unit_name', 't.name as team', 'p.display_name', 'p.phone', 'm.role', 'm.occupation', 'm.since'])
      .where(underPath(db, 'u.path', root.path))
      .where('m.until', 'is', null)
      .where('t.active', '=', 1)
      .where('m.id', '>', after)
      .orderBy('m.id')
      .limit(page)
      .execute();
    if (rows.length === 0) return;
    after = rows.at(-1)!.id;
    yield rows.map((r) => [
      r.code ?? '',
      r.unit_name,
      r.team,
      r.display_name,
      r.phone ? displayPhone(r.phone).replace(/ /g, '') : '',
      ROLE_VI[r.role as TeamRole] ?? r.role,
      r.occupation ?? '',
      r.since.slice(0, 10),
    ]);
  }
}

export async function exportMembers(
  db: Db,
  root: Unit,
  file: string,
  opts: { format?: 'xlsx' | 'csv'; profileOf?: ProfileOf } = {},
): Promise<ExportResult> {
  const format = opts.format ?? (path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'xlsx');
  const roll = await memberRollup(db, root, opts.profileOf ?? getProfile);
  const summary = roll.units.filter((u) => (roll.total.get(u.id)?.teams ?? 0) > 0).map((u) => summaryRow(u, roll.total.get(u.id)!));
  let members = 0;
  if (format === 'csv') {
    const out = fs.createWriteStream(file);
    const put = (line: string) => new Promise<void>((res) => (out.write(line) ? res() : out.once('drain', () => res())));
    await put('\ufeff' + MEMBER_COLUMNS.join(',') + '\n');
    for await (const rows of memberRows(db, root)) {
      await put(rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n');
      members += rows.length;
    }
    await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
    const sumFile = file.replace(/(\.csv)?$/i, '-tong-hop.csv');
    fs.writeFileSync(sumFile, '\ufeff' + [SUMMARY_COLUMNS.join(','), ...summary.map((r) => r.map(csvCell).join(','))].join('\n') + '\n');
    return { members, units: summary.length, files: [file, sumFile] };
  }
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet('Thành viên');
  ws.addRow([...MEMBER_COLUMNS]).commit();
  for await (const rows of memberRows(db, root)) {
    for (const r of rows) ws.addRow(r).commit();
    members += rows.length;
  }
  ws.commit();
  const ss = wb.addWorksheet('Tổng hợp');
  ss.addRow([...SUMMARY_COLUMNS]).commit();
  for (const r of summary) ss.addRow(r).commit();
  ss.commit();
  await wb.commit();
  return { members, units: summary.length, files: [file] };
}
