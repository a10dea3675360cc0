/**
 * Progress and roll-ups over a unit's whole subtree, whatever the number of levels and units, in
 * bounded memory: the root, its direct children and the units with units below them are read one by
 * one (a few thousand at national scale); the bottom units further down (the villages under a
 * province's communes) reach the pure roll-up arithmetic as per-parent sums the database computed
 * (src/store/rollup-sums.ts). Missing and late lists keep the first LIST_LIMIT units by place.
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { dueAt, isLate, periodKey, type Period } from '../domain/calendar';
import { resolveIndicators, type ResolvedIndicator } from '../domain/indicators';
import { dueFor, teamRuleFor, type Profile } from '../domain/profile';
import { diffValues, rollup, type ReportStatus, type RollupChild, type RollupResult, type ValueChange } from '../domain/rollup';
import { latestReports, type LatestReport, type StoredReport } from '../store/reports';
import { leafSums, type LeafSumsSpec } from '../store/rollup-sums';
import { rosterCounts } from '../store/teams';
import { childrenOf, upperSubtree, subtreeSize } from '../store/units';
import { PERIODIC } from './reporting';

export interface UnitRollup {
  unit: Unit;
  period: Period;
  result: RollupResult;
  indicators: ResolvedIndicator[];
  /** the unit's own status for the period (its report, or its roll-up sent up) */
  status: ReportStatus;
  dueAt: Date | undefined;
  /** number of units in the subtree, for callers that size their output */
  size: number;
  /** the latest roll-up this unit sent up for the period */
  lastSentUp?: StoredReport;
  /** direct children expected to report, with when they first sent (undefined = not yet) */
  children: { unit: Unit; firstSentUpAt: Date | undefined }[];
}

/** Indicators counted from the roster (active teams, current members), never from typed values. */
export const ROSTER_KEYS = ['team_count', 'member_count'] as const;

/** Most units a roll-up keeps in each missing or late list (the first by place; counts stay exact). */
export const LIST_LIMIT = 50;

export function statusOf(profile: Profile, unit: Unit, period: Period, rep: LatestReport | undefined): ReportStatus {
  if (!rep?.firstSentUpAt) return 'missing';
  return rep.firstLate || isLate(dueAt(profile, unit.level, period), rep.firstSentUpAt) ? 'late' : 'on_time';
}

export async function buildRollup(db: Db, profile: Profile, root: Unit, period: Period): Promise<UnitRollup> {
  // the root's children one by one, and every unit with units below it; bottom units further down as sums
  const [upper, direct, size] = await Promise.all([upperSubtree(db, root), childrenOf(db, root.id), subtreeSize(db, root)]);
  const withKids = new Set(upper.map((u) => u.id));
  const byId = new Map<number, Unit>([[root.id, root]]);
  for (const u of [...upper, ...direct]) byId.set(u.id, u);
  const units = [...byId.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const ids = units.map((u) => u.id);
  const indicators = profileIndicators(profile);
  const deep = upper.some((u) => u.id !== root.id);
  const [reports, roster, groups] = await Promise.all([
    latestReports(db, ids, periodKey(period), PERIODIC),
    rosterCounts(db, ids),
    deep ? leafSums(db, { ...leafSpec(profile, root, period, indicators), parents: upper.filter((u) => u.id !== root.id).map((u) => u.id), upper: upper.map((u) => u.id) }) : Promise.resolve(undefined),
  ]);
  const kids = new Map<number, Unit[]>();
  for (const u of units) {
    if (u.parent_id === null || u.id === root.id) continue;
    const list = kids.get(u.parent_id) ?? [];
    list.push(u);
    kids.set(u.parent_id, list);
  }
  const rank = rankKey(indicators);
  const attributes = (u: Unit) => (u.households !== null ? { households_total: u.households } : undefined);
  // what the registers say about a unit: households from the unit list, teams and members from the roster
  const registry = (u: Unit): Record<string, number> | undefined => {
    const r: Record<string, number> = {};
    if (u.households !== null) r.households_total = u.households;
    if (teamRuleFor(profile, u.level) || roster.has(u.id)) {
      const c = roster.get(u.id);
      r.team_count = c?.teams ?? 0;
      r.member_count = c?.members ?? 0;
    }
    return Object.keys(r).length ? r : undefined;
  };
  const expectedOf = (c: Unit) => !!dueFor(profile, c.level) && (teamRuleFor(profile, c.level) ? (roster.get(c.id)?.teams ?? 0) > 0 : true);

  const compute = (u: Unit): RollupResult => {
    const children: RollupChild[] = (kids.get(u.id) ?? []).map((c) => {
      const rep = reports.get(c.id);
      const reports_ = !!dueFor(profile, c.level);
      const attrs = attributes(c);
      const reg = registry(c);
      return {
        unitId: String(c.id),
        name: c.name,
        level: c.level,
        order: c.path,
        ...(c.kind ? { kind: c.kind } : {}),
        status: reports_ ? statusOf(profile, c, period, rep) : 'missing',
        expected: expectedOf(c),
        values: withKids.has(c.id) ? compute(c) : rep?.values,
        ...(attrs ? { attributes: attrs } : {}),
        ...(reg && !withKids.has(c.id) ? { registry: reg } : {}),
      };
    });
    const own = reports.get(u.id)?.own;
    const attrs = attributes(u);
    const reg = registry(u);
    const group = u.id === root.id ? undefined : groups?.get(u.id);
    return rollup(children, {
      indicators,
      maxListed: LIST_LIMIT,
      ...(group ? { group } : {}),
      ...(own || attrs || reg
        ? {
            own: {
              unitId: String(u.id),
              name: u.name,
              ...(own ? { values: own.values } : {}),
              ...(attrs ? { attributes: attrs } : {}),
              ...(reg ? { registry: reg } : {}),
            },
          }
        : {}),
      registryKeys: ROSTER_KEYS,
      ...(rank ? { rankBy: { key: rank } } : {}),
    });
  };

  const mine = reports.get(root.id);
  return {
    unit: root,
    period,
    result: compute(root),
    indicators,
    status: statusOf(profile, root, period, mine),
    dueAt: dueAt(profile, root.level, period),
    size,
    ...(mine?.sentUp && mine.sentUp.source === 'rollup' ? { lastSentUp: mine.sentUp } : {}),
    children: (kids.get(root.id) ?? []).filter(expectedOf).map((c) => ({ unit: c, firstSentUpAt: reports.get(c.id)?.firstSentUpAt ?? undefined })),
  };
}

/** What the database sums for the bottom units: the roll-up's indicators, pairs, texts and rules. */
function leafSpec(profile: Profile, root: Unit, period: Period, indicators: ResolvedIndicator[]): Omit<LeafSumsSpec, 'parents' | 'upper'> {
  const roster = new Set<string>(ROSTER_KEYS);
  const keys = indicators.filter((i) => i.type !== 'text' && i.aggregation.kind !== 'ratio' && i.aggregation.kind !== 'text' && !roster.has(i.key)).map((i) => i.key);
  const pairs = new Map<string, [string, string]>();
  for (const ind of indicators) {
    if (ind.aggregation.kind === 'ratio') pairs.set(`${ind.aggregation.numerator}/${ind.aggregation.denominator}`, [ind.aggregation.numerator, ind.aggregation.denominator]);
    if (ind.shareOf) pairs.set(`${ind.key}/${ind.shareOf}`, [ind.key, ind.shareOf]);
    if (ind.target) pairs.set(`${ind.key}/${ind.target.of}`, [ind.key, ind.target.of]);
  }
  const dueByLevel = new Map<string, string | undefined>();
  for (const l of profile.levels) if (dueFor(profile, l.key)) dueByLevel.set(l.key, dueAt(profile, l.key, period)?.toISOString());
  return {
    root,
    period: periodKey(period),
    kind: PERIODIC,
    keys,
    fillFromHouseholds: ['households_total'],
    pairs: [...pairs.values()],
    textKeys: indicators.filter((i) => i.type === 'text').map((i) => i.key),
    dueByLevel,
    teamLevels: profile.teams.map((t) => t.level),
    registryKeys: { households: 'households_total', teams: 'team_count', members: 'member_count' },
    listLimit: LIST_LIMIT,
  };
}

const PROFILE_INDICATORS = new WeakMap<Profile, ResolvedIndicator[]>();

function profileIndicators(profile: Profile): ResolvedIndicator[] {
  let list = PROFILE_INDICATORS.get(profile);
  if (!list) PROFILE_INDICATORS.set(profile, (list = resolveIndicators(profile.indicators)));
  return list;
}

/** Rank by the first activity count of the profile (households supported, usually). */
function rankKey(indicators: ResolvedIndicator[]): string | undefined {
  return (indicators.find((i) => i.key === 'households_supported') ?? indicators.find((i) => i.type === 'count' && !i.reference))?.key;
}

/** Flat values of a roll-up, stored as the version a level sends up. */
export function flattenRollup(r: RollupResult): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, t] of Object.entries(r.totals)) out[k] = t.value;
  for (const [k, items] of Object.entries(r.texts)) {
    if (items.length) out[k] = items.map((i) => `${[...i.path].join(' / ') || i.name}: ${i.text}`).join('\n');
  }
  return out;
}

export interface SendUpPlan {
  values: Record<string, number | string>;
  /** the version sent up before, if any */
  previous?: StoredReport;
  /** direct children that first reported after the previous version was sent up */
  added: Unit[];
  /** totals and texts that differ from the previous version */
  changes: ValueChange[];
  /** a previous version exists and nothing differs from it */
  unchanged: boolean;
}

/** What sending this roll-up up would send, compared with the version sent before. */
export function planSendUp(roll: UnitRollup): SendUpPlan {
  const values = flattenRollup(roll.result);
  const previous = roll.lastSentUp;
  if (!previous) return { values, added: [], changes: [], unchanged: false };
  const at = previous.sentUpAt ?? previous.submittedAt;
  const added = roll.children.filter((c) => c.firstSentUpAt && c.firstSentUpAt.getTime() > at.getTime()).map((c) => c.unit);
  const changes = diffValues(previous.values, values, roll.indicators.map((i) => i.key));
  return { values, previous, added, changes, unchanged: added.length === 0 && changes.length === 0 };
}
