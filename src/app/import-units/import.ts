/** Importing a unit file: streamed through validation into the database, in one transaction. */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Db } from '../../db';
import type { LevelCounts } from './counts';
import { ImportError } from './errors';
import { FORMAT_EDITION, TIERS } from './formats';
import { LevelWriter } from './level-writer';
import { OfficialSink } from './official-sink';
import { scan } from './scan';
import type { ImportOptions, ImportResult } from './types';
import { VillageSink } from './village-sink';

export async function importUnitsFile(db: Db, file: string, opts: ImportOptions): Promise<ImportResult> {
  return importUnitsStream(db, await openFile(file), opts);
}

async function openFile(file: string): Promise<fs.ReadStream> {
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    return fs.createReadStream(file);
  } catch {
    throw new ImportError(`Không đọc được tệp ${file}`, `cannot read file ${file}`);
  }
}

/** Streams the file into the database in one transaction: a bad row rolls everything back. */
export async function importUnitsStream(db: Db, input: Readable, opts: ImportOptions): Promise<ImportResult> {
  const profile = opts.profile;
  const at = opts.at.toISOString();
  const batch = opts.batchSize ?? 400;
  return db.transaction().execute(async (trx) => {
    const writers = new Map<string, LevelWriter>();
    const writer = (level: string) => {
      let w = writers.get(level);
      if (!w) writers.set(level, (w = new LevelWriter(trx, profile.id, level, at, batch)));
      return w;
    };
    let edition: string | undefined;
    let flush: () => Promise<void> = async () => undefined;

    const { format, rows } = await scan(input, opts, 'write', (format) => {
      if (format === 'villages') {
        const v = new VillageSink(trx, profile, writer, batch);
        flush = () => v.flush();
        return v;
      }
      edition = FORMAT_EDITION[format];
      const o = new OfficialSink(profile, edition, TIERS[format].length, writer, batch);
      flush = () => o.flush();
      return o;
    });
    await flush();

    const levels: Record<string, LevelCounts> = {};
    for (const l of profile.levels) {
      const w = writers.get(l.key);
      if (w) levels[l.key] = w.counts;
    }
    const result: ImportResult = { format, profile: profile.id, rows, levels, ...(edition ? { edition } : {}) };
    const changed = Object.values(levels).reduce((n, c) => n + c.inserted + c.updated, 0);
    if (changed > 0) {
      await trx
        .insertInto('audit_log')
        .values({
          at,
          actor_person_id: null,
          action: 'units.import',
          subject: profile.id,
          details: JSON.stringify({ format, edition: edition ?? null, rows, levels }),
        })
        .execute();
    }
    return result;
  });
}
