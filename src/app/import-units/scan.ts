/** Reading a unit file through validation, row by row, into a sink (or nowhere: a dry run). */
import type { Readable } from 'node:stream';
import { records } from './csv';
import { ImportError } from './errors';
import { detectFormat, FORMAT_HEADERS, type UnitFileFormat } from './formats';
import { officialRows, type OfficialRow } from './official-rows';
import type { ImportOptions, ImportProgress } from './types';
import { villageRows, type VillageRow } from './village-rows';

/** What the scanner hands on, row by row (already validated). */
export interface RowSink {
  official(row: OfficialRow): Promise<void>;
  village(row: VillageRow): Promise<void>;
}

const NULL_SINK: RowSink = { official: async () => undefined, village: async () => undefined };

/**
 * Reads and validates a whole unit file without writing anything (a dry run, and the benchmark's
 * baseline). Throws the same ImportError an import would for a bad row, except for checks that need
 * the database (unknown commune, a code owned by another profile).
 */
export async function readUnitsFile(
  input: Readable,
  opts: Pick<ImportOptions, 'profile' | 'province' | 'onProgress' | 'progressEvery'>,
): Promise<{ format: UnitFileFormat; rows: number }> {
  return scan(input, opts, 'read', () => NULL_SINK);
}

/**
 * Streams the file through validation into `sink` (created once the format is known); rows are
 * never all held in memory.
 */
export async function scan(
  input: Readable,
  opts: Pick<ImportOptions, 'profile' | 'province' | 'onProgress' | 'progressEvery'>,
  phase: ImportProgress['phase'],
  makeSink: (format: UnitFileFormat) => RowSink,
): Promise<{ format: UnitFileFormat; rows: number }> {
  const profile = opts.profile;
  const every = opts.progressEvery ?? 5000;
  let format: UnitFileFormat | undefined;
  let sink: RowSink = NULL_SINK;
  let rows = 0;
  let accepted = 0;
  let village: ((record: string[], line: number) => VillageRow) | undefined;
  let official: ((record: string[], line: number) => OfficialRow | undefined) | undefined;

  for await (const { record, line } of records(input)) {
    if (!format) {
      format = detectFormat(record);
      if (format === 'villages') village = villageRows(profile);
      else official = officialRows(format, profile, opts.province);
      sink = makeSink(format);
      continue;
    }
    rows++;
    const cols = FORMAT_HEADERS[format];
    if (record.length !== cols.length) {
      throw new ImportError(
        `có ${record.length} cột, cần ${cols.length} (${cols.join(',')})`,
        `${record.length} columns, expected ${cols.length}`,
        line,
      );
    }
    const missing = cols.filter((c, i) => record[i] === '' && c !== 'households');
    if (missing.length) throw new ImportError(`thiếu ${missing.join(', ')}`, `missing ${missing.join(', ')}`, line);

    if (format === 'villages') {
      await sink.village(village!(record, line));
      accepted++;
    } else {
      const row = official!(record, line);
      if (row) {
        await sink.official(row);
        accepted++;
      }
    }
    if (rows % every === 0) opts.onProgress?.({ phase, done: rows });
  }
  if (!format) throw new ImportError('Tệp rỗng, không có dòng tiêu đề', 'empty file: no header row');
  opts.onProgress?.({ phase, done: rows, total: rows });
  if (format !== 'villages' && opts.province !== undefined && accepted === 0) {
    throw new ImportError(`Không có dòng nào của tỉnh mã ${opts.province}`, `no rows for province ${opts.province}`);
  }
  return { format, rows };
}
