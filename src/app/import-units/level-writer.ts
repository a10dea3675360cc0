/**
 * Writing one level's units: an upsert by code, in batched multi-row inserts. A unit already stored
 * under the same code is updated in place (moved subtrees keep their paths right); a code owned by
 * another profile's tree is refused.
 */
import { sql } from 'kysely';
import type { Db } from '../../db';
import type { Unit } from '../../db/schema';
import { fold, shortName } from '../../domain/text';
import type { LevelCounts } from './counts';
import { ImportError } from './errors';
import { underPath } from '../../store/subtree';

export interface PlannedUnit {
  code: string;
  name: string;
  kind: string | null;
  parentId: number | null;
  parentPath: string;
  /** undefined: keep what is stored */
  households?: number | null;
  /** fold(name) when already known */
  search?: string;
  line: number;
}

export interface Written {
  id: number;
  path: string;
}

/** A unit already stored, as the upsert compares it (every column but created_at). */
type Existing = Omit<Unit, 'created_at'>;

export class LevelWriter {
  readonly counts: LevelCounts = { inserted: 0, updated: 0, unchanged: 0 };
  constructor(
    private readonly db: Db,
    private readonly profile: string,
    private readonly level: string,
    private readonly at: string,
    private readonly batchSize: number,
  ) {}

  /** Upserts the units (all of one level), returning code → id and path. */
  async write(units: PlannedUnit[], keep: boolean): Promise<Map<string, Written>> {
    const out = new Map<string, Written>();
    for (let i = 0; i < units.length; i += this.batchSize) {
      await this.writeBatch(units.slice(i, i + this.batchSize), keep ? out : undefined);
    }
    return out;
  }

  /** The columns a unit's row takes from the file, the same for an insert and an update. */
  private columnsOf(u: PlannedUnit) {
    return {
      name: u.name,
      short_name: shortName(u.name),
      search_name: u.search ?? fold(u.name),
      level: this.level,
      kind: u.kind,
      parent_id: u.parentId,
    };
  }

  private async writeBatch(batch: PlannedUnit[], out: Map<string, Written> | undefined): Promise<void> {
    const existing = new Map<string, Existing>();
    const rows = await this.db
      .selectFrom('units')
      .select(['id', 'code', 'name', 'short_name', 'search_name', 'level', 'kind', 'parent_id', 'path', 'profile', 'households', 'active'])
      .where('code', 'in', batch.map((u) => u.code))
      .execute();
    for (const r of rows) if (r.code !== null) existing.set(r.code, r);

    const fresh: PlannedUnit[] = [];
    for (const u of batch) {
      const e = existing.get(u.code);
      if (!e) {
        fresh.push(u);
        continue;
      }
      if (e.profile !== this.profile) {
        throw new ImportError(
          `Mã ${u.code} đã thuộc cây đơn vị của hồ sơ "${e.profile}", không thể nhập vào hồ sơ "${this.profile}"`,
          `code ${u.code} already belongs to profile "${e.profile}"`,
          u.line,
        );
      }
      const want = {
        ...this.columnsOf(u),
        path: `${u.parentPath}${e.id}/`,
        households: u.households === undefined ? e.households : u.households,
        active: 1,
      };
      const changed = (Object.keys(want) as (keyof typeof want)[]).some((k) => want[k] !== e[k]);
      if (changed) {
        await this.db.updateTable('units').set(want).where('id', '=', e.id).execute();
        if (want.path !== e.path) {
          // units below it that this import does not rewrite (villages under a moved commune)
          await this.db
            .updateTable('units')
            .set({ path: sql<string>`${want.path} || substr(path, ${e.path.length + 1})` })
            .where(underPath(this.db, 'path', e.path))
            .where('id', '<>', e.id)
            .execute();
        }
        this.counts.updated++;
      } else this.counts.unchanged++;
      out?.set(u.code, { id: e.id, path: want.path });
    }
    if (fresh.length === 0) return;

    // ids come from the database, so the path ("/<parent path>/<own id>/") is set right after
    const inserted = await this.db
      .insertInto('units')
      .values(
        fresh.map((u) => ({
          code: u.code,
          ...this.columnsOf(u),
          path: '',
          profile: this.profile,
          households: u.households ?? null,
          active: 1,
          created_at: this.at,
        })),
      )
      .returning(['id', 'code'])
      .execute();
    const byCode = new Map(fresh.map((u) => [u.code, u]));
    const paths: { id: number; path: string }[] = [];
    for (const r of inserted) {
      const u = byCode.get(r.code ?? '');
      if (!u) throw new Error(`insert returned an unknown code ${r.code}`);
      const path = `${u.parentPath}${r.id}/`;
      paths.push({ id: r.id, path });
      out?.set(u.code, { id: r.id, path });
    }
    await sql`update units set path = case id ${sql.join(
      paths.map((p) => sql`when ${p.id} then ${p.path}`),
      sql` `,
    )} end where id in (${sql.join(paths.map((p) => p.id))})`.execute(this.db);
    this.counts.inserted += fresh.length;
  }
}
