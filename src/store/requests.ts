/** Membership requests: joins, leaves and role changes waiting for the approver. */
import type { Db } from '../db';
import type { MembershipRequest } from '../db/schema';
import type { TeamRole } from '../domain/profile';
import { underPath } from './subtree';

export type RequestKind = 'join' | 'leave' | 'role';
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';

/** A platform's own join request (Telegram invite links that need approval). */
export interface PlatformJoin {
  platform: string;
  chatId: string;
  userId: string;
}

export interface RequestPayload {
  name: string;
  /** E.164, or null (a platform join request carries none) */
  phone: string | null;
  /** the role asked for (join, role change) or held (leave) */
  role: TeamRole;
  occupation: string | null;
  /** leave and role change: the membership concerned and the role held */
  membershipId?: number;
  fromRole?: TeamRole;
  /** why the member leaves / is removed (free text, shown to the approver) */
  note?: string;
  /** the member asked themselves (leave) rather than the leader */
  self?: boolean;
  /** rule warnings the approver should see (not blocking) */
  warnings?: { code: string; params: Record<string, string | number> }[];
  platformJoin?: PlatformJoin;
}

export interface Request {
  id: number;
  teamId: number;
  kind: RequestKind;
  personId: number | null;
  payload: RequestPayload;
  proposedBy: number;
  status: RequestStatus;
  decidedBy: number | null;
  reason: string | null;
  createdAt: string;
  decidedAt: string | null;
  lastRemindedAt: string | null;
}

export function toRequest(r: MembershipRequest): Request {
  return {
    id: r.id,
    teamId: r.team_id,
    kind: r.kind as RequestKind,
    personId: r.person_id,
    payload: JSON.parse(r.payload) as RequestPayload,
    proposedBy: r.proposed_by,
    status: r.status as RequestStatus,
    decidedBy: r.decided_by,
    reason: r.reason,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    lastRemindedAt: r.last_reminded_at,
  };
}

export async function createRequest(
  db: Db,
  r: { teamId: number; kind: RequestKind; personId: number | null; payload: RequestPayload; proposedBy: number },
  at: Date,
): Promise<Request> {
  const row = await db
    .insertInto('membership_requests')
    .values({
      team_id: r.teamId,
      kind: r.kind,
      person_id: r.personId,
      payload: JSON.stringify(r.payload),
      proposed_by: r.proposedBy,
      status: 'pending',
      decided_by: null,
      reason: null,
      created_at: at.toISOString(),
      decided_at: null,
      last_reminded_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRequest(row);
}

export async function getRequest(db: Db, id: number): Promise<Request | undefined> {
  const r = await db.selectFrom('membership_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRequest(r);
}

export async function pendingOfTeam(db: Db, teamId: number): Promise<Request[]> {
  const rows = await db
    .selectFrom('membership_requests')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('status', '=', 'pending')
    .orderBy('id')
    .execute();
  return rows.map(toRequest);
}

/** Pending requests of every team in a unit's subtree (the approver's queue). */
export async function pendingUnder(db: Db, root: { path: string }): Promise<(Request & { unitId: number })[]> {
  const rows = await db
    .selectFrom('membership_requests as r')
    .innerJoin('teams as t', 't.id', 'r.team_id')
    .innerJoin('units as u', 'u.id', 't.unit_id')
    .selectAll('r')
    .select('u.id as unit_id_')
    .where('r.status', '=', 'pending')
    .where(underPath(db, 'u.path', root.path))
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({ ...toRequest(r), unitId: r.unit_id_ }));
}

/** Pending requests created at or before `before` and not reminded since `before`. */
export async function stalePending(db: Db, before: Date): Promise<(Request & { unitId: number })[]> {
  const b = before.toISOString();
  const rows = await db
    .selectFrom('membership_requests as r')
    .innerJoin('teams as t', 't.id', 'r.team_id')
    .selectAll('r')
    .select('t.unit_id as unit_id_')
    .where('r.status', '=', 'pending')
    .where('r.created_at', '<=', b)
    .where((eb) => eb.or([eb('r.last_reminded_at', 'is', null), eb('r.last_reminded_at', '<=', b)]))
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({ ...toRequest(r), unitId: r.unit_id_ }));
}

/** Records a decision unless someone decided first; true when this call decided. */
export async function decideRequest(
  db: Db,
  d: { id: number; status: 'approved' | 'rejected' | 'cancelled'; decidedBy: number | null; reason: string | null },
  at: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('membership_requests')
    .set({ status: d.status, decided_by: d.decidedBy, reason: d.reason, decided_at: at.toISOString() })
    .where('id', '=', d.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markReminded(db: Db, ids: number[], at: Date): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable('membership_requests')
      .set({ last_reminded_at: at.toISOString() })
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
  }
}
