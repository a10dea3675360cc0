/**
 * Report use cases: what a unit reports for a period, storing a confirmed version, and whether a
 * period is still open for a unit (it closes when the level above has sent its roll-up up).
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { dueAt, isLate, localParts, parsePeriodSpec, periodContaining, periodKey, resolvePeriodSpec, type Period } from '../domain/calendar';
import { resolveIndicators, type ResolvedIndicator } from '../domain/indicators';
import { childLevel, dueFor, indicatorsFor, type Profile } from '../domain/profile';
import { addReportVersion, latestReports, type ReportValues, type StoredReport } from '../store/reports';
import { audit } from '../store/audit';
import { getUnit } from '../store/units';

export const PERIODIC = 'periodic';

export interface ReportSpec {
  indicators: ResolvedIndicator[];
  /** upper bounds known from the unit (its households) */
  bounds: Record<string, number>;
  dueAt: Date | undefined;
  /** the level reports by rolling up its children (has a child level with a deadline) */
  rollsUp: boolean;
}

const LEVEL_INDICATORS = new WeakMap<Profile, Map<string, ResolvedIndicator[]>>();

/** The indicators a level reports, resolved once per profile (the parser caches its label index per array). */
export function levelIndicators(profile: Profile, level: string): ResolvedIndicator[] {
  let byLevel = LEVEL_INDICATORS.get(profile);
  if (!byLevel) LEVEL_INDICATORS.set(profile, (byLevel = new Map()));
  let list = byLevel.get(level);
  if (!list) byLevel.set(level, (list = resolveIndicators(indicatorsFor(profile, level)).filter((i) => i.reportable)));
  return list;
}

export function reportSpec(profile: Profile, unit: Unit, period: Period): ReportSpec {
  const indicators = levelIndicators(profile, unit.level);
  const bounds: Record<string, number> = {};
  if (unit.households !== null) bounds.households_total = unit.households;
  return { indicators, bounds, dueAt: dueAt(profile, unit.level, period), rollsUp: levelRollsUp(profile, unit.level) };
}

export function levelRollsUp(profile: Profile, level: string): boolean {
  let child = childLevel(profile, level);
  while (child) {
    if (dueFor(profile, child.key)) return true;
    child = childLevel(profile, child.key);
  }
  return false;
}

/** The period named in `text`, or the open period now; undefined when `text` names none or names one of the other cycle. */
export function choosePeriod(profile: Profile, text: string, now: Date): Period | undefined {
  const r = readPeriod(profile, text, now);
  return r.ok ? r.period : undefined;
}

export type PeriodChoice =
  | { ok: true; period: Period }
  | { ok: false; reason: 'unreadable' }
  /** a month typed for a quarterly profile (or the reverse): `suggested` is the period of the profile's cycle it falls in */
  | { ok: false; reason: 'wrong_cycle'; typed: Period; suggested: Period };

/**
 * The period named in `text` (every form of `parsePeriodSpec`: "T11/2026", "tháng 11", "Q4", "2026-Q4",
 * "quý này"…), or the open period now when `text` is empty. A year-less month or quarter is the latest
 * one not after now. A period of the other cycle is refused with the one of the profile's cycle to use.
 */
export function readPeriod(profile: Profile, text: string, now: Date): PeriodChoice {
  const cycle = profile.reporting.cycle;
  const current = periodContaining(cycle, now, profile.timezone);
  const named = text.trim();
  if (!named) return { ok: true, period: current };
  const spec = parsePeriodSpec(named);
  if (!spec) return { ok: false, reason: 'unreadable' };
  const local = localParts(now, profile.timezone);
  const p = resolvePeriodSpec(spec, current, local.year, local.month);
  if (p.cycle === cycle) return { ok: true, period: p };
  const suggested: Period =
    p.cycle === 'month' ? { cycle: 'quarter', year: p.year, index: Math.ceil(p.index / 3) } : { cycle: 'month', year: p.year, index: p.index * 3 };
  return { ok: false, reason: 'wrong_cycle', typed: p, suggested };
}

/**
 * Where a unit stands for a period, in one query: the unit above when it has sent its roll-up up
 * (then amending needs it reopened), and the unit's latest version number (0 = none yet).
 */
export async function periodState(db: Db, unit: Unit, period: string): Promise<{ closedBy: Unit | undefined; version: number }> {
  const ids = unit.parent_id === null ? [unit.id] : [unit.id, unit.parent_id];
  const latest = await latestReports(db, ids, period, PERIODIC);
  const closed = unit.parent_id !== null && !!latest.get(unit.parent_id)?.sentUp;
  return {
    closedBy: closed ? await getUnit(db, unit.parent_id!) : undefined,
    version: latest.get(unit.id)?.version ?? 0,
  };
}

/** The level above has sent its roll-up for this period: amending needs it reopened. */
export async function closedBy(db: Db, unit: Unit, period: string): Promise<Unit | undefined> {
  return (await periodState(db, unit, period)).closedBy;
}

export interface Submission {
  unit: Unit;
  teamId: number | null;
  period: Period;
  values: ReportValues;
  personId: number;
  at: Date;
  profile: Profile;
  /** a roll-up being sent up (upper levels) rather than the level's own lines */
  rollup?: boolean;
}

/**
 * Stores a confirmed report as a new version. The lowest reporting level's report counts as sent
 * up when confirmed; upper levels' own lines wait for /guilen, which stores the roll-up.
 */
export async function storeReport(db: Db, s: Submission): Promise<StoredReport> {
  const due = dueAt(s.profile, s.unit.level, s.period);
  const sentUp = s.rollup || !levelRollsUp(s.profile, s.unit.level);
  const report = await addReportVersion(db, {
    unitId: s.unit.id,
    teamId: s.teamId,
    period: periodKey(s.period),
    kind: PERIODIC,
    values: s.values,
    source: s.rollup ? 'rollup' : 'own',
    submittedBy: s.personId,
    submittedAt: s.at,
    dueAt: due ?? null,
    late: isLate(due, s.at),
    sentUpAt: sentUp ? s.at : null,
  });
  await audit(
    db,
    { actor: s.personId, action: s.rollup ? 'report.sent_up' : 'report.submitted', subject: `unit:${s.unit.id}`, details: { period: report.period, version: report.version, late: report.late } },
    s.at,
  );
  return report;
}
