import type { Profile } from '../../domain/profile';
import { unitCode } from './codes';
import type { LevelWriter, PlannedUnit, Written } from './level-writer';
import type { OfficialRow } from './official-rows';
import type { RowSink } from './scan';

/**
 * Official rows: pending units per tier, flushed root tier first whenever the lowest tier has a
 * full batch, so every parent is written (and its id known) before its children.
 */
export class OfficialSink implements RowSink {
  private readonly pending: Map<string, PlannedUnit & { parentCode: string | null }>[];
  /** written units of the tiers above the lowest (provinces, districts): code → id, path */
  private readonly written: Map<string, Written>[];

  constructor(
    private readonly profile: Profile,
    private readonly edition: string,
    private readonly tiers: number,
    private readonly writer: (level: string) => LevelWriter,
    private readonly batch: number,
  ) {
    this.pending = Array.from({ length: tiers }, () => new Map());
    this.written = Array.from({ length: tiers }, () => new Map());
  }

  async official(r: OfficialRow): Promise<void> {
    for (let t = 0; t < this.tiers; t++) {
      const code = unitCode(this.edition, r.codes[t]!);
      if (this.written[t]!.has(code) || this.pending[t]!.has(code)) continue;
      this.pending[t]!.set(code, {
        code,
        name: r.names[t]!,
        kind: r.kinds[t] ?? null,
        parentId: null,
        parentPath: '/',
        parentCode: t > 0 ? unitCode(this.edition, r.codes[t - 1]!) : null,
        line: r.line,
      });
    }
    if (this.pending[this.tiers - 1]!.size >= this.batch) await this.flush();
  }

  async village(): Promise<void> {
    throw new Error('unreachable: village row in an official list');
  }

  async flush(): Promise<void> {
    for (let t = 0; t < this.tiers; t++) {
      const units = [...this.pending[t]!.values()];
      if (units.length === 0) continue;
      this.pending[t]!.clear();
      for (const u of units) {
        if (u.parentCode === null) continue;
        const parent = this.written[t - 1]!.get(u.parentCode)!;
        u.parentId = parent.id;
        u.parentPath = parent.path;
      }
      const lowest = t === this.tiers - 1;
      const out = await this.writer(this.profile.levels[t]!.key).write(units, !lowest);
      if (!lowest) for (const [code, w] of out) this.written[t]!.set(code, w);
    }
  }
}
