/**
 * Benchmark: planning the reminders of ONE point for 100,000 villages (two-tier-2025: a province,
 * 1,000 communes of 100 villages, a team with a leader in every village, every group linked, a
 * chairman per commune, 1 village in 10 already reported). Measures planning a point in the pieces
 * `Reminders.runPoint` plans it in (`Reminders.pieces`: the reads and the plans) for a `before` point
 * and for the overdue point (with the chairmen), then `runPoint` itself (planning, claiming the keys,
 * queuing the outbox rows, piece by piece) and a second run that claims nothing.
 * Limits: planning a point under 1 s, the process under 300 MB (its peak while planning and queuing;
 * the baseline — reading the whole level at once — is measured after). SQLite always; PostgreSQL too
 * when BENCH_DATABASE_URL names a server (a scratch database is created and dropped). Run alone with
 * `npx tsx bench/reminders.ts`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { getProfile } from '../src/app/profiles';
import { PIECE_UNITS, PIECE_UNITS_PG, Reminders } from '../src/app/reminders';
import { allPointsBetween, localInstant } from '../src/domain/calendar';
import { openDatabase, type Db } from '../src/db';
import { migrateToLatest } from '../src/db/migrate';
import { isPostgres } from '../src/store/subtree';
import { exitWith, onScratchPostgres, record } from './common';

export const name = 'reminders';

const COMMUNES = 1_000;
const PER_COMMUNE = 100;
const LIMIT_MS = 1_000;
const LIMIT_MB = 300;

async function insertMany<T>(db: Db, rows: T[], insert: (trx: Db, part: T[]) => Promise<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500) await insert(trx, rows.slice(i, i + 500));
  });
}

export async function build(db: Db): Promise<void> {
  const at = '2026-01-01T00:00:00.000Z';
  const profile = 'two-tier-2025';
  const unit = (id: number, level: string, name: string, parent: number | null, p: string) => ({
    id,
    code: `b${id}`,
    name,
    short_name: name,
    search_name: name.toLowerCase(),
    level,
    kind: null,
    parent_id: parent,
    path: p,
    profile,
    households: 200,
    active: 1,
    created_at: at,
  });
  const units = [unit(1, 'province', 'Tỉnh Thử Nghiệm', null, '/1/')];
  const villages: number[] = [];
  let id = 2;
  const communes: number[] = [];
  for (let c = 0; c < COMMUNES; c++) {
    const cid = id++;
    communes.push(cid);
    units.push(unit(cid, 'commune', `Xã Số ${c + 1}`, 1, `/1/${cid}/`));
    for (let v = 0; v < PER_COMMUNE; v++) {
      const vid = id++;
      villages.push(vid);
      units.push(unit(vid, 'village', `Thôn ${v + 1} xã ${c + 1}`, cid, `/1/${cid}/${vid}/`));
    }
  }
  await insertMany(db, units, (trx, part) => trx.insertInto('units').values(part).execute());
  // one leader per village team, and a chairman per commune
  const people = [...villages, ...communes].map((u, i) => ({ id: i + 1, display_name: `Người ${i + 1}`, phone: null, locale: 'vi', created_at: at }));
  await insertMany(db, people, (trx, part) => trx.insertInto('people').values(part).execute());
  await insertMany(db, people, (trx, part) =>
    trx.insertInto('identities').values(part.map((p) => ({ platform: 'telegram', external_id: `u${p.id}`, person_id: p.id, display_name: p.display_name, private_chat_id: p.id % 20 === 0 ? `u${p.id}` : null, created_at: at }))).execute(),
  );
  await insertMany(db, villages, (trx, part) => trx.insertInto('teams').values(part.map((v, i) => ({ id: v, unit_id: v, name: `Tổ ${v}`, kind: 'community', active: 1, created_at: at }))).execute());
  await insertMany(db, villages.map((v, i) => ({ v, person: i + 1 })), (trx, part) =>
    trx.insertInto('memberships').values(part.map((x) => ({ team_id: x.v, person_id: x.person, role: 'leader', occupation: null, since: at, until: null }))).execute(),
  );
  await insertMany(db, communes.map((c, i) => ({ c, person: villages.length + i + 1 })), (trx, part) =>
    trx.insertInto('role_grants').values(part.map((x) => ({ person_id: x.person, role: 'approver', unit_id: x.c, granted_by: null, created_at: at }))).execute(),
  );
  await insertMany(db, [...communes, ...villages], (trx, part) =>
    trx.insertInto('chat_links').values(part.map((u) => ({ platform: u % 3 === 0 ? 'zalo' : 'telegram', chat_id: `c${u}`, unit_id: u, team_id: null, title: null, active: 1, linked_by: null, linked_at: at }))).execute(),
  );
  await insertMany(db, villages.filter((_, i) => i % 10 === 0), (trx, part) =>
    trx
      .insertInto('reports')
      .values(part.map((v) => ({ unit_id: v, team_id: null, period: '2026-Q4', kind: 'periodic', version: 1, values: '{}', source: 'own', submitted_by: null, submitted_at: at, due_at: null, late: 0, sent_up_at: at })))
      .execute(),
  );
}

/** Plans in pieces, then queues, in a fresh process (as the bot would: no set-up garbage in its heap). */
async function measure(url: string, label: string): Promise<boolean> {
  const h = openDatabase(url);
  const profile = getProfile('two-tier-2025');
  const tz = profile.timezone;
  const points = allPointsBetween(profile, localInstant('2026-12-01', tz), localInstant('2026-12-17', tz)).filter((p) => p.level === 'village');
  const before = points.find((p) => p.point.id === 'before-3')!;
  const overdue = points.find((p) => p.point.kind === 'overdue')!;

  const r = new Reminders({ db: h.db });
  // planning a point in the pieces runPoint plans it in (each piece dropped once counted)
  let pieceCount = 0;
  const planInPieces = async (sp: typeof before) => {
    const pieces = (await r.pieces(profile, sp)) ?? [undefined];
    pieceCount = pieces.length;
    let missing = 0;
    let expected = 0;
    let messages = 0;
    for (const parents of pieces) {
      const part = await r.planPoint(profile, sp, sp.point.at, parents ? { parents } : undefined);
      missing += part.missing;
      expected += part.expected;
      messages += part.items.reduce((n, x) => n + x.to.length, 0);
    }
    return { missing, expected, messages };
  };
  await planInPieces(before); // warm-up: statements, i18n, calendar memo
  const runs: number[] = [];
  let plan = await planInPieces(before);
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    plan = await planInPieces(before);
    runs.push(performance.now() - t);
  }
  const planMs = [...runs].sort((a, b) => a - b)[1]!;
  let t = performance.now();
  const planO = await planInPieces(overdue);
  const planOverdueMs = performance.now() - t;

  t = performance.now();
  const c1 = await r.runPoint(profile, before, before.point.at);
  const commitMs = performance.now() - t;
  t = performance.now();
  const c2 = await new Reminders({ db: h.db }).runPoint(profile, before, before.point.at);
  const recommitMs = performance.now() - t;
  // the peak of the planning and queuing, taken before the baseline (which reads the whole level at once)
  const peakKb = process.resourceUsage().maxRSS;

  // baseline, same run: just reading the level's units with their group links (no leaders, no plan)
  const base: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await h.db
      .selectFrom('units as u')
      .leftJoin('chat_links as l', 'l.unit_id', 'u.id')
      .select(['u.id', 'u.name', 'u.parent_id', 'l.platform', 'l.chat_id'])
      .where('u.profile', '=', profile.id)
      .where('u.level', '=', 'village')
      .execute();
    base.push(performance.now() - t0);
  }
  const baseMs = [...base].sort((a, b) => a - b)[1]!;
  await h.close();

  const ok = planMs < LIMIT_MS && peakKb / 1024 < LIMIT_MB && c1.queuedMessages === plan.messages && c2.queuedMessages === 0;
  record({ bench: name, db: label, measure: 'plan one point, 100,000 villages (in pieces)', value: planMs, unit: 'ms', baseline: baseMs, ratio: planMs / baseMs, rssMb: peakKb / 1024, target: `< ${LIMIT_MS} ms, < ${LIMIT_MB} MB`, ok });
  console.log(`  [${label}] baseline, reading the level's units and their group links: ${baseMs.toFixed(0)} ms`);
  console.log(`  [${label}] plan one before point, in ${pieceCount} pieces of about ${(label === 'postgres' ? PIECE_UNITS_PG : PIECE_UNITS).toLocaleString('en')} villages: ${planMs.toFixed(0)} ms = ${(planMs / baseMs).toFixed(1)}× the baseline`);
  console.log(`    (runs median of ${runs.map((x) => x.toFixed(0)).join(', ')} ms) — ${plan.missing.toLocaleString('en')} missing of ${plan.expected.toLocaleString('en')}, ${plan.messages.toLocaleString('en')} messages`);
  console.log(`  [${label}] plan the overdue point: ${planOverdueMs.toFixed(0)} ms — ${planO.messages.toLocaleString('en')} messages (with the chairmen)`);
  console.log(`  [${label}] runPoint (plan, render, claim keys, queue outbox rows, piece by piece): ${commitMs.toFixed(0)} ms — ${c1.queuedItems.toLocaleString('en')} keys, ${c1.queuedMessages.toLocaleString('en')} rows`);
  console.log(`  [${label}] runPoint again (every key taken, nothing queued):                    ${recommitMs.toFixed(0)} ms — ${c2.skippedItems.toLocaleString('en')} skipped, ${c2.queuedMessages} rows`);
  console.log(`  [${label}] peak RSS of the planning process: ${(peakKb / 1024).toFixed(0)} MB; limits: planning a point < ${LIMIT_MS} ms, < ${LIMIT_MB} MB: ${ok ? 'OK' : 'EXCEEDED'}`);
  return ok;
}

async function prepare(url: string): Promise<number> {
  const h = openDatabase(url);
  await migrateToLatest(h.db);
  const t = performance.now();
  await build(h.db);
  if (isPostgres(h.db)) await sql`analyze`.execute(h.db);
  await h.close();
  return performance.now() - t;
}

function child(url: string, label: string): boolean {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--measure', url, label], { stdio: 'inherit' });
  return r.status === 0;
}

export async function run(): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-bench-rem-'));
  let ok = true;
  try {
    const url = `sqlite:${path.join(dir, 'bench.db')}`;
    const ms = await prepare(url);
    console.log(`[${name}] ${(COMMUNES * PER_COMMUNE).toLocaleString('en')} villages in ${COMMUNES.toLocaleString('en')} communes, 1 in 10 reported (built in ${(ms / 1000).toFixed(1)} s)`);
    ok = child(url, 'sqlite') && ok;
    ok = (await onScratchPostgres(name, async (url) => {
      const pms = await prepare(url);
      console.log(`[${name}] PostgreSQL data built in ${(pms / 1000).toFixed(1)} s`);
      return child(url, 'postgres');
    })) && ok;
    return ok;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--measure');
  exitWith(i > 0 ? measure(process.argv[i + 1]!, process.argv[i + 2] ?? 'sqlite') : run());
}
