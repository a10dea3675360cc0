/** Units: the administrative tree. Subtree queries use the materialised `path` ("/1/23/456/"). */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { fold, shortName } from '../domain/text';
import { underPath } from './subtree';

export async function getUnit(db: Db, id: number): Promise<Unit | undefined> {
  return db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getUnitByCode(db: Db, code: string): Promise<Unit | undefined> {
  return db.selectFrom('units').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Units with this code, or with this official code inside an edition-namespaced one ("2024:04249"). */
export async function unitsByCode(db: Db, code: string): Promise<Unit[]> {
  return db
    .selectFrom('units')
    .selectAll()
    .where('active', '=', 1)
    .where((eb) => eb.or([eb('code', '=', code), eb('code', 'like', `%:${code}`)]))
    .limit(10)
    .execute();
}

export async function childrenOf(db: Db, id: number): Promise<Unit[]> {
  return db
    .selectFrom('units')
    .selectAll()
    .where('parent_id', '=', id)
    .where('active', '=', 1)
    .orderBy('code')
    .orderBy('name')
    .execute();
}

/** The unit and everything below it. */
export async function subtree(db: Db, unit: Pick<Unit, 'path'>): Promise<Unit[]> {
  return db
    .selectFrom('units')
    .selectAll()
    .where(underPath(db, 'path', unit.path))
    .where('active', '=', 1)
    .orderBy('path')
    .execute();
}

/** The unit and every unit below it that has active units below it, in path order. */
export async function upperSubtree(db: Db, unit: Pick<Unit, 'path'>): Promise<Unit[]> {
  return db
    .selectFrom('units as u')
    .selectAll('u')
    .where(underPath(db, 'u.path', unit.path))
    .where('u.active', '=', 1)
    .where((eb) => eb.exists(eb.selectFrom('units as c').select('c.id').whereRef('c.parent_id', '=', 'u.id').where('c.active', '=', 1)))
    .orderBy('u.path')
    .execute();
}

/** How many active units the subtree holds (the unit included). */
export async function subtreeSize(db: Db, unit: Pick<Unit, 'path'>): Promise<number> {
  const r = await db
    .selectFrom('units')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(underPath(db, 'path', unit.path))
    .where('active', '=', 1)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Ancestors from the root down to the parent (not the unit itself). */
export async function ancestorsOf(db: Db, unit: Pick<Unit, 'path' | 'id'>): Promise<Unit[]> {
  const ids = unit.path.split('/').filter(Boolean).map(Number).filter((i) => i !== unit.id);
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('units').selectAll().where('id', 'in', ids).execute();
  return ids.map((i) => rows.find((r) => r.id === i)).filter((r): r is Unit => r !== undefined);
}

export function isInSubtree(unit: Pick<Unit, 'path'>, root: Pick<Unit, 'path'>): boolean {
  return unit.path.startsWith(root.path);
}

/** Diacritics-insensitive name search; exact (folded) matches first, then prefix/contains. */
export async function searchUnits(db: Db, query: string, limit = 10): Promise<Unit[]> {
  const q = fold(query);
  if (!q) return [];
  const rows = await db
    .selectFrom('units')
    .selectAll()
    .where('active', '=', 1)
    .where('search_name', 'like', `%${q}%`)
    .limit(200)
    .execute();
  const rank = (u: Unit) => {
    const s = u.search_name;
    const short = fold(u.short_name);
    if (s === q || short === q) return 0;
    if (short.startsWith(q) || s.startsWith(q)) return 1;
    return 2;
  };
  return rows.sort((a, b) => rank(a) - rank(b) || a.path.length - b.path.length).slice(0, limit);
}

export interface UnitInput {
  code: string | null;
  name: string;
  level: string;
  kind: string | null;
  parentId: number | null;
  profile: string;
  households?: number | null;
}

export function searchNameOf(name: string): string {
  return fold(name);
}

/** Insert one unit (used by the demo seed and tests; bulk imports use their own batched path). */
export async function insertUnit(db: Db, u: UnitInput, at: Date): Promise<Unit> {
  const parent = u.parentId === null ? undefined : await getUnit(db, u.parentId);
  const row = await db
    .insertInto('units')
    .values({
      code: u.code,
      name: u.name,
      short_name: shortName(u.name),
      search_name: searchNameOf(u.name),
      level: u.level,
      kind: u.kind,
      parent_id: u.parentId,
      path: '',
      profile: u.profile,
      households: u.households ?? null,
      active: 1,
      created_at: at.toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const path = `${parent?.path ?? '/'}${row.id}/`;
  await db.updateTable('units').set({ path }).where('id', '=', row.id).execute();
  return { ...row, path };
}
