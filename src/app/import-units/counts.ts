/** Inserted / updated / unchanged units, per level and in total. */
import type { ImportResult } from './types';

export interface LevelCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export function totalCounts(r: ImportResult): LevelCounts {
  return Object.values(r.levels).reduce(
    (a, c) => ({ inserted: a.inserted + c.inserted, updated: a.updated + c.updated, unchanged: a.unchanged + c.unchanged }),
    { inserted: 0, updated: 0, unchanged: 0 },
  );
}
