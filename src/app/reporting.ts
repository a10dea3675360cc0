/**
 * Report use cases: what a unit reports for a period, storing a confirmed version, and whether a
 * period is still open for a unit (it closes when the level above has sent its roll-up up).
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { dueAt, isLate, localParts, parsePeriodSpec, periodContaining, periodKey, resolvePeriodSpec, shiftPeriod, type Period } from '../domain/calendar';
import { resolveIndicators, type ResolvedIndicator } from '../domain/indicators';
import { childLevel, dueFor, indicatorsFor, type Profile } from '../domain/profile';
import { addReportVersion, latestReports, reopeningOf, type ReportValues, type StoredReport } from '../store/reports';
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
export function choosePeriod(profile: Profile, text: string, now: Date, level?: string): Period | undefined {
  const r = readPeriod(profile, text, now, level);
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
export function readPeriod(profile: Profile, text: string, now: Date, level?: string): PeriodChoice {
  const cycle = profile.reporting.cycle;
  const current = periodContaining(cycle, now, profile.timezone);
  const named = text.trim();
  if (!named) return { ok: true, period: openPeriod(profile, current, now, level) };
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
 * The open period for a level: the previous one while that level's deadline for it is still ahead
 * (a deadline in the next month: Sóc Trăng's commune rolls up December on 2 January).
 */
function openPeriod(profile: Profile, current: Period, now: Date, level: string | undefined): Period {
  if (level === undefined) return current;
  const previous = shiftPeriod(current, -1);
  const due = dueAt(profile, level, previous);
  return due && now.getTime() < due.getTime() ? previous : current;
}

export interface PeriodState {
  /** the unit's latest version number (0 = none yet) */
  version: number;
  /** the values of the unit's latest own version (what people typed; a merge starts from it) */
  values: ReportValues | undefined;
  /** the unit above, when it has already sent a roll-up up for this period */
  sentUpBy: Unit | undefined;
  /**
   * the unit above, when its latest roll-up sent up includes the unit's latest version and the
   * period was not reopened for the unit since (/moky): amending needs it reopened
   */
  closedBy: Unit | undefined;
  /** the unit above's latest sent-up report (the roll-up a reopening refers to) */
  closedReportId: number | undefined;
  /** reopened for the unit after that roll-up */
  reopened: { reopenedBy: number | null; reopenedAt: Date } | undefined;
}

/**
 * Where a unit stands for a period. A first report is never closed (it arrives late, after the
 * roll-up); a version already included in the parent's latest roll-up is closed unless the period
 * was reopened for the unit since that roll-up. A version stored after the roll-up is not
 * included yet, so it may be amended until the parent sends up again. Report ids grow with
 * insertion, so "included" is "stored before the roll-up row".
 */
export async function periodState(db: Db, unit: Unit, period: string): Promise<PeriodState> {
  const ids = unit.parent_id === null ? [unit.id] : [unit.id, unit.parent_id];
  const latest = await latestReports(db, ids, period, PERIODIC);
  const mine = latest.get(unit.id);
  const rollup = unit.parent_id === null ? null : (latest.get(unit.parent_id)?.sentUp ?? null);
  const state: PeriodState = {
    version: mine?.version ?? 0,
    values: mine?.own?.values,
    sentUpBy: undefined,
    closedBy: undefined,
    closedReportId: rollup?.id,
    reopened: undefined,
  };
  if (!rollup) return state;
  state.sentUpBy = await getUnit(db, unit.parent_id!);
  if (mine && mine.id < rollup.id) {
    state.reopened = await reopeningOf(db, unit.id, period, PERIODIC, rollup.id);
    if (!state.reopened) state.closedBy = state.sentUpBy;
  }
  return state;
}

/** The level above has sent up a roll-up including the unit's latest version: amending needs it reopened. */
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
  /** the level above had already sent its roll-up up: the report is late whatever its own deadline */
  afterRollup?: boolean;
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
    late: isLate(due, s.at) || !!s.afterRollup,
    sentUpAt: sentUp ? s.at : null,
  });
  await audit(
    db,
    { actor: s.personId, action: s.rollup ? 'report.sent_up' : 'report.submitted', subject: `unit:${s.unit.id}`, details: { period: report.period, version: report.version, late: report.late, ...(s.afterRollup ? { afterRollup: true } : {}) } },
    s.at,
  );
  return report;
}
