/** Teams and their current memberships. */
import type { Db } from '../db';
import type { Team } from '../db/schema';
import type { TeamRole } from '../domain/profile';

export interface RosterEntry {
  membershipId: number;
  personId: number;
  name: string;
  phone: string | null;
  role: TeamRole;
  occupation: string | null;
  since: string;
}

export async function getTeam(db: Db, id: number): Promise<Team | undefined> {
  return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function teamsOfUnit(db: Db, unitId: number): Promise<Team[]> {
  return db.selectFrom('teams').selectAll().where('unit_id', '=', unitId).where('active', '=', 1).orderBy('id').execute();
}

export async function createTeam(db: Db, t: { unitId: number; name: string; kind: string }, at: Date): Promise<Team> {
  return db
    .insertInto('teams')
    .values({ unit_id: t.unitId, name: t.name, kind: t.kind, active: 1, created_at: at.toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function roster(db: Db, teamId: number): Promise<RosterEntry[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('people as p', 'p.id', 'm.person_id')
    .select(['m.id as membershipId', 'p.id as personId', 'p.display_name as name', 'p.phone', 'm.role', 'm.occupation', 'm.since'])
    .where('m.team_id', '=', teamId)
    .where('m.until', 'is', null)
    .orderBy('m.id')
    .execute();
  return rows.map((r) => ({ ...r, role: r.role as TeamRole }));
}

export async function addMember(
  db: Db,
  m: { teamId: number; personId: number; role: TeamRole; occupation?: string | null },
  at: Date,
): Promise<number> {
  const r = await db
    .insertInto('memberships')
    .values({
      team_id: m.teamId,
      person_id: m.personId,
      role: m.role,
      occupation: m.occupation ?? null,
      since: at.toISOString(),
      until: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function endMembership(db: Db, membershipId: number, at: Date): Promise<void> {
  await db.updateTable('memberships').set({ until: at.toISOString() }).where('id', '=', membershipId).execute();
}

/** Current memberships of a person with their team's unit, for permission checks. */
export async function membershipsOf(
  db: Db,
  personId: number,
): Promise<{ teamId: number; unitId: number; role: TeamRole }[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select(['m.team_id as teamId', 't.unit_id as unitId', 'm.role'])
    .where('m.person_id', '=', personId)
    .where('m.until', 'is', null)
    .where('t.active', '=', 1)
    .execute();
  return rows.map((r) => ({ ...r, role: r.role as TeamRole }));
}

/** Leaders (and deputies) of the teams of a unit, with their identities, for mentions. */
export async function leadersOfUnit(
  db: Db,
  unitId: number,
  roles: TeamRole[] = ['leader'],
): Promise<{ personId: number; name: string; role: TeamRole }[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .innerJoin('people as p', 'p.id', 'm.person_id')
    .select(['p.id as personId', 'p.display_name as name', 'm.role'])
    .where('t.unit_id', '=', unitId)
    .where('t.active', '=', 1)
    .where('m.until', 'is', null)
    .where('m.role', 'in', roles)
    .execute();
  return rows.map((r) => ({ ...r, role: r.role as TeamRole }));
}

export interface RosterCount {
  teams: number;
  members: number;
}

/** Active teams and their distinct current members per unit, for the units that have active teams (unit_rosters, kept by triggers). */
export async function rosterCounts(db: Db, ids: readonly number[]): Promise<Map<number, RosterCount>> {
  const out = new Map<number, RosterCount>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('unit_rosters')
      .select(['unit_id', 'teams', 'members'])
      .where('unit_id', 'in', ids.slice(i, i + 500))
      .where('teams', '>', 0)
      .execute();
    for (const r of rows) out.set(r.unit_id, { teams: Number(r.teams), members: Number(r.members) });
  }
  return out;
}
