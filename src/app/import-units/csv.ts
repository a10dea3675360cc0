/** Reading CSV: records with their line numbers, and cell names normalised. */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { ImportError } from './errors';

export const normName = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/**
 * Records with their 1-based line number. csv-parse's own `info`/`on_record` line tracking costs
 * more than the parse itself, so lines are counted here: empty lines come through as [""] and are
 * skipped, and newlines inside quoted fields are added.
 */
export async function* records(input: Readable): AsyncGenerator<{ record: string[]; line: number }> {
  const parser = input.pipe(parse({ relax_column_count: true, skip_empty_lines: false, bom: true, trim: true }));
  let line = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      line++;
      const start = line;
      for (const f of record) if (f.includes('\n')) line += f.split('\n').length - 1;
      if (record.length === 1 && record[0] === '') continue;
      yield { record, line: start };
    }
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new ImportError(`Tệp CSV hỏng: ${err.message}`, 'malformed CSV', err.lines);
  }
}
