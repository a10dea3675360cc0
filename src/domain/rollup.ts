/**
 * Roll-up arithmetic, pure and composable: a level's roll-up is computed from its children, each
 * child being either one unit's report values or a lower level's RollupResult, so a district
 * roll-up is the roll-up of its communes' roll-ups, over any number of levels.
 *
 * Rules (research/domain.md §7, SPEC §4 and §8):
 * - `sum` and `latest` indicators add up. Missing stays missing, never 0: a total exists only when
 *   at least one source has the indicator, and it says how many sources (`contributors`, direct
 *   children plus the level's own report) and how many unit reports underneath (`reports`) it holds.
 * - Ratios (ratio indicators, coverage shares `shareOf`, targets) are recomputed from the summed
 *   numerator and denominator, never averaged. Only sources that have BOTH the numerator and the
 *   denominator count (paired sums), so a unit that forgot its households does not inflate a
 *   coverage rate. A child roll-up passes its paired sums up; for a pair it did not compute, its
 *   totals are used.
 * - A child's `attributes` (the unit's known households, villages…) fill keys its report lacks, and
 *   only when it reported: totals are always over the units that reported (the reporting base), so
 *   a total shown beside a ratio has the ratio's base. A unit that did not report adds nothing.
 * - `registry` facts (households from the unit list, teams and members from the roster) are summed
 *   over EVERY unit underneath, reported or not: the whole-unit base, shown apart and labelled.
 *   `registryKeys` name indicators whose total is the registry sum (team and member counts come
 *   from the roster, never from values leaders typed).
 * - Text fields are listed with the unit's name and the path of names below this level; the
 *   level's own lines have an empty path.
 * - Completeness is counted the DHIS2 way over `expected` children: actual = reported (on time or
 *   late), missing = expected − actual; `byDepth[0]` is the direct children, `byDepth[1]` their
 *   children, …; `tree` sums every depth. A child's values count in totals whatever its status.
 * - Ranking: direct children by one indicator (or by it per a denominator), best first; the worst
 *   list takes the lowest among those not already in the best list; children without a value are
 *   listed as unranked.
 * - Scale: a level below the one shown may take its bottom units as one `group` of sums the database
 *   computed (per indicator, per pair, registry, completeness counts) instead of one child each;
 *   `maxListed` keeps only the first units by place (`comparePlaces`) in missing and late lists, the
 *   counts staying exact. A group's units are neither ranked nor listed under a target.
 */
import type { IndicatorDef } from './indicators';

export type ReportStatus = 'on_time' | 'late' | 'missing';
export type Values = Record<string, number | string>;

export interface RollupChild {
  unitId: string;
  name: string;
  /** the child's level key (data), carried into completeness */
  level?: string;
  /** status of the child's own submission for the period (a village report, a commune's sent-up roll-up) */
  status: ReportStatus;
  /** is a report expected from this child (an active team)? */
  expected: boolean;
  /** its report values, or its own roll-up; undefined = nothing to add */
  values?: Values | RollupResult;
  /** known values describing the unit (households_total…), used where `values` lack them */
  attributes?: Record<string, number>;
  /** the unit's local kind ("ấp", "khóm", "Phường"), named in completeness lines */
  kind?: string;
  /**
   * facts from the registers about the unit itself (households, teams, members), summed over the
   * whole subtree; a roll-up child's come from its roll-up (its own unit's facts go in as `own`)
   */
  registry?: Record<string, number>;
  /** the child's place in tree order (its path), to list a group's text lines among the children's */
  order?: string;
}

/**
 * Many bottom units (no units below them) of one level, summed elsewhere (by the database): what
 * they would add to the level's roll-up as one child each.
 */
export interface LeafGroup {
  /** per indicator: the sum over the units holding a number (attributes filled), and how many */
  sums: Record<string, { value: number; count: number }>;
  /** per "numerator/denominator": sums over the units holding both, `contributors` = how many */
  pairs: Record<string, PairSum>;
  /** registry facts over every unit of the group, reported or not */
  registry: Record<string, RegistryTotal>;
  /** text lines, path [the unit's name], each with its unit's place in tree order (see RollupChild.order) */
  texts: Record<string, { order: string; item: TextItem }[]>;
  /** expected units by level and local kind, with how many reported on time and late */
  counted: { level: string; kind?: string | null; expected: number; onTime: number; late: number }[];
  /** expected units not reported / reported late, path [name]; may hold only the first by place */
  missingUnits: UnitRef[];
  lateUnits: UnitRef[];
}

export interface RollupOptions {
  indicators: readonly (IndicatorDef & { target?: { share: number; of: string; source?: string } })[];
  /** the level's own report (the commune team's own lines) */
  own?: { unitId: string; name: string; values?: Values; attributes?: Record<string, number>; registry?: Record<string, number> };
  /** indicators whose total is the registry sum (roster counts); typed values of them are ignored */
  registryKeys?: readonly string[];
  /** rank direct children by this indicator, or by it per `per` (households_supported per households_total) */
  rankBy?: { key: string; per?: string };
  /** how many best and worst units to list (default 3) */
  rankCount?: number;
  /**
   * more numerator/denominator pairs to carry up (a ratio the level above will rank or show);
   * ratio indicators, shares, targets and `rankBy.per` are carried already
   */
  extraPairs?: readonly (readonly [string, string])[];
  /** more direct children, summed elsewhere (see LeafGroup) */
  group?: LeafGroup;
  /** keep at most this many units, the first by place, in each missing and late list (counts stay exact) */
  maxListed?: number;
}

export interface Total {
  value: number;
  /** direct sources holding the indicator (children and the level's own report) */
  contributors: number;
  /** unit reports underneath holding it */
  reports: number;
}

export interface PairSum {
  numerator: number;
  denominator: number;
  /** sources holding both */
  contributors: number;
}

export interface RatioEntry extends PairSum {
  numeratorKey: string;
  denominatorKey: string;
  scale: number;
  /** numerator ÷ denominator × scale; undefined when the denominator is 0 */
  value: number | undefined;
}

export interface TextItem {
  unitId: string;
  name: string;
  /** names from this level's child down to the unit; empty for the level's own lines */
  path: string[];
  text: string;
}

export interface TargetResult {
  key: string;
  of: string;
  share: number;
  source?: string;
  numerator: number;
  denominator: number;
  contributors: number;
  /** share × denominator */
  required: number;
  /** numerator ÷ denominator; undefined when the denominator is 0 */
  achieved: number | undefined;
  met: boolean | undefined;
  /** direct children holding both values whose own share is below target */
  below: { unitId: string; name: string; achieved: number }[];
}

export interface UnitRef {
  unitId: string;
  name: string;
  /** names from this level's child down to the unit itself */
  path: string[];
}

export interface Completeness {
  expected: number;
  actual: number;
  onTime: number;
  late: number;
  missing: number;
  /** actual ÷ expected, undefined when nothing is expected */
  rate: number | undefined;
  /** onTime ÷ expected */
  timeliness: number | undefined;
  missingUnits: UnitRef[];
  lateUnits: UnitRef[];
  /** the level key, when every counted unit carries the same one */
  level?: string;
  /** how many counted units of each local kind (lower case: "ấp", "khóm"), when known for all */
  kinds?: Record<string, number>;
}

export interface Ranked {
  unitId: string;
  name: string;
  value: number;
}

export interface Ranking {
  key: string;
  per?: string;
  best: Ranked[];
  worst: Ranked[];
  unranked: { unitId: string; name: string }[];
}

export interface RegistryTotal {
  value: number;
  /** units underneath with the fact */
  units: number;
}

export interface RollupResult {
  kind: 'rollup';
  /** over the units that reported (the reporting base); `registryKeys` over every unit */
  totals: Record<string, Total>;
  /** the whole-unit base: registry facts summed over every unit underneath, reported or not */
  registry: Record<string, RegistryTotal>;
  /** ratio indicators, by key */
  ratios: Record<string, RatioEntry>;
  /** coverage shares of indicators with `shareOf`, by key */
  shares: Record<string, RatioEntry>;
  /** paired sums by "numerator/denominator", passed up to the next level */
  pairs: Record<string, PairSum>;
  texts: Record<string, TextItem[]>;
  targets: TargetResult[];
  completeness: Completeness;
  byDepth: Completeness[];
  tree: Completeness;
  ranking?: Ranking;
}

export function isRollup(v: Values | RollupResult | undefined): v is RollupResult {
  return !!v && (v as { kind?: unknown }).kind === 'rollup';
}

const pairId = (num: string, den: string) => `${num}/${den}`;
const round = (x: number) => Math.round(x * 1e9) / 1e9;

interface Source {
  unitId: string;
  name: string;
  values?: Values | RollupResult;
  attributes?: Record<string, number>;
  own: boolean;
  order?: string;
}

function numberOf(src: Source, key: string): { value: number; reports: number } | undefined {
  const v = src.values;
  if (isRollup(v)) {
    const t = v.totals[key];
    if (t) return { value: t.value, reports: t.reports };
  } else if (v) {
    const x = v[key];
    if (typeof x === 'number' && Number.isFinite(x)) return { value: x, reports: 1 };
  }
  // attributes fill only a unit's own report: a unit that did not report adds nothing
  if (!v || isRollup(v)) return undefined;
  const a = src.attributes?.[key];
  return typeof a === 'number' && Number.isFinite(a) ? { value: a, reports: 1 } : undefined;
}

function pairOf(src: Source, num: string, den: string): PairSum | undefined {
  const v = src.values;
  if (isRollup(v)) {
    // never pair a roll-up's totals: they may come from different units underneath
    const p = v.pairs[pairId(num, den)];
    return p && p.contributors > 0 ? p : undefined;
  }
  const n = numberOf(src, num);
  const d = numberOf(src, den);
  return n && d ? { numerator: n.value, denominator: d.value, contributors: 1 } : undefined;
}

function emptyCompleteness(): Completeness {
  return { expected: 0, actual: 0, onTime: 0, late: 0, missing: 0, rate: undefined, timeliness: undefined, missingUnits: [], lateUnits: [] };
}

function finish(c: Completeness): Completeness {
  c.missing = c.expected - c.actual;
  c.rate = c.expected ? c.actual / c.expected : undefined;
  c.timeliness = c.expected ? c.onTime / c.expected : undefined;
  return c;
}

/** Add b into a (paths of b already final). */
function mergeInto(a: Completeness, b: Completeness, prefix?: string) {
  a.expected += b.expected;
  a.actual += b.actual;
  a.onTime += b.onTime;
  a.late += b.late;
  const re = (u: UnitRef): UnitRef => ({ ...u, path: prefix === undefined ? u.path : [prefix, ...u.path] });
  a.missingUnits.push(...b.missingUnits.map(re));
  a.lateUnits.push(...b.lateUnits.map(re));
}

const PLACE = new Intl.Collator('vi', { numeric: true });

/** Place order: by the names of the path, level by level (the order lists are shown in). Pure. */
export function comparePlaces(a: { path: readonly string[] }, b: { path: readonly string[] }): number {
  const n = Math.min(a.path.length, b.path.length);
  for (let i = 0; i < n; i++) {
    const c = PLACE.compare(a.path[i]!, b.path[i]!);
    if (c) return c;
  }
  return a.path.length - b.path.length;
}

/** The first `max` units by place. */
function firstByPlace(list: UnitRef[], max: number | undefined): UnitRef[] {
  if (max === undefined) return list;
  return list.sort(comparePlaces).slice(0, max);
}

function directCompleteness(children: readonly RollupChild[], group?: LeafGroup, max?: number): Completeness {
  const c = emptyCompleteness();
  const counted = children.filter((ch) => ch.expected);
  for (const ch of counted) {
    c.expected++;
    const ref = { unitId: ch.unitId, name: ch.name, path: [ch.name] };
    if (ch.status === 'missing') c.missingUnits.push(ref);
    else {
      c.actual++;
      if (ch.status === 'on_time') c.onTime++;
      else {
        c.late++;
        c.lateUnits.push(ref);
      }
    }
  }
  const levels = new Set<string | undefined>(counted.map((ch) => ch.level));
  const kinds: [string | null | undefined, number][] = counted.map((ch) => [ch.kind, 1]);
  for (const g of group?.counted ?? []) {
    if (g.expected <= 0) continue;
    c.expected += g.expected;
    c.actual += g.onTime + g.late;
    c.onTime += g.onTime;
    c.late += g.late;
    levels.add(g.level);
    kinds.push([g.kind, g.expected]);
  }
  if (group) {
    c.missingUnits.push(...group.missingUnits);
    c.lateUnits.push(...group.lateUnits);
  }
  c.missingUnits = firstByPlace(c.missingUnits, max);
  c.lateUnits = firstByPlace(c.lateUnits, max);
  const level = levels.size === 1 ? [...levels][0] : undefined;
  if (level !== undefined) c.level = level;
  const kindCounts = kindsOf(kinds);
  if (kindCounts) c.kinds = kindCounts;
  return finish(c);
}

/** Counted units per kind, lower case; undefined when a unit's kind is unknown. */
export function kindsOf(kinds: [string | null | undefined, number][]): Record<string, number> | undefined {
  if (kinds.length === 0 || kinds.some(([k]) => !k?.trim())) return undefined;
  const counts: Record<string, number> = {};
  for (const [k, n] of kinds) {
    const key = k!.trim().toLocaleLowerCase('vi');
    counts[key] = (counts[key] ?? 0) + n;
  }
  return counts;
}

function sortByName<T extends { name: string }>(xs: T[]): T[] {
  return xs.sort((a, b) => a.name.localeCompare(b.name, 'vi'));
}

/** Roll up a level from its children (and optionally its own report). Pure. */
export function rollup(children: readonly RollupChild[], opts: RollupOptions): RollupResult {
  const sources: Source[] = children.map((c) => ({ unitId: c.unitId, name: c.name, values: c.values, attributes: c.attributes, own: false, order: c.order }));
  if (opts.own) sources.push({ ...opts.own, own: true });

  // the whole-unit base: registry facts of every unit underneath
  const registry: Record<string, RegistryTotal> = {};
  const registryContributors: Record<string, number> = {};
  const addRegistry = (facts: Record<string, number> | Record<string, RegistryTotal> | undefined) => {
    for (const [k, f] of Object.entries(facts ?? {})) {
      const value = typeof f === 'number' ? f : f.value;
      if (!Number.isFinite(value)) continue;
      const units = typeof f === 'number' ? 1 : f.units;
      const r = (registry[k] ??= { value: 0, units: 0 });
      r.value = round(r.value + value);
      r.units += units;
      registryContributors[k] = (registryContributors[k] ?? 0) + 1;
    }
  };
  for (const c of children) addRegistry(isRollup(c.values) ? c.values.registry : c.registry);
  const group = opts.group;
  for (const [k, f] of Object.entries(group?.registry ?? {})) {
    if (!Number.isFinite(f.value) || f.units <= 0) continue;
    const r = (registry[k] ??= { value: 0, units: 0 });
    r.value = round(r.value + f.value);
    r.units += f.units;
    registryContributors[k] = (registryContributors[k] ?? 0) + f.units;
  }
  addRegistry(opts.own?.registry);

  // totals
  const totals: Record<string, Total> = {};
  const fromRegistry = new Set(opts.registryKeys ?? []);
  for (const ind of opts.indicators) {
    if (ind.type === 'text' || ind.aggregation.kind === 'ratio' || ind.aggregation.kind === 'text') continue;
    if (fromRegistry.has(ind.key)) {
      const r = registry[ind.key];
      if (r) totals[ind.key] = { value: r.value, contributors: registryContributors[ind.key]!, reports: r.units };
      continue;
    }
    let value = 0;
    let contributors = 0;
    let reports = 0;
    const g = group?.sums[ind.key];
    if (g && g.count > 0) {
      value += g.value;
      contributors += g.count;
      reports += g.count;
    }
    for (const s of sources) {
      const n = numberOf(s, ind.key);
      if (!n) continue;
      value += n.value;
      contributors++;
      reports += n.reports;
    }
    if (contributors) totals[ind.key] = { value: round(value), contributors, reports };
  }

  // paired sums for every ratio, share, target and per-ranking
  const specs = new Map<string, [string, string]>();
  for (const ind of opts.indicators) {
    if (ind.aggregation.kind === 'ratio') specs.set(pairId(ind.aggregation.numerator, ind.aggregation.denominator), [ind.aggregation.numerator, ind.aggregation.denominator]);
    if (ind.shareOf) specs.set(pairId(ind.key, ind.shareOf), [ind.key, ind.shareOf]);
    if (ind.target) specs.set(pairId(ind.key, ind.target.of), [ind.key, ind.target.of]);
  }
  if (opts.rankBy?.per) specs.set(pairId(opts.rankBy.key, opts.rankBy.per), [opts.rankBy.key, opts.rankBy.per]);
  for (const [num, den] of opts.extraPairs ?? []) specs.set(pairId(num, den), [num, den]);
  const pairs: Record<string, PairSum> = {};
  for (const [id, [num, den]] of specs) {
    const acc: PairSum = { numerator: 0, denominator: 0, contributors: 0 };
    const g = group?.pairs[id];
    if (g && g.contributors > 0) {
      acc.numerator += g.numerator;
      acc.denominator += g.denominator;
      acc.contributors += g.contributors;
    }
    for (const s of sources) {
      const p = pairOf(s, num, den);
      if (!p) continue;
      acc.numerator += p.numerator;
      acc.denominator += p.denominator;
      acc.contributors += p.contributors > 0 ? 1 : 0;
    }
    if (acc.contributors) pairs[id] = { numerator: round(acc.numerator), denominator: round(acc.denominator), contributors: acc.contributors };
  }
  const entry = (num: string, den: string, scale: number): RatioEntry | undefined => {
    const p = pairs[pairId(num, den)];
    if (!p) return undefined;
    return { ...p, numeratorKey: num, denominatorKey: den, scale, value: p.denominator ? (p.numerator / p.denominator) * scale : undefined };
  };
  const ratios: Record<string, RatioEntry> = {};
  const shares: Record<string, RatioEntry> = {};
  for (const ind of opts.indicators) {
    if (ind.aggregation.kind === 'ratio') {
      const e = entry(ind.aggregation.numerator, ind.aggregation.denominator, ind.aggregation.scale);
      if (e) ratios[ind.key] = e;
    }
    if (ind.shareOf) {
      const e = entry(ind.key, ind.shareOf, 1);
      if (e) shares[ind.key] = e;
    }
  }

  // texts
  const texts: Record<string, TextItem[]> = {};
  for (const ind of opts.indicators) {
    if (ind.type !== 'text') continue;
    // a group's lines go among the children's in tree order; the level's own lines last
    const placed: { order: string; items: TextItem[] }[] = (group?.texts[ind.key] ?? []).map((g) => ({ order: g.order, items: [g.item] }));
    for (const s of sources) {
      const mine: TextItem[] = [];
      const v = s.values;
      if (isRollup(v)) {
        for (const it of v.texts[ind.key] ?? []) mine.push({ ...it, path: [s.name, ...it.path] });
      } else if (v) {
        const t = v[ind.key];
        if (typeof t === 'string' && t.trim()) mine.push({ unitId: s.unitId, name: s.name, path: s.own ? [] : [s.name], text: t.trim() });
      }
      if (mine.length) placed.push({ order: s.own ? '\uffff' : (s.order ?? ''), items: mine });
    }
    if (group) placed.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    const items = placed.flatMap((p) => p.items);
    if (items.length) texts[ind.key] = items;
  }

  // targets
  const targets: TargetResult[] = [];
  for (const ind of opts.indicators) {
    if (!ind.target) continue;
    const { share, of } = ind.target;
    const p = pairs[pairId(ind.key, of)];
    const below: TargetResult['below'] = [];
    for (const s of sources) {
      if (s.own) continue;
      const cp = pairOf(s, ind.key, of);
      if (cp && cp.denominator > 0 && cp.numerator / cp.denominator < share - 1e-12) {
        below.push({ unitId: s.unitId, name: s.name, achieved: cp.numerator / cp.denominator });
      }
    }
    const numerator = p?.numerator ?? 0;
    const denominator = p?.denominator ?? 0;
    const achieved = p && denominator ? numerator / denominator : undefined;
    targets.push({
      key: ind.key,
      of,
      share,
      ...(ind.target.source ? { source: ind.target.source } : {}),
      numerator,
      denominator,
      contributors: p?.contributors ?? 0,
      required: round(share * denominator),
      achieved,
      met: achieved === undefined ? undefined : achieved >= share - 1e-12,
      below: sortByName(below),
    });
  }

  // completeness
  const max = opts.maxListed;
  const completeness = directCompleteness(children, group, max);
  const byDepth: Completeness[] = [completeness];
  const deeperLevels: (string | undefined)[][] = [];
  const deeperKinds: (Record<string, number> | undefined)[][] = [];
  // with a bound, only the children first by name can hold the first units by place
  const deep = children.filter((ch) => isRollup(ch.values));
  if (max !== undefined) deep.sort((a, b) => PLACE.compare(a.name, b.name));
  const lastName: (string | undefined)[] = [];
  for (const ch of deep) {
    if (!isRollup(ch.values)) continue;
    ch.values.byDepth.forEach((c, d) => {
      const at = d + 1;
      if (!byDepth[at]) byDepth[at] = emptyCompleteness();
      // children come by name: once a list holds `max`, a child named after the last one adds none
      const into = byDepth[at]!;
      const after = lastName[at] !== undefined && PLACE.compare(ch.name, lastName[at]!) !== 0;
      const dropMissing = max !== undefined && after && into.missingUnits.length >= max;
      const dropLate = max !== undefined && after && into.lateUnits.length >= max;
      mergeInto(into, dropMissing || dropLate ? { ...c, missingUnits: dropMissing ? [] : c.missingUnits, lateUnits: dropLate ? [] : c.lateUnits } : c, ch.name);
      lastName[at] = ch.name;
      if (c.expected) {
        (deeperLevels[at] ??= []).push(c.level);
        (deeperKinds[at] ??= []).push(c.kinds);
      }
    });
  }
  for (let d = 1; d < byDepth.length; d++) {
    const c = finish(byDepth[d]!);
    c.missingUnits = firstByPlace(c.missingUnits, max);
    c.lateUnits = firstByPlace(c.lateUnits, max);
    const levels = new Set(deeperLevels[d] ?? []);
    const only = levels.size === 1 ? [...levels][0] : undefined;
    if (only !== undefined) c.level = only;
    const parts = deeperKinds[d] ?? [];
    if (parts.length && parts.every((k) => k)) {
      const kinds: Record<string, number> = {};
      for (const k of parts) for (const [name, n] of Object.entries(k!)) kinds[name] = (kinds[name] ?? 0) + n;
      c.kinds = kinds;
    }
  }
  const tree = emptyCompleteness();
  for (const c of byDepth) mergeInto(tree, c);
  finish(tree);
  tree.missingUnits = firstByPlace(tree.missingUnits, max);
  tree.lateUnits = firstByPlace(tree.lateUnits, max);

  const result: RollupResult = { kind: 'rollup', totals, registry, ratios, shares, pairs, texts, targets, completeness, byDepth, tree };

  // ranking
  if (opts.rankBy) {
    const { key, per } = opts.rankBy;
    const ind = opts.indicators.find((i) => i.key === key);
    const ranked: Ranked[] = [];
    const unranked: { unitId: string; name: string }[] = [];
    for (const s of sources) {
      if (s.own) continue;
      let value: number | undefined;
      if (per) {
        const p = pairOf(s, key, per);
        value = p && p.denominator ? p.numerator / p.denominator : undefined;
      } else if (ind?.aggregation.kind === 'ratio') {
        const p = pairOf(s, ind.aggregation.numerator, ind.aggregation.denominator);
        value = p && p.denominator ? (p.numerator / p.denominator) * ind.aggregation.scale : undefined;
      } else value = numberOf(s, key)?.value;
      if (value === undefined) unranked.push({ unitId: s.unitId, name: s.name });
      else ranked.push({ unitId: s.unitId, name: s.name, value });
    }
    ranked.sort((a, b) => b.value - a.value || a.name.localeCompare(b.name, 'vi'));
    const n = opts.rankCount ?? 3;
    const best = ranked.slice(0, n);
    const worst = ranked.slice(Math.max(n, ranked.length - n)).reverse();
    result.ranking = { key, ...(per ? { per } : {}), best, worst, unranked: sortByName(unranked) };
  }
  return result;
}

export interface ValueChange {
  key: string;
  before?: number | string;
  after?: number | string;
}

/** What differs between two flat versions of a roll-up, in the order of `keys` then the rest. Pure. */
export function diffValues(before: Values, after: Values, keys: readonly string[] = []): ValueChange[] {
  const order = [...new Set([...keys, ...Object.keys(before), ...Object.keys(after)])];
  const out: ValueChange[] = [];
  for (const key of order) {
    const b = before[key];
    const a = after[key];
    if (b === a) continue;
    out.push({ key, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  }
  return out;
}

/**
 * What counted units are called, from their kinds (`Completeness.kinds`): "ấp, khóm", "xã, phường",
 * most frequent first, ties in the order of the level's `localNames`; lower case. Pure.
 */
export function kindsLabel(kinds: Record<string, number>, localNames: readonly string[] = []): string {
  const names = localNames.map((n) => n.toLocaleLowerCase('vi'));
  const rank = (k: string) => (names.indexOf(k) < 0 ? names.length : names.indexOf(k));
  return Object.entries(kinds)
    .sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0], 'vi'))
    .map(([k]) => k)
    .join(', ');
}
