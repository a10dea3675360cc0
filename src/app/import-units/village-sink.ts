import type { Db } from '../../db';
import type { Profile } from '../../domain/profile';
import { officialCodeOf, unitCode, villageCodeFromFolded } from './codes';
import { ImportError } from './errors';
import { EDITIONS } from './formats';
import type { LevelWriter, PlannedUnit } from './level-writer';
import type { RowSink } from './scan';
import type { VillageRow } from './village-rows';

/** Village rows: batches whose communes are looked up once (and cached), then written. */
export class VillageSink implements RowSink {
  private pending: VillageRow[] = [];
  private readonly communes = new Map<string, CommuneRef | null>();

  constructor(
    private readonly db: Db,
    private readonly profile: Profile,
    private readonly writer: (level: string) => LevelWriter,
    private readonly batch: number,
  ) {}

  async official(): Promise<void> {
    throw new Error('unreachable: official row in a village list');
  }

  async village(v: VillageRow): Promise<void> {
    this.pending.push(v);
    if (this.pending.length >= this.batch) await this.flush();
  }

  async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    const unknown = [...new Set(rows.map((v) => v.communeCode))].filter((c) => !this.communes.has(c));
    if (unknown.length) {
      const found = await findCommunes(this.db, this.profile, unknown);
      for (const c of unknown) this.communes.set(c, found.get(c) ?? null);
    }
    const byLevel = new Map<string, PlannedUnit[]>();
    for (const v of rows) {
      const c = this.communes.get(v.communeCode);
      if (!c) {
        throw new ImportError(
          `không có xã mã ${v.communeCode} trong hồ sơ "${this.profile.id}" (hãy nhập danh sách xã trước)`,
          `unknown commune ${v.communeCode} in profile "${this.profile.id}"`,
          v.line,
        );
      }
      const idx = this.profile.levels.findIndex((l) => l.key === c.level);
      const level = this.profile.levels[idx + 1];
      if (idx < 0 || !level) {
        throw new ImportError(
          `đơn vị mã ${v.communeCode} ở cấp "${c.level}", không có cấp nào bên dưới trong hồ sơ "${this.profile.id}"`,
          `unit ${v.communeCode} is at level "${c.level}" which has no level below it`,
          v.line,
        );
      }
      const list = byLevel.get(level.key) ?? [];
      list.push({
        code: villageCodeFromFolded(c.code, v.search),
        name: v.name,
        search: v.search,
        kind: v.kind,
        parentId: c.id,
        parentPath: c.path,
        households: v.households,
        line: v.line,
      });
      byLevel.set(level.key, list);
    }
    for (const [level, units] of byLevel) await this.writer(level).write(units, false);
  }
}

interface CommuneRef {
  id: number;
  code: string;
  path: string;
  level: string;
}

/** Official commune code → the profile's unit holding it (any edition). */
async function findCommunes(db: Db, profile: Profile, official: string[]): Promise<Map<string, CommuneRef>> {
  const found = new Map<string, CommuneRef>();
  const chunk = 400;
  for (let i = 0; i < official.length; i += chunk) {
    const codes = official.slice(i, i + chunk).flatMap((c) => EDITIONS.map((e) => unitCode(e, c)));
    const rows = await db
      .selectFrom('units')
      .select(['id', 'code', 'path', 'level'])
      .where('profile', '=', profile.id)
      .where('code', 'in', codes)
      .execute();
    for (const r of rows) {
      const o = officialCodeOf(r.code);
      if (o && r.code) found.set(o, { id: r.id, code: r.code, path: r.path, level: r.level });
    }
  }
  return found;
}
