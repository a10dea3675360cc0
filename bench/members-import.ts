/**
 * Benchmark: 400,000 members (80,000 teams of 5, the national order of magnitude) from one CSV into
 * a fresh SQLite file, through the same import as `npm run cli -- members import`: every row checked
 * with the two-tier-2025 rules, teams created, people and memberships written in batched
 * transactions. The generated tree: 1 province → 3,300 communes → 80,000 villages (set up untimed).
 * Prints progress, wall time and peak RSS of the import process; limits 60 s and 300 MB.
 * BENCH_DEFAULT_HEAP=1 runs the import with node's default heap limit instead of 384 MB. SQLite
 * always; PostgreSQL too when BENCH_DATABASE_URL names a server (a scratch database is created and
 * dropped; the same CSV).
 * Run alone with `npx tsx bench/members-import.ts` (or `npm run bench -- members-import`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { importMembersFile } from '../src/app/import-members';
import { openDatabase } from '../src/db';
import { migrateToLatest } from '../src/db/migrate';
import type { Db } from '../src/db';
import { isPostgres } from '../src/store/subtree';
import { exitWith, mb, onScratchPostgres, record } from './common';

export const name = 'members-import';

const TEAMS = 80_000;
const PER_TEAM = 5;
const COMMUNES = 3_300;
const LIMIT_SECONDS = 60;
const LIMIT_MB = 300;
const PROFILE = 'two-tier-2025';

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Quốc', 'Thu', 'Hữu', 'Kim'];
const GIVEN = ['An', 'Bình', 'Chi', 'Dũng', 'Giang', 'Hà', 'Hải', 'Hương', 'Khánh', 'Lan', 'Long', 'Mai', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Tâm', 'Trang', 'Tuấn', 'Yến'];
const JOBS = ['giáo viên', 'nhân viên y tế', 'công an viên', 'đoàn viên thanh niên', 'nhân viên bưu điện', 'hội viên phụ nữ'];
const ROLES = ['tổ trưởng', 'tổ phó', 'thành viên', 'thành viên', 'thành viên'];

/** Units written directly in big batches (setup, not timed): codes B:<commune>, B:<commune>:<village>. */
async function makeUnits(db: Db): Promise<string[]> {
  const at = '2026-01-01T00:00:00.000Z';
  const base = { kind: null, profile: PROFILE, households: null, active: 1, created_at: at };
  const root = await db
    .insertInto('units')
    .values({ ...base, code: 'B:00', name: 'Tỉnh Thử Nghiệm', short_name: 'Thử Nghiệm', search_name: 'tinh thu nghiem', level: 'province', parent_id: null, path: '' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('units').set({ path: `/${root.id}/` }).where('id', '=', root.id).execute();
  const villageCodes: string[] = [];
  await db.transaction().execute(async (trx) => {
    const communeIds: { id: number; code: string }[] = [];
    for (let i = 0; i < COMMUNES; i += 500) {
      const rows = Array.from({ length: Math.min(500, COMMUNES - i) }, (_, k) => {
        const n = i + k;
        return { ...base, code: `B:${n}`, name: `Xã Số ${n}`, short_name: `Số ${n}`, search_name: `xa so ${n}`, level: 'commune', parent_id: root.id, path: '' };
      });
      communeIds.push(...(await trx.insertInto('units').values(rows).returning(['id', 'code']).execute()).map((r) => ({ id: r.id, code: r.code! })));
    }
    // paths in one statement per level (`||` joins text and integers on SQLite and PostgreSQL)
    await sql`update units set path = ${`/${root.id}/`} || id || '/' where level = 'commune'`.execute(trx);
    const villages: { code: string; name: string; parent: { id: number } }[] = [];
    for (let v = 0; v < TEAMS; v++) {
      const c = communeIds[v % COMMUNES]!;
      villages.push({ code: `${c.code}:${Math.floor(v / COMMUNES)}`, name: `Thôn ${Math.floor(v / COMMUNES) + 1}`, parent: c });
    }
    for (let i = 0; i < villages.length; i += 500) {
      const part = villages.slice(i, i + 500);
      await trx
        .insertInto('units')
        .values(part.map((v) => ({ ...base, code: v.code, name: v.name, short_name: v.name.slice(5), search_name: v.name.toLowerCase(), level: 'village', parent_id: v.parent.id, path: '' })))
        .execute();
      villageCodes.push(...part.map((v) => v.code));
    }
    await sql`update units set path = ${`/${root.id}/`} || parent_id || '/' || id || '/' where level = 'village'`.execute(trx);
  });
  return villageCodes;
}

function writeCsv(file: string, villageCodes: string[]): number {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'unit_code,team,name,phone,role,occupation\n');
  let n = 0;
  let buf: string[] = [];
  for (const code of villageCodes) {
    for (let k = 0; k < PER_TEAM; k++) {
      const name = `${FAMILY[n % 16]} ${MIDDLE[(n >> 4) % 8]} ${GIVEN[(n >> 7) % 20]}`;
      const phone = `09${String(10_000_000 + n).slice(-8)}`;
      const occupation = k === 0 ? 'Trưởng thôn' : JOBS[n % JOBS.length];
      buf.push(`${code},,${name},${phone},${ROLES[k]},${occupation}`);
      n++;
    }
    if (buf.length >= 10_000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
  return n;
}


/** Setup in a child process, so that the parent's peak RSS is the import's own: the units, and the CSV once. */
async function setup(dir: string, url: string): Promise<void> {
  const h = openDatabase(url);
  await migrateToLatest(h.db);
  const villages = await makeUnits(h.db);
  if (isPostgres(h.db)) await sql`analyze`.execute(h.db);
  await h.close();
  if (fs.existsSync(path.join(dir, 'rows'))) return;
  const rows = writeCsv(path.join(dir, 'members.csv'), villages);
  fs.writeFileSync(path.join(dir, 'rows'), String(rows));
}

/**
 * The import, in its own process with V8's old space capped at HEAP_MB: with the default limit
 * (GBs) V8 collects lazily and RSS floats up on garbage. BENCH_DEFAULT_HEAP=1 leaves node's default.
 */
const HEAP_MB = 384;

async function importStep(dir: string, url: string, label: string): Promise<boolean> {
  const csv = path.join(dir, 'members.csv');
  const rows = Number(fs.readFileSync(path.join(dir, 'rows'), 'utf8'));
  const h = openDatabase(url);
  const rssBefore = process.resourceUsage().maxRSS;
  const t = performance.now();
  let last = 0;
  let readMs = 0;
  const r = await importMembersFile(h.db, csv, {
    at: new Date('2026-01-02T00:00:00.000Z'),
    onProgress: (p) => {
      const now = performance.now();
      // baseline, same run: the read phase alone (the CSV parsed once, nothing checked or written)
      if (p.phase === 'read' && p.total && p.done === p.total) readMs = now - t;
      if (now - last < 2000 && p.done !== p.total) return;
      last = now;
      const m = process.memoryUsage();
      console.log(`  [${label}] … ${p.phase} ${p.done.toLocaleString('en')}${p.total ? ` / ${p.total.toLocaleString('en')}` : ''} (${((now - t) / 1000).toFixed(1)} s, RSS ${mb(m.rss / 1024)} MB, heap ${mb(m.heapUsed / 1024)} MB)`);
    },
  });
  const ms = performance.now() - t;
  const peakKb = process.resourceUsage().maxRSS;
  const memberships = Number((await h.db.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  await h.close();
  const ok = ms / 1000 < LIMIT_SECONDS && peakKb / 1024 < LIMIT_MB && r.membersInserted === rows && memberships === rows && r.rejected.length === 0;
  record({ bench: name, db: label, measure: `members import, ${rows.toLocaleString('en')} rows`, value: ms / 1000, unit: 's', ...(readMs ? { baseline: readMs / 1000, ratio: ms / readMs } : {}), rssMb: peakKb / 1024, target: `< ${LIMIT_SECONDS} s, < ${LIMIT_MB} MB`, ok });
  console.log(`  [${label}] imported ${r.membersInserted.toLocaleString('en')} members into ${r.teamsCreated.toLocaleString('en')} new teams, ${r.peopleCreated.toLocaleString('en')} people; ${r.rejected.length} rows rejected`);
  console.log(`  [${label}] import time: ${(ms / 1000).toFixed(2)} s (${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s)${readMs ? ` = ${(ms / readMs).toFixed(1)}× the read phase alone (${(readMs / 1000).toFixed(2)} s, the baseline)` : ''}`);
  console.log(`  [${label}] peak RSS (process.resourceUsage().maxRSS): ${mb(peakKb)} MB (before the import: ${mb(rssBefore)} MB; node ${process.execArgv.filter((a) => a.startsWith('--max-old')).join(' ') || 'default heap'})`);
  console.log(`  [${label}] limits ${LIMIT_SECONDS} s / ${LIMIT_MB} MB: ${ok ? 'OK' : 'EXCEEDED'}`);
  return ok;
}

function step(args: string[]): boolean {
  const heap = process.env.BENCH_DEFAULT_HEAP || args[0] === '--setup' ? [] : [`--max-old-space-size=${HEAP_MB}`];
  const child = spawnSync(process.execPath, [...heap, ...process.execArgv, __filename, ...args], { stdio: 'inherit' });
  return child.status === 0;
}

export async function run(): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-bench-members-'));
  try {
    const t = performance.now();
    const url = `sqlite:${path.join(dir, 'bench.db')}`;
    if (!step(['--setup', dir, url])) throw new Error('setup failed');
    const rows = Number(fs.readFileSync(path.join(dir, 'rows'), 'utf8'));
    console.log(`[${name}] setup (child process): ${TEAMS.toLocaleString('en')} villages in ${COMMUNES.toLocaleString('en')} communes, ${rows.toLocaleString('en')} CSV rows (${(fs.statSync(path.join(dir, 'members.csv')).size / 1e6).toFixed(1)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    let ok = step(['--import-step', dir, url, 'sqlite']);
    ok = (await onScratchPostgres(name, async (url) => {
      if (!step(['--setup', dir, url])) throw new Error('PostgreSQL setup failed');
      return step(['--import-step', dir, url, 'postgres']);
    })) && ok;
    return ok;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const cmd = process.argv[2];
  const [dir, url, label] = process.argv.slice(3);
  exitWith(cmd === '--setup' ? setup(dir!, url!) : cmd === '--import-step' ? importStep(dir!, url!, label ?? 'sqlite') : run());
}
