/**
 * Who may do what where. A person's roles at a unit come from team membership at that unit and
 * from grants at the unit or one of its ancestors (an officer of a district sees its communes).
 */
import { sql } from 'kysely';
import type { Db } from '../../db';
import type { Unit } from '../../db/schema';
import { grantsOf, type GrantRole } from '../../store/grants';
import { membershipsOf } from '../../store/teams';
import type { TeamRole } from '../../domain/profile';

export interface RolesAt {
  admin: boolean;
  /** grants at this unit or an ancestor */
  grants: Set<GrantRole>;
  /** grants held exactly at this unit */
  grantsHere: Set<GrantRole>;
  /** roles in the teams of this very unit */
  teamRoles: Set<TeamRole>;
  /** team ids at this unit where the person leads (leader, or deputy acting as leader) */
  teamIds: number[];
}

function ancestorIds(unit: Pick<Unit, 'path'>): number[] {
  return unit.path.split('/').filter(Boolean).map(Number);
}

export async function rolesAt(db: Db, personId: number, unit: Pick<Unit, 'id' | 'path'>): Promise<RolesAt> {
  // grants and current team memberships in one query: every command asks this
  const { rows } = await sql<{ role: string; unit_id: number | null; team_id: number | null }>`
    select g.role, g.unit_id, null as team_id from role_grants g where g.person_id = ${personId}
    union all
    select m.role, t.unit_id, m.team_id from memberships m join teams t on t.id = m.team_id
    where m.person_id = ${personId} and m.until is null and t.active = 1`.execute(db);
  const chain = new Set(ancestorIds(unit));
  const r: RolesAt = { admin: false, grants: new Set(), grantsHere: new Set(), teamRoles: new Set(), teamIds: [] };
  for (const row of rows) {
    if (row.team_id === null) {
      const role = row.role as GrantRole;
      if (role === 'admin' && row.unit_id === null) r.admin = true;
      if (row.unit_id !== null && chain.has(row.unit_id)) {
        r.grants.add(role);
        if (row.unit_id === unit.id) r.grantsHere.add(role);
      }
    } else if (row.unit_id === unit.id) {
      r.teamRoles.add(row.role as TeamRole);
      r.teamIds.push(Number(row.team_id));
    }
  }
  return r;
}

export async function isAdmin(db: Db, personId: number): Promise<boolean> {
  return (await grantsOf(db, personId)).some((g) => g.role === 'admin' && g.unitId === null);
}

/** Leader of a team at the unit, or a deputy where the profile lets deputies act as leaders. */
export function leads(r: RolesAt, deputyActsAsLeader: boolean): boolean {
  return r.teamRoles.has('leader') || (deputyActsAsLeader && r.teamRoles.has('deputy'));
}

/** Anyone with a role at the unit or above may read its progress and summaries. */
export function mayRead(r: RolesAt): boolean {
  return r.admin || r.grants.size > 0 || r.teamRoles.size > 0;
}

/** Units where the person leads a team or holds a grant: the choices in a private chat. */
export async function unitsOfPerson(db: Db, personId: number): Promise<{ unitId: number; how: 'team' | GrantRole }[]> {
  const [grants, memberships] = await Promise.all([grantsOf(db, personId), membershipsOf(db, personId)]);
  const seen = new Map<number, 'team' | GrantRole>();
  for (const m of memberships) if (m.role === 'leader' || m.role === 'deputy') seen.set(m.unitId, 'team');
  for (const g of grants) if (g.unitId !== null && !seen.has(g.unitId) && g.role !== 'observer') seen.set(g.unitId, g.role);
  return [...seen].map(([unitId, how]) => ({ unitId, how }));
}
