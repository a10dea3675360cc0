/**
 * Progress and roll-ups over a unit's whole subtree, whatever the number of levels: two queries
 * (units, reports) and the pure roll-up arithmetic, level by level from the bottom.
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { dueAt, isLate, periodKey, type Period } from '../domain/calendar';
import { resolveIndicators, type ResolvedIndicator } from '../domain/indicators';
import { dueFor, teamRuleFor, type Profile } from '../domain/profile';
import { rollup, type ReportStatus, type RollupChild, type RollupResult } from '../domain/rollup';
import { latestReports, type LatestReport } from '../store/reports';
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
}

async function unitsWithTeams(db: Db, ids: number[]): Promise<Set<number>> {
  const out = new Set<number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('teams')
      .select('unit_id')
      .where('unit_id', 'in', ids.slice(i, i + 500))
      .where('active', '=', 1)
      .execute();
    for (const r of rows) out.add(r.unit_id);
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
  const [reports, teamed] = await Promise.all([latestReports(db, ids, periodKey(period), PERIODIC), unitsWithTeams(db, ids)]);
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

  const compute = (u: Unit): RollupResult => {
    const children: RollupChild[] = (kids.get(u.id) ?? []).map((c) => {
      const rep = reports.get(c.id);
      const reports_ = !!dueFor(profile, c.level);
      const rule = teamRuleFor(profile, c.level);
      return {
        unitId: String(c.id),
        name: c.name,
        level: c.level,
        status: reports_ ? statusOf(profile, c, period, rep) : 'missing',
        expected: reports_ && (rule ? teamed.has(c.id) : true),
        values: kids.has(c.id) ? compute(c) : rep?.values,
        ...(attributes(c) ? { attributes: attributes(c) } : {}),
      };
    });
    const own = reports.get(u.id)?.own;
    const attrs = attributes(u);
    return rollup(children, {
      indicators,
      ...(own || attrs ? { own: { unitId: String(u.id), name: u.name, ...(own ? { values: own.values } : {}), ...(attrs ? { attributes: attrs } : {}) } } : {}),
      ...(rank ? { rankBy: { key: rank } } : {}),
    });
  };

  return {
    unit: root,
    period,
    result: compute(root),
    indicators,
    status: statusOf(profile, root, period, reports.get(root.id)),
    dueAt: dueAt(profile, root.level, period),
    size: units.length,
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
