/**
 * Roll-up sums computed by the database, for the bottom units (no active units below them) of a
 * deep subtree, in two grouped queries whatever the number of villages:
 * - per parent, the sums and counts of every indicator over the units' latest versions and the
 *   paired sums of ratios, read from `report_heads.nums` (the latest version's numbers, kept by a
 *   trigger, migration 012);
 * - per parent, level and kind, the registry (households, teams, members from `unit_rosters`) over
 *   every unit and the completeness counts, with the missing and late units' names (kept per parent
 *   to the first `listLimit` by name).
 * Then only the text lines are read, from the units whose latest version holds one.
 *
 * The rules are those of src/domain/rollup.ts (it receives the result as `LeafGroup`s): a number
 * counts where the value is a JSON number; households from the unit list fill `households_total`
 * where a unit reported without it; status is decided by the first version sent up (on time unless
 * stored late or at/after the level's deadline); a unit is expected when its level has a deadline
 * and, where the level has teams, it has an active team.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db';
import { comparePlaces, type LeafGroup, type TextItem, type UnitRef } from '../domain/rollup';
import { idIn, isPostgres } from './subtree';

export interface LeafSumsSpec {
  root: { id: number; path: string };
  period: string;
  kind: string;
  /** indicators to sum */
  keys: readonly string[];
  /** indicator → unit column filling it where a report lacks it (households_total → households) */
  fillFromHouseholds: readonly string[];
  pairs: readonly (readonly [string, string])[];
  textKeys: readonly string[];
  /** levels with a deadline, and that deadline (ISO) for the period; undefined when none */
  dueByLevel: ReadonlyMap<string, string | undefined>;
  /** levels whose units report through a team (expected only with an active one) */
  teamLevels: readonly string[];
  /** registry keys for households, team and member counts */
  registryKeys: { households: string; teams: string; members: string };
  /** keep at most this many missing and late units per parent (the first by name) */
  listLimit: number;
  /** the units below the root (not the root) whose bottom units are summed: their parents */
  parents: readonly number[];
  /** every unit of the subtree with units below it (a bottom unit is none of these) */
  upper: readonly number[];
}

const pairId = (a: string, b: string) => `${a}/${b}`;
const TEXT_PAGE = 2000;

interface Dialect {
  /** the number at key of the latest version (report_heads.nums holds numbers only), or null */
  num(key: string): RawBuilder<unknown>;
  /** a JSON string at key of v, or null */
  text(key: string): RawBuilder<unknown>;
  /** keeps a subquery from being flattened into its outer query (each unit's row is computed once) */
  fence: RawBuilder<unknown>;
  /** "id:name" of the group's rows where cond holds, joined by \u001f */
  names(cond: RawBuilder<unknown>): RawBuilder<unknown>;
}

function dialectOf(db: Db): Dialect {
  if (isPostgres(db)) {
    return {
      num: (k) => sql`(h.nums ->> ${k}::text)::float8`,
      text: (k) => sql`case when jsonb_typeof(v -> ${k}::text) = 'string' then v ->> ${k}::text end`,
      fence: sql`offset 0`,
      names: (c) => sql`string_agg(case when ${c} then id || ':' || name end, chr(31))`,
    };
  }
  const path = (k: string) => `$."${k.replace(/"/g, '')}"`;
  return {
    num: (k) => sql`json_extract(h.nums, ${path(k)})`,
    text: (k) => sql`case when json_type(v, ${path(k)}) = 'text' then json_extract(v, ${path(k)}) end`,
    fence: sql`limit -1`,
    names: (c) => sql`group_concat(case when ${c} then id || ':' || name end, char(31))`,
  };
}

/** The bottom units under the root (not its direct children: the caller reads those one by one). */
function leafWhere(db: Db, spec: LeafSumsSpec): RawBuilder<unknown> {
  return sql`${idIn(db, 'u.parent_id', spec.parents)} and ${idIn(db, 'u.id', spec.upper, true)} and u.active = 1`;
}

const inList = (xs: readonly string[]) => (xs.length ? sql`(${sql.join(xs.map((x) => sql`${x}`))})` : sql`(null)`);

/**
 * Per parent, level and kind: registry sums over every unit and completeness over the expected
 * ones. A unit's status: 0 not expected, 1 missing, 2 on time, 3 late (decided by its first version
 * sent up, report_heads.first_at / first_late).
 */
function statusQuery(db: Db, d: Dialect, spec: LeafSumsSpec): RawBuilder<StatusRow> {
  const dueLevels = [...spec.dueByLevel.keys()];
  const teamLevels = spec.teamLevels;
  const due = dueLevels.length
    ? sql`case u.level ${sql.join(
        [...spec.dueByLevel].map(([l, at]) => sql`when ${l} then ${at ?? null}`),
        sql` `,
      )} end`
    : sql`null`;
  const teams = sql`coalesce(ro.teams, 0)`;
  const expected = dueLevels.length
    ? sql`(u.level in ${inList(dueLevels)} and (${teamLevels.length ? sql`u.level not in ${inList(teamLevels)}` : sql`1 = 1`} or ${teams} > 0))`
    : sql`1 = 0`;
  // per unit, once (fenced): whether it has a roster (hr) and its status (st)
  return sql<StatusRow>`
    select parent_id, level, kind,
      sum(households) as hh_sum, count(households) as hh_units,
      sum(case when hr = 1 then teams end) as team_sum,
      sum(case when hr = 1 then members end) as member_sum,
      sum(hr) as roster_units,
      sum(case when st > 0 then 1 else 0 end) as expected,
      sum(case when st = 2 then 1 else 0 end) as on_time,
      sum(case when st = 3 then 1 else 0 end) as late,
      ${d.names(sql`st = 1`)} as missing_names,
      ${d.names(sql`st = 3`)} as late_names
    from (select u.id, u.parent_id, u.level, u.kind, u.name, u.households, ${teams} as teams, coalesce(ro.members, 0) as members,
        case when u.level in ${inList(teamLevels)} or ${teams} > 0 then 1 else 0 end as hr,
        case when not ${expected} then 0 when h.first_at is null then 1
          when h.first_late = 1 or h.first_at >= ${due} then 3 else 2 end as st
      from units u
      left join report_heads h on h.unit_id = u.id and h.period = ${spec.period} and h.kind = ${spec.kind}
      left join unit_rosters ro on ro.unit_id = u.id
      where ${leafWhere(db, spec)} ${d.fence}) leaf
    group by parent_id, level, kind`;
}

/** Per parent: sums and counts of every indicator and the paired sums, over the units that reported. */
function sumsQuery(db: Db, d: Dialect, spec: LeafSumsSpec, keys: readonly string[]): RawBuilder<SumsRow> {
  const fill = new Set(spec.fillFromHouseholds);
  // each number read once per unit (n0, n1…) in a fenced subquery the aggregates read
  const nums = keys.map((k, i) => sql`${fill.has(k) ? sql`coalesce(${d.num(k)}, u.households)` : d.num(k)} as ${sql.ref(`n${i}`)}`);
  const col = (k: string) => sql.ref(`n${keys.indexOf(k)}`);
  const aggs: RawBuilder<unknown>[] = [];
  keys.forEach((k, i) => aggs.push(sql`sum(${col(k)}) as ${sql.ref(`s${i}`)}`, sql`count(${col(k)}) as ${sql.ref(`c${i}`)}`));
  spec.pairs.forEach(([a, b], i) => {
    const both = sql`${col(a)} is not null and ${col(b)} is not null`;
    aggs.push(
      sql`sum(case when ${both} then ${col(a)} end) as ${sql.ref(`pn${i}`)}`,
      sql`sum(case when ${both} then ${col(b)} end) as ${sql.ref(`pd${i}`)}`,
      sql`count(case when ${both} then 1 end) as ${sql.ref(`pc${i}`)}`,
    );
  });
  return sql<SumsRow>`
    select parent_id, ${sql.join(aggs)}
    from (select u.parent_id, ${sql.join(nums)}
      from units u
      join report_heads h on h.unit_id = u.id and h.period = ${spec.period} and h.kind = ${spec.kind}
      where ${leafWhere(db, spec)} ${d.fence}) leaf
    group by parent_id`;
}

interface StatusRow {
  parent_id: number;
  level: string;
  kind: string | null;
  [col: string]: unknown;
}

interface SumsRow {
  parent_id: number;
  [col: string]: unknown;
}

/** Per parent id: the group of its bottom units (only parents below the root's direct children… and those). */
export async function leafSums(db: Db, spec: LeafSumsSpec): Promise<Map<number, LeafGroup>> {
  const d = dialectOf(db);
  const keys = [...new Set([...spec.keys, ...spec.pairs.flat()])];
  const [{ rows }, { rows: sums }] = await Promise.all([statusQuery(db, d, spec).execute(db), keys.length ? sumsQuery(db, d, spec, keys).execute(db) : Promise.resolve({ rows: [] as SumsRow[] })]);

  const out = new Map<number, LeafGroup>();
  const groupOf = (id: number) => {
    let g = out.get(id);
    if (!g) out.set(id, (g = { sums: {}, pairs: {}, registry: {}, texts: {}, counted: [], missingUnits: [], lateUnits: [] }));
    return g;
  };
  const add = (rec: Record<string, { value: number; units: number }>, key: string, value: number, units: number) => {
    if (units <= 0) return;
    const r = (rec[key] ??= { value: 0, units: 0 });
    r.value += value;
    r.units += units;
  };
  for (const r of rows) {
    const g = groupOf(Number(r.parent_id));
    const n = (c: string) => Number(r[c] ?? 0);
    add(g.registry, spec.registryKeys.households, n('hh_sum'), n('hh_units'));
    add(g.registry, spec.registryKeys.teams, n('team_sum'), n('roster_units'));
    add(g.registry, spec.registryKeys.members, n('member_sum'), n('roster_units'));
    if (n('expected') > 0) g.counted.push({ level: r.level, kind: r.kind, expected: n('expected'), onTime: n('on_time'), late: n('late') });
  }
  for (const r of sums) {
    const g = groupOf(Number(r.parent_id));
    const n = (c: string) => Number(r[c] ?? 0);
    keys.forEach((k, i) => {
      const count = n(`c${i}`);
      if (count <= 0) return;
      const s = (g.sums[k] ??= { value: 0, count: 0 });
      s.value += n(`s${i}`);
      s.count += count;
    });
    spec.pairs.forEach(([a, b], i) => {
      const count = n(`pc${i}`);
      if (count <= 0) return;
      const p = (g.pairs[pairId(a, b)] ??= { numerator: 0, denominator: 0, contributors: 0 });
      p.numerator += n(`pn${i}`);
      p.denominator += n(`pd${i}`);
      p.contributors += count;
    });
  }
  const max = spec.listLimit;
  const keep = (list: UnitRef[], ref: UnitRef) => {
    if (list.length >= max) {
      if (comparePlaces(ref, list[list.length - 1]!) >= 0) return;
      list.pop();
    }
    let i = list.length;
    while (i > 0 && comparePlaces(ref, list[i - 1]!) < 0) i--;
    list.splice(i, 0, ref);
  };
  for (const r of rows) {
    const g = groupOf(Number(r.parent_id));
    for (const [col, list] of [['missing_names', g.missingUnits], ['late_names', g.lateUnits]] as const) {
      const joined = r[col];
      if (typeof joined !== 'string' || !joined) continue;
      for (const part of joined.split('\u001f')) {
        const at = part.indexOf(':');
        const name = part.slice(at + 1);
        keep(list, { unitId: part.slice(0, at), name, path: [name] });
      }
    }
  }
  if (spec.textKeys.length) await readTexts(db, d, spec, groupOf);
  return out;
}

/** Text lines of the bottom units' latest versions, in tree (path) order per parent. */
async function readTexts(db: Db, d: Dialect, spec: LeafSumsSpec, groupOf: (id: number) => LeafGroup): Promise<void> {
  const cols = spec.textKeys.map((k, i) => sql`${d.text(k)} as ${sql.ref(`t${i}`)}`);
  const any = sql.join(
    spec.textKeys.map((_, i) => sql`${sql.ref(`t${i}`)} is not null`),
    sql` or `,
  );
  const { period, kind } = spec;
  const rows: { parent: number; path: string; item: TextItem; key: string }[] = [];
  // in pages by unit id: only the units whose latest version holds a text line (report_heads.has_text)
  for (let after = 0; ; ) {
    const { rows: page } = await sql<{ id: number; parent_id: number; name: string; path: string; [t: string]: unknown }>`
      select * from (
        select id, parent_id, name, path, ${sql.join(cols)} from (
          select u.id, u.parent_id, u.name, u.path, r."values" as v
          from report_heads h
          join units u on u.id = h.unit_id
          join reports r on r.id = h.latest_id
          where h.period = ${period} and h.kind = ${kind} and h.has_text = 1 and h.unit_id > ${after} and ${leafWhere(db, spec)}) leaf) x
      where ${any}
      order by id
      limit ${TEXT_PAGE}`.execute(db);
    for (const r of page) {
      spec.textKeys.forEach((k, i) => {
        const t = r[`t${i}`];
        if (typeof t === 'string' && t.trim()) rows.push({ parent: Number(r.parent_id), path: r.path, key: k, item: { unitId: String(r.id), name: r.name, path: [r.name], text: t.trim() } });
      });
    }
    if (page.length < TEXT_PAGE) break;
    after = Number(page[page.length - 1]!.id);
  }
  for (const r of rows) (groupOf(r.parent).texts[r.key] ??= []).push({ order: r.path, item: r.item });
}
