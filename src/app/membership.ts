/**
 * Membership use cases (SPEC §6): propose a join, a leave or a role change; the commune approver
 * decides; the roster changes only on approval. Rules are the pure ones in domain/membership.ts,
 * checked when a request is filed and again when it is approved (the team may have changed since).
 * Every step is written to the audit log, with ids and rule codes — never names or phone numbers.
 */
import type { Db } from '../db';
import type { Team, Unit } from '../db/schema';
import {
  checkJoin,
  checkRoleChange,
  leaveWarnings,
  phoneInUseWarning,
  type JoinCheck,
  type Proposal,
  type RuleWarning,
  type Seat,
} from '../domain/membership';
import type { Profile, TeamRole, TeamRule } from '../domain/profile';
import { audit } from '../store/audit';
import { createPerson, findPersonByPhone } from '../store/people';
import {
  createRequest,
  decideRequest,
  getRequest,
  pendingOfTeam,
  type PlatformJoin,
  type Request,
  type RequestPayload,
} from '../store/requests';
import { addMember, endMembership, getTeam, membershipsOf, roster, type RosterEntry } from '../store/teams';
import { ancestorsOf, getUnit } from '../store/units';
import { rolesAt } from './access';
import { getProfile } from './profiles';

export type ProfileOf = (id: string) => Profile;

/** A team with everything its rules need. */
export interface TeamScope {
  team: Team;
  unit: Unit;
  profile: Profile;
  rule: TeamRule;
  /** the unit whose approver decides (the profile's approval level: the commune) */
  approvalUnit: Unit;
}

/** The profile rule of a team: its unit's level and its kind. */
export function ruleOfTeam(profile: Profile, unit: Pick<Unit, 'level'>, team: Pick<Team, 'kind'>): TeamRule | undefined {
  return profile.teams.find((t) => t.level === unit.level && t.kind === team.kind) ?? profile.teams.find((t) => t.level === unit.level);
}

/**
 * The unit whose approver decides for teams of `unit`: the ancestor (or the unit itself) at the
 * profile's approval level. Teams above that level (Lai Châu's district and province steering
 * teams) are decided at their own unit.
 */
export async function approvalUnitOf(db: Db, unit: Unit, profile: Profile): Promise<Unit> {
  if (unit.level === profile.approval.level) return unit;
  const up = await ancestorsOf(db, unit);
  return up.find((u) => u.level === profile.approval.level) ?? unit;
}

export async function teamScope(db: Db, teamId: number, profileOf: ProfileOf = getProfile): Promise<TeamScope | undefined> {
  const team = await getTeam(db, teamId);
  if (!team) return undefined;
  const unit = await getUnit(db, team.unit_id);
  if (!unit) return undefined;
  const profile = profileOf(unit.profile);
  const rule = ruleOfTeam(profile, unit, team);
  if (!rule) return undefined;
  return { team, unit, profile, rule, approvalUnit: await approvalUnitOf(db, unit, profile) };
}

export function rosterSeat(e: RosterEntry): Seat {
  return { personId: e.personId, phone: e.phone, name: e.name, role: e.role };
}

/**
 * The team's seats: the roster, with each pending role change applied, plus a seat for each pending
 * join. `except` leaves one request out (the one being decided).
 */
export async function seatsOf(db: Db, teamId: number, except?: number): Promise<{ seats: Seat[]; roster: RosterEntry[]; pending: Request[] }> {
  const [entries, pending] = await Promise.all([roster(db, teamId), pendingOfTeam(db, teamId)]);
  const seats = entries.map(rosterSeat);
  for (const r of pending) {
    if (r.id === except) continue;
    if (r.kind === 'join') {
      seats.push({ personId: r.personId, phone: r.payload.phone, name: r.payload.name, role: r.payload.role, pending: true, requestId: r.id });
    } else if (r.kind === 'role') {
      const s = seats.find((x) => x.personId === r.personId && !x.pending);
      if (s) s.role = r.payload.role;
    }
  }
  return { seats, roster: entries, pending };
}

export function mayDecide(r: { admin: boolean; grantsHere: Set<string> }): boolean {
  return r.admin || r.grantsHere.has('approver');
}

export async function canDecide(db: Db, personId: number, scope: TeamScope): Promise<boolean> {
  return mayDecide(await rolesAt(db, personId, scope.approvalUnit));
}

export type ProposeResult =
  | { status: 'filed'; request: Request; check: JoinCheck }
  | { status: 'refused'; check: JoinCheck };

/** A join: checked against the rules counting pending joins; filed only when every rule holds. */
export async function proposeJoin(
  db: Db,
  s: TeamScope,
  p: Proposal,
  by: number,
  at: Date,
  opts: { requirePhone?: boolean; platformJoin?: PlatformJoin } = {},
): Promise<ProposeResult> {
  const { seats } = await seatsOf(db, s.team.id);
  const check = checkJoin(s.rule, seats, p, { requirePhone: opts.requirePhone ?? true });
  // someone already known by this number (in another team, Yên Bái's commune-and-village members)
  const known = p.personId == null && check.phone ? await findPersonByPhone(db, check.phone) : undefined;
  const existing = p.personId ?? known?.id ?? null;
  // …under another name: the proposer and the approver are warned, told only where that person serves
  if (known && check.ok) {
    const unitIds = [...new Set((await membershipsOf(db, known.id)).map((m) => m.unitId))];
    const units = (await Promise.all(unitIds.map((id) => getUnit(db, id)))).filter((u): u is Unit => !!u).map((u) => u.name);
    const w = phoneInUseWarning(p.name, { name: known.display_name, units });
    if (w) check.warnings.push(w);
  }
  if (check.ok && existing !== null && seats.some((x) => x.personId === existing)) {
    const same = seats.find((x) => x.personId === existing)!;
    check.ok = false;
    check.violations.push({ code: same.pending ? 'duplicate_pending' : 'duplicate', params: { name: same.name }, source: s.rule.source });
  }
  if (!check.ok) {
    await audit(db, { actor: by, action: 'membership.refused', subject: `team:${s.team.id}`, details: { kind: 'join', role: p.role, rules: check.violations.map((v) => v.code) } }, at);
    return { status: 'refused', check };
  }
  const payload: RequestPayload = {
    name: p.name.trim(),
    phone: check.phone ?? null,
    role: p.role,
    occupation: p.occupation?.trim() || null,
    ...(check.warnings.length ? { warnings: check.warnings.map((w) => ({ code: w.code, params: w.params })) } : {}),
    ...(opts.platformJoin ? { platformJoin: opts.platformJoin } : {}),
  };
  const request = await createRequest(db, { teamId: s.team.id, kind: 'join', personId: existing, payload, proposedBy: by }, at);
  await audit(db, { actor: by, action: 'membership.request', subject: `request:${request.id}`, details: { kind: 'join', teamId: s.team.id, role: p.role, personId: existing } }, at);
  return { status: 'filed', request, check };
}

export type LeaveResult = { status: 'filed'; request: Request; warnings: RuleWarning[] } | { status: 'duplicate'; request: Request };

/** A leave, asked by the member (`self`) or proposed by the leader. Never refused by a rule. */
export async function proposeLeave(
  db: Db,
  s: TeamScope,
  entry: RosterEntry,
  by: number,
  at: Date,
  opts: { self: boolean; note?: string | null },
): Promise<LeaveResult> {
  const { seats, pending } = await seatsOf(db, s.team.id);
  const dup = pending.find((r) => r.kind === 'leave' && r.payload.membershipId === entry.membershipId);
  if (dup) return { status: 'duplicate', request: dup };
  const seat = seats.find((x) => x.personId === entry.personId && !x.pending)!;
  const warnings = leaveWarnings(s.rule, seats, seat);
  const payload: RequestPayload = {
    name: entry.name,
    phone: entry.phone,
    role: entry.role,
    occupation: entry.occupation,
    membershipId: entry.membershipId,
    self: opts.self,
    ...(opts.note?.trim() ? { note: opts.note.trim() } : {}),
    ...(warnings.length ? { warnings: warnings.map((w) => ({ code: w.code, params: w.params })) } : {}),
  };
  const request = await createRequest(db, { teamId: s.team.id, kind: 'leave', personId: entry.personId, payload, proposedBy: by }, at);
  await audit(db, { actor: by, action: 'membership.request', subject: `request:${request.id}`, details: { kind: 'leave', teamId: s.team.id, personId: entry.personId, self: opts.self } }, at);
  return { status: 'filed', request, warnings };
}

/** A role change proposed by the leader, checked like a join of the new role. */
export async function proposeRoleChange(
  db: Db,
  s: TeamScope,
  entry: RosterEntry,
  role: TeamRole,
  occupation: string | null,
  by: number,
  at: Date,
): Promise<ProposeResult> {
  const { seats } = await seatsOf(db, s.team.id);
  const seat = seats.find((x) => x.personId === entry.personId && !x.pending)!;
  const check = checkRoleChange(s.rule, seats, { ...seat, role: entry.role }, role, occupation ?? entry.occupation);
  if (!check.ok) {
    await audit(db, { actor: by, action: 'membership.refused', subject: `team:${s.team.id}`, details: { kind: 'role', role, personId: entry.personId, rules: check.violations.map((v) => v.code) } }, at);
    return { status: 'refused', check };
  }
  const payload: RequestPayload = {
    name: entry.name,
    phone: entry.phone,
    role,
    fromRole: entry.role,
    occupation: occupation ?? entry.occupation,
    membershipId: entry.membershipId,
  };
  const request = await createRequest(db, { teamId: s.team.id, kind: 'role', personId: entry.personId, payload, proposedBy: by }, at);
  await audit(db, { actor: by, action: 'membership.request', subject: `request:${request.id}`, details: { kind: 'role', teamId: s.team.id, role, personId: entry.personId } }, at);
  return { status: 'filed', request, check };
}

export type DecideResult =
  | { status: 'not_found' }
  | { status: 'already'; request: Request }
  | { status: 'denied'; request: Request; scope: TeamScope }
  | { status: 'rule_failed'; request: Request; scope: TeamScope; check: JoinCheck }
  | { status: 'gone'; request: Request; scope: TeamScope }
  | { status: 'approved' | 'rejected'; request: Request; scope: TeamScope; personId: number | null };

/**
 * The approver's decision. Only the approver of the team's commune (or an admin) may decide; an
 * approval re-checks the rules without the request itself, then changes the roster.
 */
export async function decide(
  db: Db,
  d: { requestId: number; by: number; approve: boolean; reason?: string | null; at: Date },
  profileOf: ProfileOf = getProfile,
): Promise<DecideResult> {
  const request = await getRequest(db, d.requestId);
  if (!request) return { status: 'not_found' };
  if (request.status !== 'pending') return { status: 'already', request };
  const scope = await teamScope(db, request.teamId, profileOf);
  if (!scope) return { status: 'not_found' };
  if (!(await canDecide(db, d.by, scope))) {
    await audit(db, { actor: d.by, action: 'membership.denied', subject: `request:${request.id}`, details: { approve: d.approve } }, d.at);
    return { status: 'denied', request, scope };
  }
  const reason = d.reason?.trim() || null;
  if (!d.approve) {
    if (!(await decideRequest(db, { id: request.id, status: 'rejected', decidedBy: d.by, reason }, d.at))) {
      return { status: 'already', request: (await getRequest(db, request.id))! };
    }
    await audit(db, { actor: d.by, action: 'membership.reject', subject: `request:${request.id}`, details: { kind: request.kind, teamId: request.teamId, withReason: reason !== null } }, d.at);
    return { status: 'rejected', request: { ...request, status: 'rejected', reason, decidedBy: d.by }, scope, personId: request.personId };
  }

  const { seats, roster: entries } = await seatsOf(db, request.teamId, request.id);
  const p = request.payload;
  let personId = request.personId;
  let membershipId: number | undefined;
  if (request.kind === 'join') {
    const check = checkJoin(scope.rule, seats, { name: p.name, phone: p.phone, role: p.role, occupation: p.occupation, personId }, { requirePhone: !p.platformJoin });
    if (!check.ok) return { status: 'rule_failed', request, scope, check };
    if (personId === null && p.phone) personId = (await findPersonByPhone(db, p.phone))?.id ?? null;
    if (personId === null) personId = (await createPerson(db, { displayName: p.name, phone: p.phone }, d.at)).id;
    membershipId = await addMember(db, { teamId: request.teamId, personId, role: p.role, occupation: p.occupation }, d.at);
  } else {
    const entry = entries.find((e) => e.membershipId === p.membershipId);
    if (!entry) {
      // the member left meanwhile (another request, an import): nothing to change
      await decideRequest(db, { id: request.id, status: 'cancelled', decidedBy: d.by, reason: null }, d.at);
      await audit(db, { actor: d.by, action: 'membership.cancel', subject: `request:${request.id}`, details: { kind: request.kind, teamId: request.teamId } }, d.at);
      return { status: 'gone', request, scope };
    }
    if (request.kind === 'role') {
      const seat = seats.find((x) => x.personId === entry.personId && !x.pending)!;
      const check = checkRoleChange(scope.rule, seats, { ...seat, role: entry.role }, p.role, p.occupation);
      if (!check.ok) return { status: 'rule_failed', request, scope, check };
      await endMembership(db, entry.membershipId, d.at);
      membershipId = await addMember(db, { teamId: request.teamId, personId: entry.personId, role: p.role, occupation: p.occupation }, d.at);
    } else {
      await endMembership(db, entry.membershipId, d.at);
      membershipId = entry.membershipId;
    }
  }
  if (!(await decideRequest(db, { id: request.id, status: 'approved', decidedBy: d.by, reason }, d.at))) {
    throw new Error(`request ${request.id} decided concurrently`);
  }
  if (personId !== request.personId) {
    await db.updateTable('membership_requests').set({ person_id: personId }).where('id', '=', request.id).execute();
  }
  await audit(db, { actor: d.by, action: 'membership.approve', subject: `request:${request.id}`, details: { kind: request.kind, teamId: request.teamId, personId, membershipId, role: p.role } }, d.at);
  return { status: 'approved', request: { ...request, status: 'approved', personId, decidedBy: d.by }, scope, personId };
}
