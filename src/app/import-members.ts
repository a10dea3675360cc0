/**
 * Bulk import of team members for onboarding whole communes (SPEC §6), from CSV or .xlsx:
 *
 *   unit_code, team (optional), name, phone, role, occupation
 *
 * (Vietnamese headers work too: ma_don_vi, to, ho_ten, so_dien_thoai, vai_tro, nghe_nghiep.) Every
 * row is checked with the same rules as /themtv, counting the team's current members and the rows
 * before it; a team is imported whole or not at all: one bad row rejects its team, and the report
 * lists every rejected row with its line number and reason. An import is the commune's decision
 * already taken on paper, so it writes memberships directly (no approval requests) and is audited
 * once with its counts.
 *
 * Scale: rows are read into memory (≈ 300 bytes each), units, teams, members and people are looked
 * up in batches, and accepted teams are written in transactions of a few thousand teams with
 * multi-row inserts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import type { Db } from '../db';
import { checkJoin, parseRole, rosterWarnings, type RuleWarning, type Seat, type Violation } from '../domain/membership';
import type { TeamRole, TeamRule } from '../domain/profile';
import { fold } from '../domain/text';
import { audit } from '../store/audit';
import { ruleOfTeam, type ProfileOf } from './membership';
import { getProfile } from './profiles';

export interface MemberRow {
  /** line in the file (CSV: physical line of the record; xlsx: row number) */
  line: number;
  unitCode: string;
  team: string;
  name: string;
  phone: string;
  role: string;
  occupation: string;
  /** set by the check: the number in E.164, the role, and the person once known */
  e164: string | undefined;
  roleKey: TeamRole | undefined;
  personId: number | null;
}

export interface RejectedRow {
  line: number;
  unitCode: string;
  name: string;
  /** Vietnamese, with the rule's source */
  reason: string;
}

export interface TeamWarning {
  unitCode: string;
  team: string;
  /** Vietnamese */
  text: string;
}

export interface MemberImportResult {
  rows: number;
  teamsImported: number;
  teamsCreated: number;
  teamsRejected: number;
  membersInserted: number;
  peopleCreated: number;
  peopleReused: number;
  rejected: RejectedRow[];
  warnings: TeamWarning[];
}

export interface ImportProgress {
  phase: 'read' | 'check' | 'write';
  done: number;
  total?: number;
}

export interface ImportOptions {
  at: Date;
  actor?: number | null;
  profileOf?: ProfileOf;
  onProgress?: (p: ImportProgress) => void;
  /** check only, write nothing */
  dryRun?: boolean;
  /** accepted teams per write transaction */
  teamsPerTransaction?: number;
  /** rows per multi-row insert */
  batchSize?: number;
  /** renders a rule failure (the CLI passes the chat's Vietnamese rendering, with the rule's source) */
  describe?: (v: Violation) => string;
  /** renders a team warning (under the minimum, no leader…) */
  describeWarning?: (w: RuleWarning) => string;
}

export class MemberImportError extends Error {
  constructor(
    readonly vi: string,
    readonly en: string,
  ) {
    super(`${vi} (${en})`);
  }
}

// ---------------------------------------------------------------- reading

type Field = 'unitCode' | 'team' | 'name' | 'phone' | 'role' | 'occupation';

const HEADERS: Record<Field, string[]> = {
  unitCode: ['unit code', 'unit', 'ma don vi', 'ma dv', 'ma'],
  team: ['team', 'to', 'ten to'],
  name: ['name', 'full name', 'ho ten', 'ho va ten', 'ten'],
  phone: ['phone', 'so dien thoai', 'sdt', 'dien thoai'],
  role: ['role', 'vai tro'],
  occupation: ['occupation', 'nghe nghiep', 'chuc vu', 'nghe nghiep chuc vu', 'don vi cong tac'],
};

/** Column index of each field from a header row; unit code, name and phone are required. */
export function headerIndex(header: string[]): Record<Field, number> {
  const folded = header.map((h) => fold(h ?? ''));
  const idx = {} as Record<Field, number>;
  for (const [field, names] of Object.entries(HEADERS) as [Field, string[]][]) {
    idx[field] = folded.findIndex((h) => names.includes(h));
  }
  const missing = (['unitCode', 'name', 'phone'] as const).filter((f) => idx[f] < 0);
  if (missing.length) {
    throw new MemberImportError(
      `dòng tiêu đề thiếu cột ${missing.map((f) => HEADERS[f][0]!.replace(' ', '_')).join(', ')} (cần unit_code, team, name, phone, role, occupation)`,
      `header row lacks ${missing.join(', ')} (expected unit_code, team, name, phone, role, occupation)`,
    );
  }
  return idx;
}

/**
 * Repeated values (a team's unit code, common occupations and roles) share one string: 400,000 rows
 * hold far fewer distinct values than cells.
 */
class Interner {
  private readonly m = new Map<string, string>();
  get(s: string): string {
    if (s.length > 64) return s;
    const hit = this.m.get(s);
    if (hit !== undefined) return hit;
    if (this.m.size < 200_000) this.m.set(s, s);
    return s;
  }
}

function toRow(cells: string[], idx: ReturnType<typeof headerIndex>, line: number, intern: Interner): MemberRow {
  const get = (i: number) => (i >= 0 ? String(cells[i] ?? '').trim() : '');
  // every field declared up front: one object shape for all rows
  return {
    line,
    unitCode: intern.get(get(idx.unitCode)),
    team: intern.get(get(idx.team)),
    name: get(idx.name).replace(/\s+/g, ' '),
    phone: get(idx.phone),
    role: intern.get(get(idx.role)),
    occupation: intern.get(get(idx.occupation)),
    e164: undefined,
    roleKey: undefined,
    personId: null,
  };
}

export async function readMembersCsv(file: string, onProgress?: (p: ImportProgress) => void): Promise<MemberRow[]> {
  const parser = fs.createReadStream(file).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, trim: true }));
  const rows: MemberRow[] = [];
  const intern = new Interner();
  let idx: ReturnType<typeof headerIndex> | undefined;
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!idx) {
      idx = headerIndex(rec.record);
      continue;
    }
    rows.push(toRow(rec.record, idx, rec.info.lines, intern));
    if (onProgress && rows.length % 20000 === 0) onProgress({ phase: 'read', done: rows.length });
  }
  if (!idx) throw new MemberImportError('tệp rỗng', 'empty file');
  return rows;
}

export async function readMembersXlsx(file: string): Promise<MemberRow[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.worksheets[0];
  if (!ws) throw new MemberImportError('tệp không có trang tính nào', 'no worksheet');
  let idx: ReturnType<typeof headerIndex> | undefined;
  const rows: MemberRow[] = [];
  const intern = new Interner();
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (c, col) => {
      cells[col - 1] = c.text;
    });
    if (!idx) idx = headerIndex(cells);
    else if (cells.some((c) => c && c.trim())) rows.push(toRow(cells, idx, n, intern));
  });
  if (!idx) throw new MemberImportError('tệp rỗng', 'empty file');
  return rows;
}

export async function readMembersFile(file: string, onProgress?: (p: ImportProgress) => void): Promise<MemberRow[]> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xlsx') return readMembersXlsx(file);
  if (ext === '.csv' || ext === '.txt') return readMembersCsv(file, onProgress);
  throw new MemberImportError(`không đọc được tệp "${ext}": dùng .csv hoặc .xlsx`, `unsupported file type "${ext}": use .csv or .xlsx`);
}

// ---------------------------------------------------------------- checking

interface UnitInfo {
  id: number;
  code: string;
  name: string;
  level: string;
  profile: string;
}

interface PlannedTeam {
  unit: UnitInfo;
  /** existing team id, or undefined to create one named `name` */
  teamId?: number;
  name: string;
  kind: string;
  rule: TeamRule;
  members: MemberRow[];
}

async function inChunks<T, R>(items: T[], size: number, f: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await f(items.slice(i, i + size))));
  return out;
}

const EDITIONS = ['2025', '2024'];

async function resolveUnits(db: Db, codes: string[]): Promise<Map<string, UnitInfo>> {
  const out = new Map<string, UnitInfo>();
  const select = (list: string[]) =>
    inChunks(list, 500, (chunk) =>
      db.selectFrom('units').select(['id', 'code', 'name', 'level', 'profile']).where('code', 'in', chunk).where('active', '=', 1).execute(),
    );
  for (const u of await select(codes)) out.set(u.code!, { ...u, code: u.code! });
  // official codes without the edition namespace ("04249" for "2024:04249"), when unambiguous
  const rest = codes.filter((c) => !out.has(c) && /^\d+$/.test(c));
  if (rest.length) {
    const found = await select(rest.flatMap((c) => EDITIONS.map((e) => `${e}:${c}`)));
    const byOfficial = new Map<string, UnitInfo[]>();
    for (const u of found) {
      const official = u.code!.slice(u.code!.indexOf(':') + 1);
      byOfficial.set(official, [...(byOfficial.get(official) ?? []), { ...u, code: u.code! }]);
    }
    for (const [official, list] of byOfficial) if (list.length === 1) out.set(official, list[0]!);
  }
  return out;
}

/** Reads, checks and plans; nothing is written. */
async function plan(db: Db, rows: MemberRow[], opts: ImportOptions) {
  const profileOf = opts.profileOf ?? getProfile;
  const describe = opts.describe ?? defaultDescribe;
  const describeWarning = opts.describeWarning ?? ((w: RuleWarning) => `${w.code} ${JSON.stringify(w.params)}`);
  const rejected: RejectedRow[] = [];
  const warnings: TeamWarning[] = [];
  const reject = (r: MemberRow, reason: string) => rejected.push({ line: r.line, unitCode: r.unitCode, name: r.name, reason });

  const units = await resolveUnits(db, [...new Set(rows.map((r) => r.unitCode).filter(Boolean))]);
  const unitIds = [...new Set([...units.values()].map((u) => u.id))];
  const teams = await inChunks(unitIds, 500, (chunk) =>
    db.selectFrom('teams').select(['id', 'unit_id', 'name', 'kind']).where('unit_id', 'in', chunk).where('active', '=', 1).execute(),
  );
  const teamsOf = new Map<number, typeof teams>();
  for (const t of teams) teamsOf.set(t.unit_id, [...(teamsOf.get(t.unit_id) ?? []), t]);

  // group rows by unit and team name, keeping file order
  const groups = new Map<string, MemberRow[]>();
  for (const r of rows) {
    if (!r.unitCode) {
      reject(r, 'thiếu mã đơn vị (unit_code)');
      continue;
    }
    const key = `${r.unitCode}\u0000${fold(r.team)}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }

  const planned: PlannedTeam[] = [];
  const groupList = [...groups.values()];
  for (const g of groupList) {
    const first = g[0]!;
    const unit = units.get(first.unitCode);
    if (!unit) {
      for (const r of g) reject(r, `không có đơn vị mã "${r.unitCode}" (hãy nhập đơn vị trước: units import)`);
      continue;
    }
    const profile = profileOf(unit.profile);
    const existing = teamsOf.get(unit.id) ?? [];
    let team: { id?: number; name: string; kind: string } | undefined;
    if (first.team) team = existing.find((t) => fold(t.name) === fold(first.team)) ?? { name: first.team, kind: '' };
    else if (existing.length === 1) team = existing[0]!;
    else if (existing.length === 0) team = { name: '', kind: '' };
    if (!team) {
      for (const r of g) reject(r, `${unit.name} có ${existing.length} tổ: ghi tên tổ ở cột team`);
      continue;
    }
    const rule = team.kind ? ruleOfTeam(profile, unit, { kind: team.kind }) : profile.teams.find((t) => t.level === unit.level);
    if (!rule) {
      for (const r of g) reject(r, `quy định ${profile.id} không có tổ ở cấp ${unit.level} (${unit.name})`);
      continue;
    }
    const kind = team.kind || rule.kind;
    const name = team.name || `${kind === 'steering' ? 'Tổ Chỉ đạo công nghệ số cộng đồng' : 'Tổ công nghệ số cộng đồng'} ${unit.name}`;
    planned.push({ unit, ...(team.id !== undefined ? { teamId: team.id } : {}), name, kind, rule, members: g });
  }

  // current rosters of the existing teams and people known by phone
  const existingTeamIds = planned.filter((p) => p.teamId !== undefined).map((p) => p.teamId!);
  const current = await inChunks(existingTeamIds, 500, (chunk) =>
    db
      .selectFrom('memberships as m')
      .innerJoin('people as p', 'p.id', 'm.person_id')
      .select(['m.team_id', 'm.person_id', 'm.role', 'p.display_name', 'p.phone'])
      .where('m.team_id', 'in', chunk)
      .where('m.until', 'is', null)
      .execute(),
  );
  const seatsOf = new Map<number, Seat[]>();
  for (const m of current) {
    seatsOf.set(m.team_id, [...(seatsOf.get(m.team_id) ?? []), { personId: m.person_id, phone: m.phone, name: m.display_name, role: m.role as TeamRole }]);
  }

  let checked = 0;
  const accepted: PlannedTeam[] = [];
  const phoneRows: string[] = [];
  for (const t of planned) {
    const seats: Seat[] = [...(t.teamId !== undefined ? (seatsOf.get(t.teamId) ?? []) : [])];
    const bad: { row: MemberRow; reason: string }[] = [];
    for (const m of t.members) {
      const role = m.role ? parseRole(m.role) : 'member';
      if (!role) {
        bad.push({ row: m, reason: `không hiểu vai trò "${m.role}" (tổ trưởng, tổ phó, thành viên, cộng tác viên)` });
        continue;
      }
      const c = checkJoin(t.rule, seats, { name: m.name, phone: m.phone, role, occupation: m.occupation || null });
      if (!c.ok) {
        bad.push({ row: m, reason: c.violations.map(describe).join(' ') });
        continue;
      }
      m.roleKey = role;
      m.e164 = c.phone!;
      seats.push({ phone: c.phone!, name: m.name, role });
    }
    checked += t.members.length;
    if (opts.onProgress && checked % 20000 < t.members.length) opts.onProgress({ phase: 'check', done: checked, total: rows.length });
    if (bad.length) {
      for (const b of bad) reject(b.row, b.reason);
      const badLines = new Set(bad.map((b) => b.row.line));
      for (const m of t.members) if (!badLines.has(m.line)) reject(m, `không nhập vì tổ "${t.name}" có dòng lỗi (nhập cả tổ hoặc không)`);
      continue;
    }
    for (const w of rosterWarnings(t.rule, seats)) warnings.push({ unitCode: t.unit.code, team: t.name, text: describeWarning(w) });
    accepted.push(t);
    for (const m of t.members) phoneRows.push(m.e164!);
  }

  // people already known by phone (a person may sit in a commune team and a village team)
  const known = new Map<string, number>();
  const anyPeople = await db.selectFrom('people').select('id').limit(1).executeTakeFirst();
  if (anyPeople) {
    const found = await inChunks([...new Set(phoneRows)], 500, (chunk) => db.selectFrom('people').select(['id', 'phone']).where('phone', 'in', chunk).execute());
    for (const p of found) if (p.phone && !known.has(p.phone)) known.set(p.phone, p.id);
  }
  for (const t of accepted) for (const m of t.members) m.personId = known.get(m.e164!) ?? null;
  rejected.sort((a, b) => a.line - b.line);
  return { accepted, rejected, warnings };
}

/** Without a renderer (tests, benchmarks): the rule code and its source. */
function defaultDescribe(v: Violation): string {
  return `${v.code} ${JSON.stringify(v.params)} (${v.source})`;
}

// ---------------------------------------------------------------- writing

async function write(db: Db, accepted: PlannedTeam[], opts: ImportOptions, total: number) {
  const at = opts.at.toISOString();
  const batch = opts.batchSize ?? 500;
  const perTx = opts.teamsPerTransaction ?? 2000;
  // only numbers in more than one team need remembering across transactions
  let all = new Set<string>();
  const shared = new Set<string>();
  for (const t of accepted) for (const m of t.members) if (all.has(m.e164!)) shared.add(m.e164!); else all.add(m.e164!);
  all = new Set();
  const personOf = new Map<string, number>();
  let teamsCreated = 0;
  let peopleCreated = 0;
  let peopleReused = 0;
  let membersInserted = 0;
  for (let i = 0; i < accepted.length; i += perTx) {
    const chunk = accepted.slice(i, i + perTx);
    await db.transaction().execute(async (trx) => {
      // teams to create
      const fresh = chunk.filter((t) => t.teamId === undefined);
      for (let j = 0; j < fresh.length; j += batch) {
        const part = fresh.slice(j, j + batch);
        const ids = await trx
          .insertInto('teams')
          .values(part.map((t) => ({ unit_id: t.unit.id, name: t.name, kind: t.kind, active: 1, created_at: at })))
          .returning(['id', 'unit_id', 'name'])
          .execute();
        const byKey = new Map(ids.map((r) => [`${r.unit_id}\u0000${r.name}`, r.id]));
        for (const t of part) t.teamId = byKey.get(`${t.unit.id}\u0000${t.name}`)!;
        teamsCreated += part.length;
      }
      // people to create, once per phone
      const newPeople: { phone: string; name: string }[] = [];
      const chunkPerson = new Map<string, number>();
      const seen = new Set<string>();
      for (const t of chunk) {
        for (const m of t.members) {
          if (m.personId != null) continue;
          const id = personOf.get(m.e164!);
          if (id !== undefined) m.personId = id;
          else if (!seen.has(m.e164!)) {
            seen.add(m.e164!);
            newPeople.push({ phone: m.e164!, name: m.name });
          }
        }
      }
      for (let j = 0; j < newPeople.length; j += batch) {
        const ids = await trx
          .insertInto('people')
          .values(newPeople.slice(j, j + batch).map((p) => ({ display_name: p.name, phone: p.phone, locale: null, created_at: at })))
          .returning(['id', 'phone'])
          .execute();
        for (const r of ids) {
          if (shared.has(r.phone!)) personOf.set(r.phone!, r.id);
          else chunkPerson.set(r.phone!, r.id);
        }
      }
      peopleCreated += newPeople.length;
      const rowsOut: { team_id: number; person_id: number; role: string; occupation: string | null; since: string; until: null }[] = [];
      for (const t of chunk) {
        for (const m of t.members) {
          if (m.personId == null) m.personId = chunkPerson.get(m.e164!) ?? personOf.get(m.e164!)!;
          else if (!seen.has(m.e164!)) peopleReused++;
          rowsOut.push({ team_id: t.teamId!, person_id: m.personId!, role: m.roleKey!, occupation: m.occupation || null, since: at, until: null });
        }
      }
      for (let j = 0; j < rowsOut.length; j += batch) {
        await trx.insertInto('memberships').values(rowsOut.slice(j, j + batch)).execute();
      }
      membersInserted += rowsOut.length;
    });
    for (const t of chunk) t.members = [];
    opts.onProgress?.({ phase: 'write', done: membersInserted, total });
  }
  return { teamsCreated, peopleCreated, peopleReused, membersInserted };
}

/** Checks every row, then writes the teams whose rows all passed. Empties `rows` (to free memory as it writes). */
export async function importMembers(db: Db, rows: MemberRow[], opts: ImportOptions): Promise<MemberImportResult> {
  const { accepted, rejected, warnings } = await plan(db, rows, opts);
  const acceptedRows = accepted.reduce((n, t) => n + t.members.length, 0);
  const rowCount = rows.length;
  const teamsRejected = countRejectedTeams(rows, rejected);
  // the accepted teams hold what is left to write; written rows are released team by team
  rows.length = 0;
  const counts = opts.dryRun
    ? { teamsCreated: accepted.filter((t) => t.teamId === undefined).length, peopleCreated: 0, peopleReused: 0, membersInserted: 0 }
    : await write(db, accepted, opts, acceptedRows);
  const result: MemberImportResult = {
    rows: rowCount,
    teamsImported: opts.dryRun ? 0 : accepted.length,
    teamsCreated: counts.teamsCreated,
    teamsRejected,
    membersInserted: counts.membersInserted,
    peopleCreated: counts.peopleCreated,
    peopleReused: counts.peopleReused,
    rejected,
    warnings,
  };
  if (!opts.dryRun) {
    await audit(
      db,
      {
        actor: opts.actor ?? null,
        action: 'members.import',
        details: { rows: result.rows, teams: result.teamsImported, teamsCreated: result.teamsCreated, members: result.membersInserted, rejectedRows: rejected.length },
      },
      opts.at,
    );
  }
  return result;
}

function countRejectedTeams(rows: MemberRow[], rejected: RejectedRow[]): number {
  const lines = new Set(rejected.map((r) => r.line));
  return new Set(rows.filter((r) => lines.has(r.line)).map((r) => `${r.unitCode}\u0000${fold(r.team)}`)).size;
}

export async function importMembersFile(db: Db, file: string, opts: ImportOptions): Promise<MemberImportResult> {
  const rows = await readMembersFile(file, opts.onProgress);
  opts.onProgress?.({ phase: 'read', done: rows.length, total: rows.length });
  return importMembers(db, rows, opts);
}

