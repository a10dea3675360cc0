/** Role grants beyond team membership: admin, officer, approver, observer — each for a unit's subtree. */
import type { Db } from '../db';

export type GrantRole = 'admin' | 'officer' | 'approver' | 'observer';

export interface Grant {
  id: number;
  personId: number;
  role: GrantRole;
  unitId: number | null;
}

export async function grantsOf(db: Db, personId: number): Promise<Grant[]> {
  const rows = await db.selectFrom('role_grants').selectAll().where('person_id', '=', personId).execute();
  return rows.map((r) => ({ id: r.id, personId: r.person_id, role: r.role as GrantRole, unitId: r.unit_id }));
}

export async function grantRole(
  db: Db,
  g: { personId: number; role: GrantRole; unitId: number | null; grantedBy: number | null },
  at: Date,
): Promise<void> {
  const existing = await db
    .selectFrom('role_grants')
    .select('id')
    .where('person_id', '=', g.personId)
    .where('role', '=', g.role)
    .where('unit_id', g.unitId === null ? 'is' : '=', g.unitId)
    .executeTakeFirst();
  if (existing) return;
  await db
    .insertInto('role_grants')
    .values({ person_id: g.personId, role: g.role, unit_id: g.unitId, granted_by: g.grantedBy, created_at: at.toISOString() })
    .execute();
}

/** People holding a role exactly at a unit (e.g. the commune's approver). */
export async function holdersAt(db: Db, role: GrantRole, unitId: number): Promise<{ personId: number; name: string }[]> {
  return db
    .selectFrom('role_grants as g')
    .innerJoin('people as p', 'p.id', 'g.person_id')
    .select(['p.id as personId', 'p.display_name as name'])
    .where('g.role', '=', role)
    .where('g.unit_id', '=', unitId)
    .execute();
}
