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
 * Scale (400,000 rows): a CSV file is streamed twice — first counting each team's rows, then
 * checking them and writing each team once its last row is checked — so memory holds per-team
 * counts and plans, not the rows; units, teams, members and people are looked up in batches, and
 * accepted teams are written in transactions of a few thousand teams with multi-row inserts.
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

/**
 * Rows that can be read twice, in file order: a CSV file is streamed twice (first to count each
 * team's rows, then to check and write them), an xlsx sheet (read whole by ExcelJS) is walked twice.
 */
export type RowSource = () => AsyncIterable<MemberRow>;

/** A CSV file as a row source: each pass streams it again; nothing is kept between passes. */
export function csvSource(file: string): RowSource {
  return async function* () {
    const parser = fs.createReadStream(file).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, trim: true }));
    let idx: ReturnType<typeof headerIndex> | undefined;
    // a pass's rows die young: no interning
    const intern = { get: (x: string) => x } as Interner;
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!idx) idx = headerIndex(rec.record);
      else yield toRow(rec.record, idx, rec.info.lines, intern);
    }
    if (!idx) throw new MemberImportError('tệp rỗng', 'empty file');
  };
}

/** Rows already in memory (an xlsx sheet) as a row source. */
export function arraySource(rows: readonly MemberRow[]): RowSource {
  return async function* () {
    yield* rows;
  };
}

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
  /** the team's checked rows, held from its first row to its write */
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

/** A team of the file: its unit code and team cell (as first written), how many rows it has. */
interface Group {
  unitCode: string;
  team: string;
  rows: number;
  /** what is done with its rows: a team to check and write, or why every row is refused */
  plan?: Omit<PlannedTeam, 'members'> | string;
}

const groupKey = (r: MemberRow) => `${r.unitCode}\u0000${fold(r.team)}`;

/**
 * Pass 1: counts the rows of each team (unit code + team name) — all the import keeps of a row
 * until its team is checked — and refuses rows without a unit code.
 */
async function countTeams(source: RowSource, reject: (r: MemberRow, reason: string) => void, onProgress?: (p: ImportProgress) => void) {
  const groups = new Map<string, Group>();
  // teams refused whole, counted as the old importer did: rows without a unit code, by team name
  const noCode = new Set<string>();
  let rows = 0;
  let rowsWithoutCode = 0;
  for await (const r of source()) {
    rows++;
    if (onProgress && rows % 20000 === 0) onProgress({ phase: 'read', done: rows });
    if (!r.unitCode) {
      rowsWithoutCode++;
      reject(r, 'thiếu mã đơn vị (unit_code)');
      noCode.add(groupKey(r));
      continue;
    }
    const key = groupKey(r);
    const g = groups.get(key);
    if (g) g.rows++;
    else groups.set(key, { unitCode: r.unitCode, team: r.team, rows: 1 });
  }
  return { groups, noCode: noCode.size, rows, rowsWithoutCode };
}

/** Each team's unit, existing team and rule, or the reason all its rows are refused. */
async function planTeams(db: Db, groups: Map<string, Group>, profileOf: ProfileOf): Promise<void> {
  const units = await resolveUnits(db, [...new Set([...groups.values()].map((g) => g.unitCode))]);
  const unitIds = [...new Set([...units.values()].map((u) => u.id))];
  const teams = await inChunks(unitIds, 500, (chunk) =>
    db.selectFrom('teams').select(['id', 'unit_id', 'name', 'kind']).where('unit_id', 'in', chunk).where('active', '=', 1).execute(),
  );
  const teamsOf = new Map<number, typeof teams>();
  for (const t of teams) teamsOf.set(t.unit_id, [...(teamsOf.get(t.unit_id) ?? []), t]);
  for (const g of groups.values()) {
    const unit = units.get(g.unitCode);
    if (!unit) {
      g.plan = `không có đơn vị mã "${g.unitCode}" (hãy nhập đơn vị trước: units import)`;
      continue;
    }
    const profile = profileOf(unit.profile);
    const existing = teamsOf.get(unit.id) ?? [];
    let team: { id?: number; name: string; kind: string } | undefined;
    if (g.team) team = existing.find((t) => fold(t.name) === fold(g.team)) ?? { name: g.team, kind: '' };
    else if (existing.length === 1) team = existing[0]!;
    else if (existing.length === 0) team = { name: '', kind: '' };
    if (!team) {
      g.plan = `${unit.name} có ${existing.length} tổ: ghi tên tổ ở cột team`;
      continue;
    }
    const rule = team.kind ? ruleOfTeam(profile, unit, { kind: team.kind }) : profile.teams.find((t) => t.level === unit.level);
    if (!rule) {
      g.plan = `quy định ${profile.id} không có tổ ở cấp ${unit.level} (${unit.name})`;
      continue;
    }
    const kind = team.kind || rule.kind;
    const name = team.name || `${kind === 'steering' ? 'Tổ Chỉ đạo công nghệ số cộng đồng' : 'Tổ công nghệ số cộng đồng'} ${unit.name}`;
    g.plan = { unit, ...(team.id !== undefined ? { teamId: team.id } : {}), name, kind, rule };
  }
}

/** Current rosters of the existing teams the file adds to. */
async function currentSeats(db: Db, teamIds: number[]): Promise<Map<number, Seat[]>> {
  const current = await inChunks(teamIds, 500, (chunk) =>
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
  return seatsOf;
}

/** Without a renderer (tests, benchmarks): the rule code and its source. */
function defaultDescribe(v: Violation): string {
  return `${v.code} ${JSON.stringify(v.params)} (${v.source})`;
}

// ---------------------------------------------------------------- writing

interface WriteCounts {
  teamsCreated: number;
  peopleCreated: number;
  peopleReused: number;
  membersInserted: number;
}

/**
 * Writes accepted teams in one transaction: the new teams, a person per new phone (people already
 * known by phone — before the import or from an earlier transaction of it — are reused: a person
 * may sit in a commune team and a village team), the memberships. Releases the teams' rows.
 */
async function writeTeams(db: Db, chunk: PlannedTeam[], at: string, batch: number, counts: WriteCounts): Promise<void> {
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
      counts.teamsCreated += part.length;
    }
    // people known by phone, then the others created once per phone
    const phones = [...new Set(chunk.flatMap((t) => t.members.map((m) => m.e164!)))];
    const known = new Map<string, number>();
    for (let j = 0; j < phones.length; j += batch) {
      const found = await trx.selectFrom('people').select(['id', 'phone']).where('phone', 'in', phones.slice(j, j + batch)).execute();
      for (const p of found) if (p.phone && !known.has(p.phone)) known.set(p.phone, p.id);
    }
    const newPeople: { phone: string; name: string }[] = [];
    const created = new Map<string, number>();
    for (const t of chunk) {
      for (const m of t.members) {
        if (known.has(m.e164!) || created.has(m.e164!)) continue;
        created.set(m.e164!, -1);
        newPeople.push({ phone: m.e164!, name: m.name });
      }
    }
    for (let j = 0; j < newPeople.length; j += batch) {
      const ids = await trx
        .insertInto('people')
        .values(newPeople.slice(j, j + batch).map((p) => ({ display_name: p.name, phone: p.phone, locale: null, created_at: at })))
        .returning(['id', 'phone'])
        .execute();
      for (const r of ids) created.set(r.phone!, r.id);
    }
    counts.peopleCreated += newPeople.length;
    const rowsOut: { team_id: number; person_id: number; role: string; occupation: string | null; since: string; until: null }[] = [];
    for (const t of chunk) {
      for (const m of t.members) {
        const reused = known.get(m.e164!);
        if (reused !== undefined) counts.peopleReused++;
        m.personId = reused ?? created.get(m.e164!)!;
        rowsOut.push({ team_id: t.teamId!, person_id: m.personId, role: m.roleKey!, occupation: m.occupation || null, since: at, until: null });
      }
    }
    for (let j = 0; j < rowsOut.length; j += batch) {
      await trx.insertInto('memberships').values(rowsOut.slice(j, j + batch)).execute();
    }
    counts.membersInserted += rowsOut.length;
  });
  for (const t of chunk) t.members = [];
}

// ---------------------------------------------------------------- the import

/**
 * Checks every row, then writes the teams whose rows all passed. Two passes over the rows: the
 * first counts each team's rows, the second checks them in file order (against the team's current
 * roster and its rows before) and, once a team's last row is checked, accepts or refuses the team
 * whole; accepted teams are written a few thousand at a time. Memory holds the teams' counts and
 * plans, the rows of teams still open (a file listing each team's rows together holds one team at
 * a time) and the teams waiting for their transaction — not the file.
 */
export async function importFrom(db: Db, source: RowSource, opts: ImportOptions): Promise<MemberImportResult> {
  const profileOf = opts.profileOf ?? getProfile;
  const describe = opts.describe ?? defaultDescribe;
  const describeWarning = opts.describeWarning ?? ((w: RuleWarning) => `${w.code} ${JSON.stringify(w.params)}`);
  const rejected: RejectedRow[] = [];
  const warnings: TeamWarning[] = [];
  const reject = (r: MemberRow, reason: string) => rejected.push({ line: r.line, unitCode: r.unitCode, name: r.name, reason });

  const counted = await countTeams(source, reject, opts.onProgress);
  const total = counted.rows;
  opts.onProgress?.({ phase: 'read', done: total, total });
  const { groups } = counted;
  await planTeams(db, groups, profileOf);
  const seatsOf = await currentSeats(
    db,
    [...groups.values()].flatMap((g) => (typeof g.plan === 'object' && g.plan.teamId !== undefined ? [g.plan.teamId] : [])),
  );

  const at = opts.at.toISOString();
  const batch = opts.batchSize ?? 500;
  const perTx = opts.teamsPerTransaction ?? 2000;
  const counts: WriteCounts = { teamsCreated: 0, peopleCreated: 0, peopleReused: 0, membersInserted: 0 };
  let teamsImported = 0;
  let teamsRejected = counted.noCode;
  let waiting: PlannedTeam[] = [];
  const flush = async () => {
    const chunk = waiting;
    waiting = [];
    if (chunk.length === 0) return;
    if (opts.dryRun) {
      counts.teamsCreated += chunk.filter((t) => t.teamId === undefined).length;
      return;
    }
    await writeTeams(db, chunk, at, batch, counts);
    teamsImported += chunk.length;
    opts.onProgress?.({ phase: 'write', done: counts.membersInserted });
  };

  // teams with rows still to come: their seats so far, and their good and bad rows
  const open = new Map<Group, { team: PlannedTeam; seats: Seat[]; bad: { row: MemberRow; reason: string }[]; seen: number }>();
  let checked = 0;
  for await (const m of source()) {
    if (!m.unitCode) continue; // refused in the first pass
    checked++;
    if (opts.onProgress && checked % 20000 === 0) opts.onProgress({ phase: 'check', done: checked, total });
    const g = groups.get(groupKey(m));
    if (!g || !g.plan) throw changed();
    if (typeof g.plan === 'string') {
      reject(m, g.plan);
      if (--g.rows === 0) teamsRejected++;
      continue;
    }
    let st = open.get(g);
    if (!st) {
      const team: PlannedTeam = { ...g.plan, members: [] };
      open.set(g, (st = { team, seats: [...(team.teamId !== undefined ? (seatsOf.get(team.teamId) ?? []) : [])], bad: [], seen: 0 }));
    }
    st.seen++;
    const role = m.role ? parseRole(m.role) : 'member';
    if (!role) st.bad.push({ row: m, reason: `không hiểu vai trò "${m.role}" (tổ trưởng, tổ phó, thành viên, cộng tác viên)` });
    else {
      const c = checkJoin(st.team.rule, st.seats, { name: m.name, phone: m.phone, role, occupation: m.occupation || null });
      if (!c.ok) st.bad.push({ row: m, reason: c.violations.map(describe).join(' ') });
      else {
        m.roleKey = role;
        m.e164 = c.phone!;
        st.seats.push({ phone: c.phone!, name: m.name, role });
        st.team.members.push(m);
      }
    }
    if (st.seen < g.rows) continue;
    // the team's last row: accept or refuse it whole
    open.delete(g);
    groups.delete(groupKey(m));
    const t = st.team;
    if (st.bad.length) {
      for (const b of st.bad) reject(b.row, b.reason);
      for (const x of t.members) reject(x, `không nhập vì tổ "${t.name}" có dòng lỗi (nhập cả tổ hoặc không)`);
      teamsRejected++;
      continue;
    }
    for (const w of rosterWarnings(t.rule, st.seats)) warnings.push({ unitCode: t.unit.code, team: t.name, text: describeWarning(w) });
    waiting.push(t);
    if (waiting.length >= perTx) await flush();
  }
  if (open.size || checked + counted.rowsWithoutCode !== total) throw changed();
  await flush();
  if (opts.dryRun) teamsImported = 0;
  rejected.sort((a, b) => a.line - b.line);

  const result: MemberImportResult = {
    rows: total,
    teamsImported,
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

/** The file changed between the two passes (rows the first pass did not count, or fewer rows). */
function changed(): MemberImportError {
  return new MemberImportError('tệp đã thay đổi trong khi nhập: hãy nhập lại', 'the file changed during the import: import it again');
}

/** Checks every row, then writes the teams whose rows all passed (rows already read, e.g. an xlsx sheet). */
export async function importMembers(db: Db, rows: MemberRow[], opts: ImportOptions): Promise<MemberImportResult> {
  return importFrom(db, arraySource(rows), opts);
}

/** Imports a .csv (streamed, twice) or .xlsx file. */
export async function importMembersFile(db: Db, file: string, opts: ImportOptions): Promise<MemberImportResult> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return importFrom(db, csvSource(file), opts);
  return importMembers(db, await readMembersFile(file, opts.onProgress), opts);
}
