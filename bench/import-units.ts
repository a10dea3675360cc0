/**
 * Benchmark: the whole 3-tier 2024 list (10,035 communes) plus 100,000 generated villages into a
 * fresh SQLite file, against a baseline measured in the same run: reading and validating the same
 * CSVs without writing. Prints wall time, the ratio, and the process's peak RSS. SQLite always;
 * PostgreSQL too when BENCH_DATABASE_URL names a server (a scratch database is created and dropped).
 * Each import runs in its own process (its peak RSS is its own; the parse baseline in the parent).
 * Run alone with `npx tsx bench/import-units.ts` (or `npm run bench -- import-units`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { importUnitsFile, readUnitsFile, totalCounts } from '../src/app/import-units';
import { getProfile } from '../src/app/profiles';
import { openDatabase } from '../src/db';
import { migrateToLatest } from '../src/db/migrate';
import { exitWith, mb, onScratchPostgres, record } from './common';

export const name = 'import-units';

const DATA_FILE = ['../../shared/data/vn-units-2024.csv', '/work/shared/data/vn-units-2024.csv']
  .map((p) => path.resolve(__dirname, p))
  .find((p) => fs.existsSync(p));
const VILLAGES = 100_000;
const LIMIT_SECONDS = 20;
const LIMIT_MB = 300;

function writeVillages(file: string, communes: string[]): void {
  const kinds = ['thôn', 'bản', 'ấp', 'khóm', 'tổ dân phố'];
  const places = ['Nà Pồng', 'Khe Sến', 'Đồng Tâm', 'Tân Lập', 'Bình Minh', 'Hợp Thành', 'Quyết Tiến', 'Cốc Pục', 'Vàm Xáng', 'Rạch Gốc'];
  const fd = fs.openSync(file, 'w');
  let out: string[] = ['commune_code,village_name,kind,households'];
  for (let i = 0; i < VILLAGES; i++) {
    if (out.length >= 10_000) {
      fs.writeSync(fd, out.join('\n') + '\n');
      out = [];
    }
    const c = i % communes.length;
    const k = Math.floor(i / communes.length);
    const kind = kinds[(c + k) % kinds.length]!;
    const name = k < places.length ? `${places[(c + k) % places.length]} ${k + 1}` : `Số ${k + 1}`;
    out.push(`${communes[c]},${name},${kind},${40 + ((i * 37) % 560)}`);
  }
  fs.writeSync(fd, out.join('\n') + '\n');
  fs.closeSync(fd);
}


/** The import into `url` (fresh, migrated here), timed, then a second import that changes nothing. */
async function importInto(url: string, label: string, files: { villageFile: string; parseMs: number; rows: number; communes: number; villages: number }): Promise<boolean> {
  const profile = getProfile('ca-mau-2023');
  const h = openDatabase(url);
  await migrateToLatest(h.db);
  const at = new Date('2026-01-01T00:00:00.000Z');
  let t = performance.now();
  const r1 = await importUnitsFile(h.db, DATA_FILE!, { profile, at });
  const r2 = await importUnitsFile(h.db, files.villageFile, { profile, at });
  const importMs = performance.now() - t;
  const peakKb = process.resourceUsage().maxRSS;

  t = performance.now();
  const again1 = await importUnitsFile(h.db, DATA_FILE!, { profile, at });
  const again2 = await importUnitsFile(h.db, files.villageFile, { profile, at });
  const againMs = performance.now() - t;
  await h.close();

  const inserted = totalCounts(r1).inserted + totalCounts(r2).inserted;
  const unchanged = totalCounts(again1).unchanged + totalCounts(again2).unchanged;
  const ok = importMs / 1000 < LIMIT_SECONDS && peakKb / 1024 < LIMIT_MB && unchanged === inserted;
  const parseMs = files.parseMs;
  record({ bench: name, db: label, measure: `units import, ${inserted.toLocaleString('en')} units`, value: importMs / 1000, unit: 's', baseline: parseMs / 1000, ratio: importMs / parseMs, rssMb: peakKb / 1024, target: `< ${LIMIT_SECONDS} s, < ${LIMIT_MB} MB`, ok });
  console.log(`[${name}] [${label}] ${files.rows.toLocaleString('en')} CSV rows (${files.communes} communes + ${files.villages} villages) → ${inserted.toLocaleString('en')} units`);
  console.log(`  [${label}] import into a fresh database:      ${(importMs / 1000).toFixed(2)} s = ${(importMs / parseMs).toFixed(1)}× the baseline`);
  console.log(`  [${label}] second import (all unchanged):     ${(againMs / 1000).toFixed(2)} s = ${(againMs / parseMs).toFixed(1)}× the baseline, ${unchanged.toLocaleString('en')} unchanged`);
  console.log(`  [${label}] peak RSS (process.resourceUsage().maxRSS): ${mb(peakKb)} MB (its own process)`);
  console.log(`  [${label}] limits ${LIMIT_SECONDS} s / ${LIMIT_MB} MB: ${ok ? 'OK' : 'EXCEEDED'}`);
  return ok;
}

export async function run(): Promise<boolean> {
  if (!DATA_FILE) throw new Error('vn-units-2024.csv not found (expected in shared/data)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-bench-'));
  try {
    const profile = getProfile('ca-mau-2023');
    const villageFile = path.join(dir, 'villages.csv');
    const communes = fs
      .readFileSync(DATA_FILE, 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split(',')[4]!.slice(0));
    const rssAtStart = process.resourceUsage().maxRSS;
    writeVillages(villageFile, communes);

    // baseline: read + parse + validate, no database
    const t = performance.now();
    const p1 = await readUnitsFile(fs.createReadStream(DATA_FILE), { profile });
    const p2 = await readUnitsFile(fs.createReadStream(villageFile), { profile });
    const parseMs = performance.now() - t;
    const rssAfterParse = process.resourceUsage().maxRSS;
    console.log(`  peak RSS before any parsing (node + tsx + the generated file): ${mb(rssAtStart)} MB`);
    console.log(`  baseline, read + parse + validate only: ${(parseMs / 1000).toFixed(2)} s (peak RSS so far ${mb(rssAfterParse)} MB)`);
    const files = { villageFile, parseMs, rows: p1.rows + p2.rows, communes: p1.rows, villages: p2.rows };
    // each import in its own process, so that its peak RSS is its own
    const child = (url: string, label: string) =>
      spawnSync(process.execPath, [...process.execArgv, __filename, '--import', url, label, JSON.stringify(files)], { stdio: 'inherit' }).status === 0;
    let ok = child(`sqlite:${path.join(dir, 'bench.db')}`, 'sqlite');
    ok = (await onScratchPostgres(name, async (url) => child(url, 'postgres'))) && ok;
    return ok;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--import');
  exitWith(i > 0 ? importInto(process.argv[i + 1]!, process.argv[i + 2]!, JSON.parse(process.argv[i + 3]!)) : run());
}
