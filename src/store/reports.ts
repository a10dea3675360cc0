/** Reports with versions: a new submission for the same unit, period and kind is a new version. */
import type { Db } from '../db';
import type { Report } from '../db/schema';

export type ReportValues = Record<string, number | string>;

export interface StoredReport {
  id: number;
  unitId: number;
  teamId: number | null;
  period: string;
  kind: string;
  version: number;
  values: ReportValues;
  source: 'own' | 'rollup';
  submittedBy: number | null;
  submittedAt: Date;
  dueAt: Date | null;
  late: boolean;
  sentUpAt: Date | null;
}

function toStored(r: Report): StoredReport {
  return {
    id: r.id,
    unitId: r.unit_id,
    teamId: r.team_id,
    period: r.period,
    kind: r.kind,
    version: r.version,
    values: JSON.parse(r.values) as ReportValues,
    source: r.source as 'own' | 'rollup',
    submittedBy: r.submitted_by,
    submittedAt: new Date(r.submitted_at),
    dueAt: r.due_at ? new Date(r.due_at) : null,
    late: r.late === 1,
    sentUpAt: r.sent_up_at ? new Date(r.sent_up_at) : null,
  };
}

export type NewReport = Omit<StoredReport, 'id' | 'version' | 'sentUpAt'> & { sentUpAt?: Date | null };

/** Stores a new version (1 for the first). Runs inside the caller's transaction when given one. */
export async function addReportVersion(db: Db, r: NewReport): Promise<StoredReport> {
  const last = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('unit_id', '=', r.unitId)
    .where('period', '=', r.period)
    .where('kind', '=', r.kind)
    .executeTakeFirst();
  const version = Number(last?.v ?? 0) + 1;
  const row = await db
    .insertInto('reports')
    .values({
      unit_id: r.unitId,
      team_id: r.teamId,
      period: r.period,
      kind: r.kind,
      version,
      values: JSON.stringify(r.values),
      source: r.source,
      submitted_by: r.submittedBy,
      submitted_at: r.submittedAt.toISOString(),
      due_at: r.dueAt ? r.dueAt.toISOString() : null,
      late: r.late ? 1 : 0,
      sent_up_at: r.sentUpAt ? r.sentUpAt.toISOString() : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toStored(row);
}

export async function latestReport(db: Db, unitId: number, period: string, kind: string): Promise<StoredReport | undefined> {
  const r = await db
    .selectFrom('reports')
    .selectAll()
    .where('unit_id', '=', unitId)
    .where('period', '=', period)
    .where('kind', '=', kind)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && toStored(r);
}

export type LatestReport = StoredReport & {
  /** the first version that was sent up (submitted, for the lowest level): decides on time or late */
  firstSentUpAt: Date | null;
  /** that first sent-up version was stored late (e.g. after the level above had sent its roll-up) */
  firstLate: boolean;
  /** the latest version that was sent up: what the level above counts */
  sentUp: StoredReport | null;
  /** the latest version typed by people (an upper level's own lines) */
  own: StoredReport | null;
};

/** Latest version per unit among `unitIds`, with the first and the latest sent-up versions. */
export async function latestReports(
  db: Db,
  unitIds: number[],
  period: string,
  kind: string,
): Promise<Map<number, LatestReport>> {
  const out = new Map<number, LatestReport>();
  for (let i = 0; i < unitIds.length; i += 500) {
    const rows = await db
      .selectFrom('reports')
      .selectAll()
      .where('unit_id', 'in', unitIds.slice(i, i + 500))
      .where('period', '=', period)
      .where('kind', '=', kind)
      .orderBy('version', 'asc')
      .execute();
    for (const r of rows) {
      const prev = out.get(r.unit_id);
      const s = toStored(r);
      out.set(r.unit_id, {
        ...s,
        firstSentUpAt: prev?.firstSentUpAt ?? s.sentUpAt,
        firstLate: prev?.firstSentUpAt ? prev.firstLate : !!s.sentUpAt && s.late,
        sentUp: s.sentUpAt ? s : (prev?.sentUp ?? null),
        own: s.source === 'own' ? s : (prev?.own ?? null),
      });
    }
  }
  return out;
}

export async function reportHistory(db: Db, unitId: number, period: string, kind: string): Promise<StoredReport[]> {
  const rows = await db
    .selectFrom('reports')
    .selectAll()
    .where('unit_id', '=', unitId)
    .where('period', '=', period)
    .where('kind', '=', kind)
    .orderBy('version')
    .execute();
  return rows.map(toStored);
}

/** The period was reopened for `unitId` after the parent's roll-up `closedReportId` (see period_reopenings). */
export async function reopeningOf(
  db: Db,
  unitId: number,
  period: string,
  kind: string,
  closedReportId: number,
): Promise<{ reopenedBy: number | null; reopenedAt: Date } | undefined> {
  const r = await db
    .selectFrom('period_reopenings')
    .select(['reopened_by', 'reopened_at'])
    .where('unit_id', '=', unitId)
    .where('period', '=', period)
    .where('kind', '=', kind)
    .where('closed_report_id', '=', closedReportId)
    .executeTakeFirst();
  return r && { reopenedBy: r.reopened_by, reopenedAt: new Date(r.reopened_at) };
}

export async function addReopening(
  db: Db,
  r: { unitId: number; period: string; kind: string; closedReportId: number; reopenedBy: number | null; at: Date },
): Promise<void> {
  await db
    .insertInto('period_reopenings')
    .values({
      unit_id: r.unitId,
      period: r.period,
      kind: r.kind,
      closed_report_id: r.closedReportId,
      reopened_by: r.reopenedBy,
      reopened_at: r.at.toISOString(),
    })
    .execute();
}
