/**
 * Roll-up sums computed by the database, for the bottom units (no active units below them) of a
 * deep subtree: per parent, the sums of every indicator over the units' latest report versions, the
 * paired sums of ratios, the registry (households, teams, members) over every unit, and the
 * completeness counts by level and kind — one aggregate query, whatever the number of villages.
 * Then only what must be read by name is streamed: expected units missing or late (kept per parent
 * to the first `listLimit` by name) and text lines. Values are read from `reports.values` (a JSON
 * object per version) with the database's own JSON functions on SQLite and PostgreSQL.
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
import { isPostgres } from './subtree';

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
  /** the value at key of the JSON object v, read once per unit (a number where it is one) */
  raw(key: string): RawBuilder<unknown>;
  /** that value as a number, or null (it was text, absent…) */
  num(col: RawBuilder<unknown>): RawBuilder<unknown>;
  /** a JSON string at key, or null */
  text(key: string): RawBuilder<unknown>;
  /** the report's values as the JSON type the functions take */
  values: RawBuilder<unknown>;
  /** keeps a subquery from being flattened into its outer query (each unit's row is computed once) */
  fence: RawBuilder<unknown>;
  /** "id:name" of the group's rows where cond holds, joined by \u001f */
  names(cond: RawBuilder<unknown>): RawBuilder<unknown>;
}

function dialectOf(db: Db): Dialect {
  if (isPostgres(db)) {
    return {
      raw: (k) => sql`case when jsonb_typeof(${sql.ref('r.values')}::jsonb -> ${k}::text) = 'number' then (${sql.ref('r.values')}::jsonb ->> ${k}::text)::float8 end`,
      num: (c) => c,
      text: (k) => sql`case when jsonb_typeof(v -> ${k}::text) = 'string' then v ->> ${k}::text end`,
      values: sql`r."values"::jsonb`,
      fence: sql`offset 0`,
      names: (c) => sql`string_agg(case when ${c} then id || ':' || name end, chr(31))`,
    };
  }
  const path = (k: string) => `$."${k.replace(/"/g, '')}"`;
  return {
    raw: (k) => sql`json_extract(r."values", ${path(k)})`,
    num: (c) => sql`(case when typeof(${c}) in ('integer', 'real') then ${c} end)`,
    text: (k) => sql`case when json_type(v, ${path(k)}) = 'text' then json_extract(v, ${path(k)}) end`,
    values: sql`r."values"`,
    fence: sql`limit -1`,
    names: (c) => sql`group_concat(case when ${c} then id || ':' || name end, char(31))`,
  };
}

/**
 * One row per bottom unit under the root (not its direct children: the caller reads those one by
 * one): parent, level, kind, households, active teams, current members, the latest version's values
 * and the status code st (0 not expected, 1 missing, 2 on time, 3 late).
 */
function leafWhere(spec: LeafSumsSpec): RawBuilder<unknown> {
  const ids = (xs: readonly number[]) => sql`(${sql.join(xs.map((x) => sql`${x}`))})`;
  return sql`u.parent_id in ${ids(spec.parents)} and u.id not in ${ids(spec.upper)} and u.active = 1`;
}

function leafRows(db: Db, d: Dialect, spec: LeafSumsSpec, extra: RawBuilder<unknown>[] = []): RawBuilder<unknown> {
  const { period, kind } = spec;
  const dueLevels = [...spec.dueByLevel.keys()];
  const dueCase = sql`case u.level ${sql.join(
    [...spec.dueByLevel].map(([l, due]) => sql`when ${l} then ${due ?? null}`),
    sql` `,
  )} end`;
  return sql`
    select u.id, u.parent_id, u.level, u.kind, u.name, u.path, u.households,
      (select count(*) from teams t where t.unit_id = u.id and t.active = 1) as teams,
      (select case when count(distinct t.id) <= 1 then count(*) else count(distinct m.person_id) end
        from teams t join memberships m on m.team_id = t.id
        where t.unit_id = u.id and t.active = 1 and m.until is null) as members,
      r.id as rid,
      f.sent_up_at as first_at, f.late as first_late,
      ${dueLevels.length ? dueCase : sql`null`} as due
      ${sql.join(extra.map((e) => sql`, ${e}`), sql` `)}
    from units u
    left join reports r on r.unit_id = u.id and r.period = ${period} and r.kind = ${kind}
      and r.version = (select max(x.version) from reports x where x.unit_id = u.id and x.period = ${period} and x.kind = ${kind})
    left join reports f on f.unit_id = u.id and f.period = ${period} and f.kind = ${kind}
      and f.version = (select min(x.version) from reports x where x.unit_id = u.id and x.period = ${period} and x.kind = ${kind} and x.sent_up_at is not null)
    where ${leafWhere(spec)}`;
}

/** The status code of a leaf row (see leafRows), from its columns. */
function statusSql(spec: LeafSumsSpec): RawBuilder<unknown> {
  const dueLevels = [...spec.dueByLevel.keys()];
  const teamLevels = spec.teamLevels;
  const inList = (xs: readonly string[]) => (xs.length ? sql`(${sql.join(xs.map((x) => sql`${x}`))})` : sql`(null)`);
  const expected = dueLevels.length
    ? sql`(level in ${inList(dueLevels)} and (${teamLevels.length ? sql`level not in ${inList(teamLevels)}` : sql`1 = 1`} or teams > 0))`
    : sql`1 = 0`;
  return sql`case when not ${expected} then 0 when first_at is null then 1
    when first_late = 1 or (due is not null and first_at >= due) then 3 else 2 end`;
}

interface AggRow {
  parent_id: number;
  level: string;
  kind: string | null;
  [col: string]: unknown;
}

/** Per parent id: the group of its bottom units (only parents below the root's direct children… and those). */
export async function leafSums(db: Db, spec: LeafSumsSpec): Promise<Map<number, LeafGroup>> {
  const d = dialectOf(db);
  const keys = [...new Set([...spec.keys, ...spec.pairs.flat()])];
  const fill = new Set(spec.fillFromHouseholds);
  const rawCols = keys.map((k, i) => sql`${d.raw(k)} as ${sql.ref(`x${i}`)}`);
  const col = (k: string) => {
    const i = keys.indexOf(k);
    const n = d.num(sql.ref(`x${i}`));
    return fill.has(k) ? sql`coalesce(${n}, case when rid is not null then households end)` : n;
  };
  const teamLevels = spec.teamLevels;
  const inList = (xs: readonly string[]) => (xs.length ? sql`(${sql.join(xs.map((x) => sql`${x}`))})` : sql`(null)`);
  const hasRoster = sql`(level in ${inList(teamLevels)} or teams > 0)`;
  const aggs: RawBuilder<unknown>[] = [
    sql`sum(households) as hh_sum`,
    sql`count(households) as hh_units`,
    sql`sum(case when ${hasRoster} then teams end) as team_sum`,
    sql`sum(case when ${hasRoster} then members end) as member_sum`,
    sql`count(case when ${hasRoster} then 1 end) as roster_units`,
    sql`sum(case when st > 0 then 1 else 0 end) as expected`,
    sql`sum(case when st = 2 then 1 else 0 end) as on_time`,
    sql`sum(case when st = 3 then 1 else 0 end) as late`,
    sql`${d.names(sql`st = 1`)} as missing_names`,
    sql`${d.names(sql`st = 3`)} as late_names`,
  ];
  keys.forEach((k, i) => {
    aggs.push(sql`sum(${col(k)}) as ${sql.ref(`s${i}`)}`, sql`count(${col(k)}) as ${sql.ref(`c${i}`)}`);
  });
  spec.pairs.forEach(([a, b], i) => {
    const both = sql`${col(a)} is not null and ${col(b)} is not null`;
    aggs.push(
      sql`sum(case when ${both} then ${col(a)} end) as ${sql.ref(`pn${i}`)}`,
      sql`sum(case when ${both} then ${col(b)} end) as ${sql.ref(`pd${i}`)}`,
      sql`count(case when ${both} then 1 end) as ${sql.ref(`pc${i}`)}`,
    );
  });
  const query = sql<AggRow>`
    select parent_id, level, kind, ${sql.join(aggs)}
    from (select leaf.*, ${statusSql(spec)} as st from (${leafRows(db, d, spec, rawCols)} ${d.fence}) leaf) lv
    group by parent_id, level, kind`;
  const { rows } = await query.execute(db);

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
  // in pages by unit id: only units with a text line are read, a page at a time
  for (let after = 0; ; ) {
    const { rows: page } = await sql<{ id: number; parent_id: number; name: string; path: string; [t: string]: unknown }>`
      select * from (
        select id, parent_id, name, path, ${sql.join(cols)} from (
          select u.id, u.parent_id, u.name, u.path, ${d.values} as v
          from units u
          join reports r on r.unit_id = u.id and r.period = ${period} and r.kind = ${kind}
            and r.version = (select max(x.version) from reports x where x.unit_id = u.id and x.period = ${period} and x.kind = ${kind})
          where ${leafWhere(spec)} and u.id > ${after}) leaf) x
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
