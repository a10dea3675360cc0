/**
 * Import of administrative units from CSV: the GSO lists in shared/data (3-tier `vn-units-2024.csv`,
 * 2-tier `vn-units-2025.csv`) and village lists (`commune_code,village_name,kind,households`).
 *
 * One job per file: formats.ts (headers, detection), csv.ts (records with line numbers),
 * official-rows.ts / village-rows.ts (validating each format's rows), scan.ts (reading a file
 * through validation; the dry run), codes.ts (stored codes), official-sink.ts / village-sink.ts
 * (placing rows under their parents), level-writer.ts (the upsert), import.ts (the transaction and
 * audit), counts.ts, errors.ts, types.ts.
 *
 * Rows stream through validation into one transaction and are written in batched multi-row inserts
 * (each tier's batch after its parents', so paths are computed from known parent ids, never by a
 * query per row). A bad row stops the import with its line number and rolls everything back:
 * nothing is written unless all is. The file is never held in memory whole.
 */
export { officialCodeOf, unitCode, villageCode } from './codes';
export { totalCounts, type LevelCounts } from './counts';
export { ImportError } from './errors';
export { COMMUNE_TYPES, detectFormat, FORMAT_EDITION, FORMAT_HEADERS, VILLAGE_KINDS, type UnitFileFormat } from './formats';
export { importUnitsFile, importUnitsStream } from './import';
export { readUnitsFile } from './scan';
export type { ImportOptions, ImportProgress, ImportResult } from './types';
