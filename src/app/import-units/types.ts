/** The public options and result of an import. */
import type { Profile } from '../../domain/profile';
import type { LevelCounts } from './counts';
import type { UnitFileFormat } from './formats';

export interface ImportResult {
  format: UnitFileFormat;
  /** the code namespace of the official list (absent for villages) */
  edition?: string;
  profile: string;
  /** data rows read (after the header) */
  rows: number;
  /** per profile level key, root first */
  levels: Record<string, LevelCounts>;
}

export interface ImportProgress {
  /** read: validating only (readUnitsFile); write: importing */
  phase: 'read' | 'write';
  done: number;
  total?: number;
}

export interface ImportOptions {
  profile: Profile;
  at: Date;
  /** import only this province (official 2-digit code of the file's own edition) */
  province?: string;
  onProgress?: (p: ImportProgress) => void;
  /** rows between progress callbacks (default 5,000) */
  progressEvery?: number;
  /** rows per multi-row INSERT (default 400: 11 columns → 4,400 parameters) */
  batchSize?: number;
}
