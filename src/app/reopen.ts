/**
 * Reopening a period for a unit (/moky): after the level above has sent a roll-up that includes
 * the unit's report, the unit may amend only once the officer or leader of that level (or of any
 * level above, or an admin) reopens the period for it. The reopening lasts until the parent sends
 * up again. Audited.
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import type { Profile } from '../domain/profile';
import { teamRuleFor } from '../domain/profile';
import { audit } from '../store/audit';
import { addReopening } from '../store/reports';
import { ancestorsOf, getUnit } from '../store/units';
import { leads, rolesAt } from './access';
import { PERIODIC, periodState } from './reporting';

/**
 * May reopen `unit`'s period: admin, an officer at its parent or above, or a team leader (deputy
 * where the profile lets deputies act) of its parent or of any unit above.
 */
export async function mayReopen(db: Db, personId: number, unit: Unit, profileOf: (id: string) => Profile): Promise<boolean> {
  if (unit.parent_id === null) return false;
  const parent = await getUnit(db, unit.parent_id);
  if (!parent) return false;
  const r = await rolesAt(db, personId, parent);
  if (r.admin || r.grants.has('officer')) return true;
  for (const u of [parent, ...(await ancestorsOf(db, parent))]) {
    const at = u.id === parent.id ? r : await rolesAt(db, personId, u);
    if (leads(at, teamRuleFor(profileOf(u.profile), u.level)?.deputy.actsAsLeader ?? false)) return true;
  }
  return false;
}

export type ReopenResult =
  | { ok: true; parent: Unit }
  /** the level above has not sent up anything for the period */
  | { ok: false; why: 'not_sent_up' }
  /** the unit has no report yet: its first report is accepted anyway */
  | { ok: false; why: 'no_report'; parent: Unit }
  /** its latest version came after the roll-up: it can still amend */
  | { ok: false; why: 'not_included'; parent: Unit }
  | { ok: false; why: 'already'; parent: Unit; at: Date };

/** Reopens `period` for `unit` when it is closed; the caller checked the permission. */
export async function reopenPeriod(db: Db, unit: Unit, period: string, personId: number, at: Date): Promise<ReopenResult> {
  const s = await periodState(db, unit, period);
  if (!s.sentUpBy || s.closedReportId === undefined) return { ok: false, why: 'not_sent_up' };
  if (s.version === 0) return { ok: false, why: 'no_report', parent: s.sentUpBy };
  if (s.reopened) return { ok: false, why: 'already', parent: s.sentUpBy, at: s.reopened.reopenedAt };
  if (!s.closedBy) return { ok: false, why: 'not_included', parent: s.sentUpBy };
  await addReopening(db, { unitId: unit.id, period, kind: PERIODIC, closedReportId: s.closedReportId, reopenedBy: personId, at });
  await audit(db, { actor: personId, action: 'period.reopened', subject: `unit:${unit.id}`, details: { period, parent: s.sentUpBy.id, closedReport: s.closedReportId } }, at);
  return { ok: true, parent: s.sentUpBy };
}
