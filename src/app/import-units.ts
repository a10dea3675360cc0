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
 * The whole file is parsed and validated first (a bad row stops the import with its line number),
 * then written in one transaction with batched multi-row inserts: nothing is written unless all is.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { sql } from 'kysely';
import type { Db } from '../db';
import type { Profile } from '../domain/profile';
import { fold, shortName } from '../domain/text';

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
  const slug = fold(villageName).replace(/ /g, '-');
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
  phase: 'read' | 'write';
  /** level key while writing */
  level?: string;
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

async function* records(input: Readable): AsyncGenerator<{ record: string[]; line: number }> {
  const parser = input.pipe(
    parse({ info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }),
  );
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { record: r.record, line: r.info.lines };
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
  line: number;
}

interface Written {
  id: number;
  path: string;
}

interface Existing {
  id: number;
  code: string | null;
  name: string;
  short_name: string;
  search_name: string;
  level: string;
  kind: string | null;
  parent_id: number | null;
  path: string;
  profile: string;
  households: number | null;
  active: number;
}

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
  async write(units: PlannedUnit[], progress?: (done: number) => void): Promise<Map<string, Written>> {
    const out = new Map<string, Written>();
    for (let i = 0; i < units.length; i += this.batchSize) {
      await this.writeBatch(units.slice(i, i + this.batchSize), out);
      progress?.(Math.min(i + this.batchSize, units.length));
    }
    return out;
  }

  private async writeBatch(batch: PlannedUnit[], out: Map<string, Written>): Promise<void> {
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
        name: u.name,
        short_name: shortName(u.name),
        search_name: fold(u.name),
        level: this.level,
        kind: u.kind,
        parent_id: u.parentId,
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
            .where('path', 'like', `${e.path}%`)
            .where('id', '<>', e.id)
            .execute();
        }
        this.counts.updated++;
      } else this.counts.unchanged++;
      out.set(u.code, { id: e.id, path: want.path });
    }
    if (fresh.length === 0) return;

    // ids come from the database, so the path ("/<parent path>/<own id>/") is set right after
    const inserted = await this.db
      .insertInto('units')
      .values(
        fresh.map((u) => ({
          code: u.code,
          name: u.name,
          short_name: shortName(u.name),
          search_name: fold(u.name),
          level: this.level,
          kind: u.kind,
          parent_id: u.parentId,
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
      out.set(u.code, { id: r.id, path });
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
  let stream: fs.ReadStream;
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    stream = fs.createReadStream(file);
  } catch {
    throw new ImportError(`Không đọc được tệp ${file}`, `cannot read file ${file}`);
  }
  return importUnitsStream(db, stream, opts);
}

/** Reads and validates a whole unit file without writing (also the benchmark's baseline). */
export async function readUnitsFile(
  input: Readable,
  opts: Pick<ImportOptions, 'profile' | 'province' | 'onProgress' | 'progressEvery'>,
): Promise<ParsedFile> {
  const profile = opts.profile;
  const every = opts.progressEvery ?? 5000;
  let format: UnitFileFormat | undefined;
  let rows = 0;
  const official: OfficialRow[] = [];
  const villages: VillageRow[] = [];
  const seen = new Map<string, number>();
  // per tier: official code → name/kind/parent of the first row that named it
  const tierSeen: Map<string, { name: string; parent: string; line: number }>[] = [];
  let kinds: Map<string, string> | undefined;

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
      const kind = kinds!.get(fold(rawKind));
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
      if (!fold(name).startsWith(fold(kind) + ' ')) name = `${capitalise(kind)} ${name}`;
      const key = `${communeCode}|${fold(name)}`;
      const first = seen.get(key);
      if (first !== undefined) {
        throw new ImportError(
          `thôn "${name}" của xã ${communeCode} trùng với dòng ${first}`,
          `duplicate village, same as line ${first}`,
          line,
        );
      }
      seen.set(key, line);
      villages.push({ communeCode, name, kind, households, line });
    } else {
      const tiers = TIERS[format];
      const codes: string[] = [];
      const names: string[] = [];
      for (let t = 0; t < tiers.length; t++) {
        const code = record[t * 2]!;
        if (!new RegExp(`^\\d{${tiers[t]!.digits}}$`).test(code)) {
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
        official.push({ codes, names, kinds, line });
      }
    }
    if (rows % every === 0) opts.onProgress?.({ phase: 'read', done: rows });
  }
  if (!format) throw new ImportError('Tệp rỗng, không có dòng tiêu đề', 'empty file: no header row');
  opts.onProgress?.({ phase: 'read', done: rows, total: rows });
  if (format !== 'villages' && opts.province !== undefined && official.length === 0) {
    throw new ImportError(`Không có dòng nào của tỉnh mã ${opts.province}`, `no rows for province ${opts.province}`);
  }
  return format === 'villages' ? { format, rows, villages } : { format, rows, official };
}

export type ParsedFile =
  | { format: 'villages'; rows: number; villages: VillageRow[] }
  | { format: Exclude<UnitFileFormat, 'villages'>; rows: number; official: OfficialRow[] };

export async function importUnitsStream(db: Db, input: Readable, opts: ImportOptions): Promise<ImportResult> {
  const parsed = await readUnitsFile(input, opts);
  const profile = opts.profile;
  const at = opts.at.toISOString();
  const batch = opts.batchSize ?? 400;
  const every = opts.progressEvery ?? 5000;
  const result: ImportResult = { format: parsed.format, profile: profile.id, rows: parsed.rows, levels: {} };

  await db.transaction().execute(async (trx) => {
    const progress = (level: string, total: number) => {
      let last = 0;
      return (done: number) => {
        if (done - last >= every || done === total) {
          last = done;
          opts.onProgress?.({ phase: 'write', level, done, total });
        }
      };
    };

    if (parsed.format === 'villages') {
      const communes = await findCommunes(trx, profile, parsed.villages);
      const byLevel = new Map<string, PlannedUnit[]>();
      for (const v of parsed.villages) {
        const c = communes.get(v.communeCode);
        if (!c) {
          throw new ImportError(
            `không có xã mã ${v.communeCode} trong hồ sơ "${profile.id}" (hãy nhập danh sách xã trước)`,
            `unknown commune ${v.communeCode} in profile "${profile.id}"`,
            v.line,
          );
        }
        const idx = profile.levels.findIndex((l) => l.key === c.level);
        const level = profile.levels[idx + 1];
        if (idx < 0 || !level) {
          throw new ImportError(
            `đơn vị mã ${v.communeCode} ở cấp "${c.level}", không có cấp nào bên dưới trong hồ sơ "${profile.id}"`,
            `unit ${v.communeCode} is at level "${c.level}" which has no level below it`,
            v.line,
          );
        }
        const list = byLevel.get(level.key) ?? [];
        list.push({
          code: villageCode(c.code, v.name),
          name: v.name,
          kind: v.kind,
          parentId: c.id,
          parentPath: c.path,
          households: v.households,
          line: v.line,
        });
        byLevel.set(level.key, list);
      }
      for (const [level, units] of byLevel) {
        const w = new LevelWriter(trx, profile.id, level, at, batch);
        await w.write(units, progress(level, units.length));
        result.levels[level] = w.counts;
      }
    } else {
      const edition = FORMAT_EDITION[parsed.format];
      result.edition = edition;
      const tiers = TIERS[parsed.format].length;
      let parents = new Map<string, Written>();
      for (let t = 0; t < tiers; t++) {
        const level = profile.levels[t]!.key;
        const planned = new Map<string, PlannedUnit>();
        for (const r of parsed.official) {
          const code = unitCode(edition, r.codes[t]!);
          if (planned.has(code)) continue;
          const parent = t > 0 ? parents.get(unitCode(edition, r.codes[t - 1]!)) : undefined;
          planned.set(code, {
            code,
            name: r.names[t]!,
            kind: r.kinds[t] ?? null,
            parentId: parent?.id ?? null,
            parentPath: parent?.path ?? '/',
            line: r.line,
          });
        }
        const units = [...planned.values()];
        const w = new LevelWriter(trx, profile.id, level, at, batch);
        parents = await w.write(units, progress(level, units.length));
        result.levels[level] = w.counts;
      }
    }

    const changed = Object.values(result.levels).reduce((n, c) => n + c.inserted + c.updated, 0);
    if (changed > 0) {
      await trx
        .insertInto('audit_log')
        .values({
          at,
          actor_person_id: null,
          action: 'units.import',
          subject: profile.id,
          details: JSON.stringify({ format: result.format, edition: result.edition ?? null, rows: result.rows, levels: result.levels }),
        })
        .execute();
    }
  });
  return result;
}

/** Official commune code → the profile's unit holding it (any edition). */
async function findCommunes(
  db: Db,
  profile: Profile,
  villages: VillageRow[],
): Promise<Map<string, { id: number; code: string; path: string; level: string }>> {
  const official = [...new Set(villages.map((v) => v.communeCode))];
  const found = new Map<string, { id: number; code: string; path: string; level: string }>();
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
