/**
 * Progress and roll-ups over a unit's whole subtree, whatever the number of levels: two queries
 * (units, reports) and the pure roll-up arithmetic, level by level from the bottom.
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { dueAt, isLate, periodKey, type Period } from '../domain/calendar';
import { resolveIndicators, type ResolvedIndicator } from '../domain/indicators';
import { dueFor, teamRuleFor, type Profile } from '../domain/profile';
import { diffValues, rollup, type ReportStatus, type RollupChild, type RollupResult, type ValueChange } from '../domain/rollup';
import { latestReports, type LatestReport, type StoredReport } from '../store/reports';
import { subtree } from '../store/units';
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

interface RosterCount {
  teams: number;
  members: number;
}

/** Active teams and their current members per unit. */
async function rosterCounts(db: Db, ids: number[]): Promise<Map<number, RosterCount>> {
  const out = new Map<number, RosterCount>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const [teams, members] = await Promise.all([
      db
        .selectFrom('teams')
        .select(['unit_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('unit_id', 'in', chunk)
        .where('active', '=', 1)
        .groupBy('unit_id')
        .execute(),
      db
        .selectFrom('memberships as m')
        .innerJoin('teams as t', 't.id', 'm.team_id')
        .select(['t.unit_id', (eb) => eb.fn.count<number>('m.person_id').distinct().as('n')])
        .where('t.unit_id', 'in', chunk)
        .where('t.active', '=', 1)
        .where('m.until', 'is', null)
        .groupBy('t.unit_id')
        .execute(),
    ]);
    for (const r of teams) out.set(r.unit_id, { teams: Number(r.n), members: 0 });
    for (const r of members) {
      const c = out.get(r.unit_id);
      if (c) c.members = Number(r.n);
    }
  }
  return out;
}

export function statusOf(profile: Profile, unit: Unit, period: Period, rep: LatestReport | undefined): ReportStatus {
  if (!rep?.firstSentUpAt) return 'missing';
  return rep.firstLate || isLate(dueAt(profile, unit.level, period), rep.firstSentUpAt) ? 'late' : 'on_time';
}

export async function buildRollup(db: Db, profile: Profile, root: Unit, period: Period): Promise<UnitRollup> {
  const units = await subtree(db, root);
  const ids = units.map((u) => u.id);
  const [reports, roster] = await Promise.all([latestReports(db, ids, periodKey(period), PERIODIC), rosterCounts(db, ids)]);
  const kids = new Map<number, Unit[]>();
  for (const u of units) {
    if (u.parent_id === null || u.id === root.id) continue;
    const list = kids.get(u.parent_id) ?? [];
    list.push(u);
    kids.set(u.parent_id, list);
  }
  const indicators = profileIndicators(profile);
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
        ...(c.kind ? { kind: c.kind } : {}),
        status: reports_ ? statusOf(profile, c, period, rep) : 'missing',
        expected: expectedOf(c),
        values: kids.has(c.id) ? compute(c) : rep?.values,
        ...(attrs ? { attributes: attrs } : {}),
        ...(reg && !kids.has(c.id) ? { registry: reg } : {}),
      };
    });
    const own = reports.get(u.id)?.own;
    const attrs = attributes(u);
    const reg = registry(u);
    return rollup(children, {
      indicators,
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
    size: units.length,
    ...(mine?.sentUp && mine.sentUp.source === 'rollup' ? { lastSentUp: mine.sentUp } : {}),
    children: (kids.get(root.id) ?? []).filter(expectedOf).map((c) => ({ unit: c, firstSentUpAt: reports.get(c.id)?.firstSentUpAt ?? undefined })),
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
