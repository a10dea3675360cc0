/**
 * Report use cases: what a unit reports for a period, storing a confirmed version, and whether a
 * period is still open for a unit (it closes when the level above has sent its roll-up up).
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { dueAt, isLate, parsePeriodText, periodContaining, periodKey, parsePeriodKey, shiftPeriod, type Period } from '../domain/calendar';
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

/**
 * The period named in `text`, or the open period now; undefined when `text` names none. With the
 * unit's level, the open period is the previous one while that level's deadline for it is still
 * ahead (a deadline in the next month, `monthOffset`: Sóc Trăng's commune rolls up December on 2 January).
 */
export function choosePeriod(profile: Profile, text: string, now: Date, level?: string): Period | undefined {
  const named = text.trim();
  if (!named) {
    const current = periodContaining(profile.reporting.cycle, now, profile.timezone);
    const previous = shiftPeriod(current, -1);
    const due = level === undefined ? undefined : dueAt(profile, level, previous);
    return due && now.getTime() < due.getTime() ? previous : current;
  }
  const p = parsePeriodText(named) ?? parsePeriodKey(named);
  if (!p) return undefined;
  return p;
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
