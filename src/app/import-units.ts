/**
 * Import of administrative units from CSV: the GSO lists in shared/data (3-tier `vn-units-2024.csv`,
 * 2-tier `vn-units-2025.csv`) and village lists (`commune_code,village_name,kind,households`).
 *
 * The format is detected from the header row. CSV tiers map onto the profile's levels by position
 * from the root, and the profile must have exactly one level more than the file (the village level),
 * so a 3-tier list needs a 4-level profile and a 2-tier list a 3-level one.
 *
 * Codes. Both lists reuse official codes with other meanings (province 15 is Yên Bái in 2024 and Lào
 * Cai in 2025; a 2025 commune takes the code of one of the old communes merged into it), so a stored
 * code is namespaced by the list's edition: `2024:15`, `2024:132`, `2024:04249`, `2025:04252`. Within
 * one edition the official codes are unique across tiers (2, 3 and 5 digits). A village has no
 * official code; it gets `<commune unit code>:<folded name, dashed>` (`2024:04249:thon-na-pong`), with
 * a hash tail when that would exceed 32 characters. Codes are unique in the whole database, so a code
 * already owned by another profile's tree is refused rather than moved.
 *
 * Rows stream through validation into one transaction and are written in batched multi-row inserts
 * (each tier's batch after its parents', so paths are computed from known parent ids, never by a
 * query per row). A bad row stops the import with its line number and rolls everything back:
 * nothing is written unless all is. The file is never held in memory whole.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { sql } from 'kysely';
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import type { Profile } from '../domain/profile';
import { fold, shortName } from '../domain/text';
import { underPath } from '../store/subtree';

export type UnitFileFormat = 'units-2024' | 'units-2025' | 'villages';

/** Header row of each format, in order. */
export const FORMAT_HEADERS: Record<UnitFileFormat, readonly string[]> = {
  'units-2024': ['province_code', 'province_name', 'district_code', 'district_name', 'commune_code', 'commune_name', 'commune_type'],
  'units-2025': ['province_code', 'province_name', 'commune_code', 'commune_name', 'commune_type'],
  villages: ['commune_code', 'village_name', 'kind', 'households'],
};

/** The edition each official list's codes are namespaced with. */
export const FORMAT_EDITION: Record<Exclude<UnitFileFormat, 'villages'>, string> = {
  'units-2024': '2024',
  'units-2025': '2025',
};
const EDITIONS = Object.values(FORMAT_EDITION);

/** Official tiers of a list, root first, with the digits of their codes. */
const TIERS: Record<Exclude<UnitFileFormat, 'villages'>, { name: string; digits: number }[]> = {
  'units-2024': [
    { name: 'tỉnh/province', digits: 2 },
    { name: 'huyện/district', digits: 3 },
    { name: 'xã/commune', digits: 5 },
  ],
  'units-2025': [
    { name: 'tỉnh/province', digits: 2 },
    { name: 'xã/commune', digits: 5 },
  ],
};

export const COMMUNE_TYPES = ['Xã', 'Phường', 'Thị trấn', 'Đặc khu'];
const PROVINCE_KINDS = ['Thành phố', 'Tỉnh'];
const DISTRICT_KINDS = ['Thành phố', 'Thị xã', 'Quận', 'Huyện'];
/** Village kinds accepted in every profile (a profile's village level may add its own local names). */
export const VILLAGE_KINDS = ['thôn', 'bản', 'ấp', 'khóm', 'tổ dân phố'];

const CODE_MAX = 32;
const DIGITS = /^\d+$/;

export function unitCode(edition: string, officialCode: string): string {
  return `${edition}:${officialCode}`;
}

/** The official code inside a stored code ("2024:04249" → "04249"); villages have none. */
export function officialCodeOf(code: string | null): string | undefined {
  const m = code ? /^\d{4}:(\d+)$/.exec(code) : null;
  return m?.[1];
}

/** Deterministic code of a village: the commune's code plus its folded name. */
export function villageCode(communeCode: string, villageName: string): string {
  return villageCodeFromFolded(communeCode, fold(villageName));
}

function villageCodeFromFolded(communeCode: string, folded: string): string {
  const slug = folded.replace(/ /g, '-');
  const full = `${communeCode}:${slug}`;
  if (full.length <= CODE_MAX) return full;
  const hash = createHash('sha1').update(slug).digest('hex').slice(0, 8);
  const room = CODE_MAX - communeCode.length - 1 - 1 - hash.length;
  return `${communeCode}:${slug.slice(0, Math.max(room, 0)).replace(/-+$/, '')}~${hash}`;
}

export class ImportError extends Error {
  constructor(
    readonly vi: string,
    readonly en: string,
    /** 1-based line in the file, when the error is about a row */
    readonly line?: number,
  ) {
    super(`${line !== undefined ? `Dòng ${line}: ` : ''}${vi} (${line !== undefined ? `line ${line}: ` : ''}${en})`);
  }
}

export interface LevelCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ImportResult {
  format: UnitFileFormat;
  /** the code namespace of the official list (absent for villages) */
  edition?: string;
  profile: string;
  /** data rows read (after the header) */
  rows: number;
  /** per profile level key, root first */
  levels: Record<string, LevelCounts>;
}

export interface ImportProgress {
  /** read: validating only (readUnitsFile); write: importing */
  phase: 'read' | 'write';
  done: number;
  total?: number;
}

export interface ImportOptions {
  profile: Profile;
  at: Date;
  /** import only this province (official 2-digit code of the file's own edition) */
  province?: string;
  onProgress?: (p: ImportProgress) => void;
  /** rows between progress callbacks (default 5,000) */
  progressEvery?: number;
  /** rows per multi-row INSERT (default 400: 11 columns → 4,400 parameters) */
  batchSize?: number;
}

export function detectFormat(header: string[]): UnitFileFormat {
  const h = header.map((c) => c.trim().replace(/^\uFEFF/, '').toLowerCase());
  for (const [format, cols] of Object.entries(FORMAT_HEADERS) as [UnitFileFormat, readonly string[]][]) {
    if (h.length === cols.length && cols.every((c, i) => h[i] === c)) return format;
  }
  throw new ImportError(
    `Không nhận ra định dạng tệp từ dòng tiêu đề "${header.join(',')}". Cần một trong: ` +
      Object.values(FORMAT_HEADERS).map((c) => c.join(',')).join(' | '),
    'unknown file format: the header row matches none of the known formats',
    1,
  );
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation

interface OfficialRow {
  /** official codes per tier, root first */
  codes: string[];
  names: string[];
  kinds: (string | null)[];
  line: number;
}

interface VillageRow {
  communeCode: string;
  name: string;
  /** fold(name) */
  search: string;
  kind: string;
  households: number | null;
  line: number;
}

const normName = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

function kindFromName(name: string, kinds: string[]): string | null {
  return kinds.find((k) => name.startsWith(k + ' ')) ?? null;
}

function capitalise(s: string): string {
  return s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);
}

/**
 * Records with their 1-based line number. csv-parse's own `info`/`on_record` line tracking costs
 * more than the parse itself, so lines are counted here: empty lines come through as [""] and are
 * skipped, and newlines inside quoted fields are added.
 */
async function* records(input: Readable): AsyncGenerator<{ record: string[]; line: number }> {
  const parser = input.pipe(parse({ relax_column_count: true, skip_empty_lines: false, bom: true, trim: true }));
  let line = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      line++;
      const start = line;
      for (const f of record) if (f.includes('\n')) line += f.split('\n').length - 1;
      if (record.length === 1 && record[0] === '') continue;
      yield { record, line: start };
    }
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new ImportError(`Tệp CSV hỏng: ${err.message}`, 'malformed CSV', err.lines);
  }
}

function villageKinds(profile: Profile, villageLevel: string): Map<string, string> {
  const m = new Map<string, string>();
  const level = profile.levels.find((l) => l.key === villageLevel);
  for (const k of [...VILLAGE_KINDS, ...(level?.localNames ?? [])]) m.set(fold(k), k.normalize('NFC').toLocaleLowerCase('vi'));
  return m;
}

// ---------------------------------------------------------------------------------------------
// Writing

interface PlannedUnit {
  code: string;
  name: string;
  kind: string | null;
  parentId: number | null;
  parentPath: string;
  /** undefined: keep what is stored */
  households?: number | null;
  /** fold(name) when already known */
  search?: string;
  line: number;
}

interface Written {
  id: number;
  path: string;
}

/** A unit already stored, as the upsert compares it (every column but created_at). */
type Existing = Omit<Unit, 'created_at'>;

class LevelWriter {
  readonly counts: LevelCounts = { inserted: 0, updated: 0, unchanged: 0 };
  constructor(
    private readonly db: Db,
    private readonly profile: string,
    private readonly level: string,
    private readonly at: string,
    private readonly batchSize: number,
  ) {}

  /** Upserts the units (all of one level), returning code → id and path. */
  async write(units: PlannedUnit[], keep: boolean): Promise<Map<string, Written>> {
    const out = new Map<string, Written>();
    for (let i = 0; i < units.length; i += this.batchSize) {
      await this.writeBatch(units.slice(i, i + this.batchSize), keep ? out : undefined);
    }
    return out;
  }

  /** The columns a unit's row takes from the file, the same for an insert and an update. */
  private columnsOf(u: PlannedUnit) {
    return {
      name: u.name,
      short_name: shortName(u.name),
      search_name: u.search ?? fold(u.name),
      level: this.level,
      kind: u.kind,
      parent_id: u.parentId,
    };
  }

  private async writeBatch(batch: PlannedUnit[], out: Map<string, Written> | undefined): Promise<void> {
    const existing = new Map<string, Existing>();
    const rows = await this.db
      .selectFrom('units')
      .select(['id', 'code', 'name', 'short_name', 'search_name', 'level', 'kind', 'parent_id', 'path', 'profile', 'households', 'active'])
      .where('code', 'in', batch.map((u) => u.code))
      .execute();
    for (const r of rows) if (r.code !== null) existing.set(r.code, r);

    const fresh: PlannedUnit[] = [];
    for (const u of batch) {
      const e = existing.get(u.code);
      if (!e) {
        fresh.push(u);
        continue;
      }
      if (e.profile !== this.profile) {
        throw new ImportError(
          `Mã ${u.code} đã thuộc cây đơn vị của hồ sơ "${e.profile}", không thể nhập vào hồ sơ "${this.profile}"`,
          `code ${u.code} already belongs to profile "${e.profile}"`,
          u.line,
        );
      }
      const want = {
        ...this.columnsOf(u),
        path: `${u.parentPath}${e.id}/`,
        households: u.households === undefined ? e.households : u.households,
        active: 1,
      };
      const changed = (Object.keys(want) as (keyof typeof want)[]).some((k) => want[k] !== e[k]);
      if (changed) {
        await this.db.updateTable('units').set(want).where('id', '=', e.id).execute();
        if (want.path !== e.path) {
          // units below it that this import does not rewrite (villages under a moved commune)
          await this.db
            .updateTable('units')
            .set({ path: sql<string>`${want.path} || substr(path, ${e.path.length + 1})` })
            .where(underPath(this.db, 'path', e.path))
            .where('id', '<>', e.id)
            .execute();
        }
        this.counts.updated++;
      } else this.counts.unchanged++;
      out?.set(u.code, { id: e.id, path: want.path });
    }
    if (fresh.length === 0) return;

    // ids come from the database, so the path ("/<parent path>/<own id>/") is set right after
    const inserted = await this.db
      .insertInto('units')
      .values(
        fresh.map((u) => ({
          code: u.code,
          ...this.columnsOf(u),
          path: '',
          profile: this.profile,
          households: u.households ?? null,
          active: 1,
          created_at: this.at,
        })),
      )
      .returning(['id', 'code'])
      .execute();
    const byCode = new Map(fresh.map((u) => [u.code, u]));
    const paths: { id: number; path: string }[] = [];
    for (const r of inserted) {
      const u = byCode.get(r.code ?? '');
      if (!u) throw new Error(`insert returned an unknown code ${r.code}`);
      const path = `${u.parentPath}${r.id}/`;
      paths.push({ id: r.id, path });
      out?.set(u.code, { id: r.id, path });
    }
    await sql`update units set path = case id ${sql.join(
      paths.map((p) => sql`when ${p.id} then ${p.path}`),
      sql` `,
    )} end where id in (${sql.join(paths.map((p) => p.id))})`.execute(this.db);
    this.counts.inserted += fresh.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points

export async function importUnitsFile(db: Db, file: string, opts: ImportOptions): Promise<ImportResult> {
  return importUnitsStream(db, await openFile(file), opts);
}

async function openFile(file: string): Promise<fs.ReadStream> {
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    return fs.createReadStream(file);
  } catch {
    throw new ImportError(`Không đọc được tệp ${file}`, `cannot read file ${file}`);
  }
}

/** What the scanner hands on, row by row (already validated). */
interface RowSink {
  official(row: OfficialRow): Promise<void>;
  village(row: VillageRow): Promise<void>;
}

const NULL_SINK: RowSink = { official: async () => undefined, village: async () => undefined };

/**
 * Reads and validates a whole unit file without writing anything (a dry run, and the benchmark's
 * baseline). Throws the same ImportError an import would for a bad row, except for checks that need
 * the database (unknown commune, a code owned by another profile).
 */
export async function readUnitsFile(
  input: Readable,
  opts: Pick<ImportOptions, 'profile' | 'province' | 'onProgress' | 'progressEvery'>,
): Promise<{ format: UnitFileFormat; rows: number }> {
  return scan(input, opts, 'read', () => NULL_SINK);
}

/**
 * Streams the file through validation into `sink` (created once the format is known); rows are
 * never all held in memory.
 */
async function scan(
  input: Readable,
  opts: Pick<ImportOptions, 'profile' | 'province' | 'onProgress' | 'progressEvery'>,
  phase: ImportProgress['phase'],
  makeSink: (format: UnitFileFormat) => RowSink,
): Promise<{ format: UnitFileFormat; rows: number }> {
  const profile = opts.profile;
  const every = opts.progressEvery ?? 5000;
  let format: UnitFileFormat | undefined;
  let sink: RowSink = NULL_SINK;
  let rows = 0;
  let accepted = 0;
  // village key → its line, for duplicates
  const seen = new Map<string, number>();
  // per tier: official code → name/kind/parent of the first row that named it
  const tierSeen: Map<string, { name: string; parent: string; line: number }>[] = [];
  let kinds: Map<string, string> | undefined;
  const kindCache = new Map<string, string>();

  for await (const { record, line } of records(input)) {
    if (!format) {
      format = detectFormat(record);
      if (format !== 'villages') {
        const tiers = TIERS[format];
        if (profile.levels.length !== tiers.length + 1) {
          throw new ImportError(
            `Tệp ${format} có ${tiers.length} cấp (${tiers.map((t) => t.name).join(' → ')}) nên cần hồ sơ có ` +
              `${tiers.length + 1} cấp (thêm cấp thôn/ấp); hồ sơ "${profile.id}" có ${profile.levels.length} cấp ` +
              `(${profile.levels.map((l) => l.key).join(' → ')})`,
            `profile "${profile.id}" has ${profile.levels.length} levels but a ${tiers.length}-tier file needs ${tiers.length + 1}`,
          );
        }
        tiers.forEach(() => tierSeen.push(new Map()));
      } else {
        kinds = villageKinds(profile, profile.levels[profile.levels.length - 1]!.key);
      }
      sink = makeSink(format);
      continue;
    }
    rows++;
    const cols = FORMAT_HEADERS[format];
    if (record.length !== cols.length) {
      throw new ImportError(
        `có ${record.length} cột, cần ${cols.length} (${cols.join(',')})`,
        `${record.length} columns, expected ${cols.length}`,
        line,
      );
    }
    const missing = cols.filter((c, i) => record[i] === '' && c !== 'households');
    if (missing.length) throw new ImportError(`thiếu ${missing.join(', ')}`, `missing ${missing.join(', ')}`, line);

    if (format === 'villages') {
      const [communeCode, rawName, rawKind, rawHouseholds] = record as [string, string, string, string];
      if (!/^\d{5}$/.test(communeCode)) {
        throw new ImportError(`mã xã "${communeCode}" phải gồm 5 chữ số`, `commune_code must be 5 digits`, line);
      }
      const kind = kinds!.get(kindCache.get(rawKind) ?? kindCache.set(rawKind, fold(rawKind)).get(rawKind)!);
      if (!kind) {
        throw new ImportError(
          `loại "${rawKind}" không hợp lệ, cần một trong: ${[...new Set(kinds!.values())].join(', ')}`,
          `kind must be one of ${[...new Set(kinds!.values())].join(', ')}`,
          line,
        );
      }
      let households: number | null = null;
      if (rawHouseholds !== '') {
        if (!/^\d+$/.test(rawHouseholds) || !Number.isSafeInteger(Number(rawHouseholds))) {
          throw new ImportError(
            `số hộ "${rawHouseholds}" phải là số nguyên không âm`,
            'households must be a non-negative integer',
            line,
          );
        }
        households = Number(rawHouseholds);
      }
      let name = normName(rawName);
      let search = fold(name);
      if (search === '') throw new ImportError(`tên thôn "${rawName}" không có chữ`, 'village_name has no letters', line);
      const kindFolded = kindCache.get(rawKind)!;
      if (!search.startsWith(kindFolded + ' ')) {
        name = `${capitalise(kind)} ${name}`;
        search = `${kindFolded} ${search}`;
      }
      const key = `${communeCode}|${search}`;
      const first = seen.get(key);
      if (first !== undefined) {
        throw new ImportError(
          `thôn "${name}" của xã ${communeCode} trùng với dòng ${first}`,
          `duplicate village, same as line ${first}`,
          line,
        );
      }
      seen.set(key, line);
      await sink.village({ communeCode, name, search, kind, households, line });
      accepted++;
    } else {
      const tiers = TIERS[format];
      const codes: string[] = [];
      const names: string[] = [];
      for (let t = 0; t < tiers.length; t++) {
        const code = record[t * 2]!;
        if (code.length !== tiers[t]!.digits || !DIGITS.test(code)) {
          throw new ImportError(
            `mã ${tiers[t]!.name} "${code}" phải gồm ${tiers[t]!.digits} chữ số`,
            `${cols[t * 2]} must be ${tiers[t]!.digits} digits`,
            line,
          );
        }
        codes.push(code);
        names.push(normName(record[t * 2 + 1]!));
      }
      const type = record[cols.length - 1]!;
      if (!COMMUNE_TYPES.includes(type)) {
        throw new ImportError(
          `loại xã "${type}" không hợp lệ, cần một trong: ${COMMUNE_TYPES.join(', ')}`,
          `commune_type must be one of ${COMMUNE_TYPES.join(', ')}`,
          line,
        );
      }
      // one name and one parent per code, across rows
      for (let t = 0; t < tiers.length; t++) {
        const parent = t > 0 ? codes[t - 1]! : '';
        const prev = tierSeen[t]!.get(codes[t]!);
        if (!prev) tierSeen[t]!.set(codes[t]!, { name: names[t]!, parent, line });
        else if (t === tiers.length - 1) {
          throw new ImportError(`mã xã ${codes[t]} trùng với dòng ${prev.line}`, `duplicate commune_code, see line ${prev.line}`, line);
        } else if (prev.name !== names[t] || prev.parent !== parent) {
          throw new ImportError(
            `mã ${tiers[t]!.name} ${codes[t]} mang tên/cấp trên khác với dòng ${prev.line}`,
            `code ${codes[t]} has another name or parent than on line ${prev.line}`,
            line,
          );
        }
      }
      if (opts.province === undefined || codes[0] === opts.province) {
        const kinds: (string | null)[] = names.map((n, t) =>
          t === tiers.length - 1 ? type : kindFromName(n, t === 0 ? PROVINCE_KINDS : DISTRICT_KINDS),
        );
        await sink.official({ codes, names, kinds, line });
        accepted++;
      }
    }
    if (rows % every === 0) opts.onProgress?.({ phase, done: rows });
  }
  if (!format) throw new ImportError('Tệp rỗng, không có dòng tiêu đề', 'empty file: no header row');
  opts.onProgress?.({ phase, done: rows, total: rows });
  if (format !== 'villages' && opts.province !== undefined && accepted === 0) {
    throw new ImportError(`Không có dòng nào của tỉnh mã ${opts.province}`, `no rows for province ${opts.province}`);
  }
  return { format, rows };
}

/** Streams the file into the database in one transaction: a bad row rolls everything back. */
export async function importUnitsStream(db: Db, input: Readable, opts: ImportOptions): Promise<ImportResult> {
  const profile = opts.profile;
  const at = opts.at.toISOString();
  const batch = opts.batchSize ?? 400;
  return db.transaction().execute(async (trx) => {
    const writers = new Map<string, LevelWriter>();
    const writer = (level: string) => {
      let w = writers.get(level);
      if (!w) writers.set(level, (w = new LevelWriter(trx, profile.id, level, at, batch)));
      return w;
    };
    let edition: string | undefined;
    let flush: () => Promise<void> = async () => undefined;

    const { format, rows } = await scan(input, opts, 'write', (format) => {
      if (format === 'villages') {
        const v = new VillageSink(trx, profile, writer, batch);
        flush = () => v.flush();
        return v;
      }
      edition = FORMAT_EDITION[format];
      const o = new OfficialSink(profile, edition, TIERS[format].length, writer, batch);
      flush = () => o.flush();
      return o;
    });
    await flush();

    const levels: Record<string, LevelCounts> = {};
    for (const l of profile.levels) {
      const w = writers.get(l.key);
      if (w) levels[l.key] = w.counts;
    }
    const result: ImportResult = { format, profile: profile.id, rows, levels, ...(edition ? { edition } : {}) };
    const changed = Object.values(levels).reduce((n, c) => n + c.inserted + c.updated, 0);
    if (changed > 0) {
      await trx
        .insertInto('audit_log')
        .values({
          at,
          actor_person_id: null,
          action: 'units.import',
          subject: profile.id,
          details: JSON.stringify({ format, edition: edition ?? null, rows, levels }),
        })
        .execute();
    }
    return result;
  });
}

/**
 * Official rows: pending units per tier, flushed root tier first whenever the lowest tier has a
 * full batch, so every parent is written (and its id known) before its children.
 */
class OfficialSink implements RowSink {
  private readonly pending: Map<string, PlannedUnit & { parentCode: string | null }>[];
  /** written units of the tiers above the lowest (provinces, districts): code → id, path */
  private readonly written: Map<string, Written>[];

  constructor(
    private readonly profile: Profile,
    private readonly edition: string,
    private readonly tiers: number,
    private readonly writer: (level: string) => LevelWriter,
    private readonly batch: number,
  ) {
    this.pending = Array.from({ length: tiers }, () => new Map());
    this.written = Array.from({ length: tiers }, () => new Map());
  }

  async official(r: OfficialRow): Promise<void> {
    for (let t = 0; t < this.tiers; t++) {
      const code = unitCode(this.edition, r.codes[t]!);
      if (this.written[t]!.has(code) || this.pending[t]!.has(code)) continue;
      this.pending[t]!.set(code, {
        code,
        name: r.names[t]!,
        kind: r.kinds[t] ?? null,
        parentId: null,
        parentPath: '/',
        parentCode: t > 0 ? unitCode(this.edition, r.codes[t - 1]!) : null,
        line: r.line,
      });
    }
    if (this.pending[this.tiers - 1]!.size >= this.batch) await this.flush();
  }

  async village(): Promise<void> {
    throw new Error('unreachable: village row in an official list');
  }

  async flush(): Promise<void> {
    for (let t = 0; t < this.tiers; t++) {
      const units = [...this.pending[t]!.values()];
      if (units.length === 0) continue;
      this.pending[t]!.clear();
      for (const u of units) {
        if (u.parentCode === null) continue;
        const parent = this.written[t - 1]!.get(u.parentCode)!;
        u.parentId = parent.id;
        u.parentPath = parent.path;
      }
      const lowest = t === this.tiers - 1;
      const out = await this.writer(this.profile.levels[t]!.key).write(units, !lowest);
      if (!lowest) for (const [code, w] of out) this.written[t]!.set(code, w);
    }
  }
}

/** Village rows: batches whose communes are looked up once (and cached), then written. */
class VillageSink implements RowSink {
  private pending: VillageRow[] = [];
  private readonly communes = new Map<string, CommuneRef | null>();

  constructor(
    private readonly db: Db,
    private readonly profile: Profile,
    private readonly writer: (level: string) => LevelWriter,
    private readonly batch: number,
  ) {}

  async official(): Promise<void> {
    throw new Error('unreachable: official row in a village list');
  }

  async village(v: VillageRow): Promise<void> {
    this.pending.push(v);
    if (this.pending.length >= this.batch) await this.flush();
  }

  async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    const unknown = [...new Set(rows.map((v) => v.communeCode))].filter((c) => !this.communes.has(c));
    if (unknown.length) {
      const found = await findCommunes(this.db, this.profile, unknown);
      for (const c of unknown) this.communes.set(c, found.get(c) ?? null);
    }
    const byLevel = new Map<string, PlannedUnit[]>();
    for (const v of rows) {
      const c = this.communes.get(v.communeCode);
      if (!c) {
        throw new ImportError(
          `không có xã mã ${v.communeCode} trong hồ sơ "${this.profile.id}" (hãy nhập danh sách xã trước)`,
          `unknown commune ${v.communeCode} in profile "${this.profile.id}"`,
          v.line,
        );
      }
      const idx = this.profile.levels.findIndex((l) => l.key === c.level);
      const level = this.profile.levels[idx + 1];
      if (idx < 0 || !level) {
        throw new ImportError(
          `đơn vị mã ${v.communeCode} ở cấp "${c.level}", không có cấp nào bên dưới trong hồ sơ "${this.profile.id}"`,
          `unit ${v.communeCode} is at level "${c.level}" which has no level below it`,
          v.line,
        );
      }
      const list = byLevel.get(level.key) ?? [];
      list.push({
        code: villageCodeFromFolded(c.code, v.search),
        name: v.name,
        search: v.search,
        kind: v.kind,
        parentId: c.id,
        parentPath: c.path,
        households: v.households,
        line: v.line,
      });
      byLevel.set(level.key, list);
    }
    for (const [level, units] of byLevel) await this.writer(level).write(units, false);
  }
}

interface CommuneRef {
  id: number;
  code: string;
  path: string;
  level: string;
}

/** Official commune code → the profile's unit holding it (any edition). */
async function findCommunes(db: Db, profile: Profile, official: string[]): Promise<Map<string, CommuneRef>> {
  const found = new Map<string, CommuneRef>();
  const chunk = 400;
  for (let i = 0; i < official.length; i += chunk) {
    const codes = official.slice(i, i + chunk).flatMap((c) => EDITIONS.map((e) => unitCode(e, c)));
    const rows = await db
      .selectFrom('units')
      .select(['id', 'code', 'path', 'level'])
      .where('profile', '=', profile.id)
      .where('code', 'in', codes)
      .execute();
    for (const r of rows) {
      const o = officialCodeOf(r.code);
      if (o && r.code) found.set(o, { id: r.id, code: r.code, path: r.path, level: r.level });
    }
  }
  return found;
}

export function totalCounts(r: ImportResult): LevelCounts {
  return Object.values(r.levels).reduce(
    (a, c) => ({ inserted: a.inserted + c.inserted, updated: a.updated + c.updated, unchanged: a.unchanged + c.unchanged }),
    { inserted: 0, updated: 0, unchanged: 0 },
  );
}
