/**
 * Benchmark: the province roll-up (`buildRollup`, what /tonghop, /tiendo and /guilen compute) over
 * 100,000 village reports (bench/rollup-data.ts), against ONE hand-written SQL aggregate over the
 * same tables in the same process: the sum of every numeric indicator and the count of reporting
 * villages over the latest versions in the province's subtree. Seven interleaved rounds, the median of each;
 * the measuring process is fresh (no set-up garbage) and its peak RSS is reported.
 * Then what an officer sees: /tonghop and /tiendo in the province's group through the chat core (the
 * roll-up and its text), against the same baseline.
 * Targets: roll-up ≤ 2× the aggregate, peak RSS < 300 MB.
 * SQLite always; PostgreSQL too when BENCH_DATABASE_URL names a server (a scratch database is
 * created and dropped). Run alone with `npx tsx bench/rollup.ts` (or `npm run bench -- rollup`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { getProfile } from '../src/app/profiles';
import { createChatCore } from '../src/chat';
import type { MessageEvent } from '../src/chat/types';
import { ManualClock } from '../src/clock';
import { silentLogger } from '../src/logger';
import { upsertLink } from '../src/store/chats';
import { grantRole } from '../src/store/grants';
import { addIdentity, createPerson } from '../src/store/people';
import { buildRollup } from '../src/app/rollups';
import { openDatabase, type Db } from '../src/db';
import { migrateToLatest } from '../src/db/migrate';
import { isPostgres } from '../src/store/subtree';
import { getUnit } from '../src/store/units';
import { buildRollupData, PERIOD, PROFILE } from './rollup-data';
import { exitWith, onScratchPostgres, record } from './common';

export const name = 'rollup';
const MAX_RATIO = 2;
const MAX_MB = 300;
/** rounds of (baseline, roll-up), interleaved so that a busy moment hits both; the medians are compared */
const ROUNDS = 7;
const KEYS = ['households_supported', 'people_supported', 'vneid_l2', 'dvc_dossiers', 'payment_accounts', 'ecommerce_accounts', 'sessions_held', 'bdhvs_completed', 'households_total'];

/** The hand-written aggregate: sums per indicator and reporting villages, latest versions, one query. */
async function baseline(db: Db, rootPath: string): Promise<unknown> {
  const pg = isPostgres(db);
  const num = (k: string) => (pg ? sql`sum((r."values"::jsonb ->> ${k}::text)::float8)` : sql`sum(json_extract(r."values", ${'$.' + k}))`);
  const under = pg ? sql`u.path like ${rootPath + '%'}` : sql`u.path >= ${rootPath} and u.path < ${rootPath.slice(0, -1) + '0'}`;
  const { rows } = await sql`
    select count(*) as reporting, ${sql.join(KEYS.map(num))}
    from reports r join units u on u.id = r.unit_id
    where ${under} and u.active = 1 and r.period = ${PERIOD} and r.kind = 'periodic'
      and r.version = (select max(x.version) from reports x where x.unit_id = r.unit_id and x.period = r.period and x.kind = r.kind)`.execute(db);
  return rows[0];
}

/** Interleaved rounds of the baseline and each candidate (after one warm-up round); their medians. */
async function against(baselineRun: () => Promise<unknown>, candidates: Record<string, () => Promise<unknown>>): Promise<{ base: number[]; times: Record<string, number[]> }> {
  const base: number[] = [];
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (let i = 0; i <= ROUNDS; i++) {
    let t = performance.now();
    await baselineRun();
    if (i > 0) base.push(performance.now() - t);
    for (const [k, run] of Object.entries(candidates)) {
      t = performance.now();
      await run();
      if (i > 0) times[k]!.push(performance.now() - t);
    }
  }
  return { base, times };
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');

/**
 * One measuring process (its peak RSS is its own): `rollup` times buildRollup; `core` times what an
 * officer of the province sees, /tonghop and /tiendo in its group through the chat core.
 */
async function measure(url: string, label: string, what: 'rollup' | 'core'): Promise<boolean> {
  const h = openDatabase(url);
  const profile = getProfile(PROFILE);
  const root = (await getUnit(h.db, 1))!;
  const period = { cycle: 'quarter' as const, year: 2026, index: 4 };
  const target = `≤ ${MAX_RATIO}× one SQL aggregate, < ${MAX_MB} MB`;
  let candidates: Record<string, () => Promise<unknown>>;
  let roll: Awaited<ReturnType<typeof buildRollup>> | undefined;
  if (what === 'rollup') {
    candidates = { 'province roll-up, 100,000 village reports': async () => (roll = await buildRollup(h.db, profile, root, period)) };
  } else {
    const clock = new ManualClock('2026-12-28T09:00:00+07:00');
    const core = createChatCore({ db: h.db, clock, log: silentLogger, profile: getProfile, defaultLocale: 'vi' });
    let n = 0;
    const say = (text: string) => () =>
      core.handle({ type: 'message', platform: 'simulator', eventId: `bench-${++n}`, chat: { id: 'province', kind: 'group' }, sender: { id: 'officer', displayName: 'Cán bộ tỉnh' }, messageId: `m${n}`, text, at: clock.now() } satisfies MessageEvent);
    candidates = { '/tonghop through the chat core, 100,000 villages': say('/tonghop'), '/tiendo through the chat core, 100,000 villages': say('/tiendo') };
  }
  const { base, times } = await against(() => baseline(h.db, root.path), candidates);
  const peakMb = process.resourceUsage().maxRSS / 1024;
  await h.close();
  if (roll) {
    const leaf = roll.result.byDepth.at(-1)!;
    console.log(`  [${label}] ${leaf.actual.toLocaleString('en')}/${leaf.expected.toLocaleString('en')} villages reported; households supported ${roll.result.totals.households_supported?.value.toLocaleString('en')}`);
  }
  console.log(`  [${label}] baseline, one SQL aggregate: ${med(base).toFixed(0)} ms (runs ${runs(base)})`);
  let all = true;
  for (const [measureName, xs] of Object.entries(times)) {
    const ratio = med(xs) / med(base);
    const ok = ratio <= MAX_RATIO && peakMb < MAX_MB;
    all &&= ok;
    console.log(`  [${label}] ${measureName}: ${med(xs).toFixed(0)} ms (runs ${runs(xs)}) = ${ratio.toFixed(2)}× the baseline`);
    record({ bench: name, db: label, measure: measureName, value: med(xs), unit: 'ms', baseline: med(base), ratio, rssMb: peakMb, target, ok });
  }
  console.log(`  [${label}] peak RSS (${what}): ${peakMb.toFixed(0)} MB; targets ≤ ${MAX_RATIO}× and < ${MAX_MB} MB: ${all ? 'OK' : 'NOT MET'}`);
  return all;
}

async function prepare(url: string): Promise<number> {
  const h = openDatabase(url);
  await migrateToLatest(h.db);
  const t = performance.now();
  await buildRollupData(h.db);
  // an officer of the province, in the province's group, for the commands through the core
  const at = new Date('2026-01-01T00:00:00Z');
  const officer = await createPerson(h.db, { displayName: 'Cán bộ tỉnh' }, at);
  await addIdentity(h.db, { platform: 'simulator', externalId: 'officer', personId: officer.id, displayName: 'Cán bộ tỉnh' }, at);
  await grantRole(h.db, { personId: officer.id, role: 'officer', unitId: 1, grantedBy: null }, at);
  await upsertLink(h.db, { platform: 'simulator', chatId: 'province', unitId: 1, teamId: null, title: null, linkedBy: null }, at);
  if (isPostgres(h.db)) await sql`analyze`.execute(h.db);
  await h.close();
  return performance.now() - t;
}

function child(url: string, label: string): boolean {
  let ok = true;
  for (const what of ['rollup', 'core']) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--measure', url, label, what], { stdio: 'inherit' });
    ok = r.status === 0 && ok;
  }
  return ok;
}

export async function run(): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-bench-rollup-'));
  let ok = true;
  try {
    const url = `sqlite:${path.join(dir, 'bench.db')}`;
    const ms = await prepare(url);
    console.log(`[${name}] 100,000 villages in 1,000 communes, every village reported (built in ${(ms / 1000).toFixed(1)} s)`);
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
  exitWith(i > 0 ? measure(process.argv[i + 1]!, process.argv[i + 2]!, process.argv[i + 3] === 'core' ? 'core' : 'rollup') : run());
}
