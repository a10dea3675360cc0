/**
 * Benchmark: report ingest through the chat core — a `/baocao` message is parsed, checked and
 * echoed (dialog stored, reply queued), then the leader's "ok" stores the version and queues the
 * confirmation: two events and two transactions per report. Baseline in the same run: the core
 * answering `/trogiup` (routing, identity, dedupe, outbox, no report work).
 * What is judged is the ratio — one report's cost in baseline events — which the machine's speed
 * and load cancel out of; reports/s is printed and recorded, but depends on the machine.
 * Reproducible: a warm-up of both, then ROUNDS rounds of REPORTS each, the baseline and the ingest
 * interleaved in tenths within a round; the median round's ratio is judged. SQLite always (a real file); PostgreSQL too when BENCH_DATABASE_URL
 * names a server (a scratch database is created and dropped).
 * Run alone with `npx tsx bench/report-ingest.ts` (or `npm run bench -- report-ingest`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getProfile } from '../src/app/profiles';
import { createChatCore } from '../src/chat';
import type { MessageEvent } from '../src/chat/types';
import { ManualClock } from '../src/clock';
import { openDatabase } from '../src/db';
import { migrateToLatest } from '../src/db/migrate';
import { silentLogger } from '../src/logger';
import { upsertLink } from '../src/store/chats';
import { addIdentity, createPerson } from '../src/store/people';
import { addMember, createTeam } from '../src/store/teams';
import { insertUnit } from '../src/store/units';
import { exitWith, onScratchPostgres, record } from './common';

export const name = 'report-ingest';
const VILLAGES = 1000;
const REPORTS = Number(process.env.BENCH_INGEST_REPORTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 5);
/** one report (two events: the report and "ok", each parsed, checked and stored) costs at most this many /trogiup events */
const MAX_RATIO = 8;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(url: string, label: string): Promise<boolean> {
  const h = openDatabase(url);
  try {
    await migrateToLatest(h.db);
    const clock = new ManualClock('2026-12-10T09:00:00+07:00');
    const at = clock.now();
    const profile = getProfile('two-tier-2025');
    const leaders: string[] = [];
    await h.db.transaction().execute(async (db) => {
      const root = await insertUnit(db, { code: 'B', name: 'Tỉnh Thử', level: 'province', kind: 'Tỉnh', parentId: null, profile: profile.id }, at);
      for (let c = 0; c < VILLAGES / 100; c++) {
        const commune = await insertUnit(db, { code: `B.${c}`, name: `Xã Thử ${c}`, level: 'commune', kind: 'Xã', parentId: root.id, profile: profile.id }, at);
        for (let v = 0; v < 100; v++) {
          const village = await insertUnit(
            db,
            { code: `B.${c}.${v}`, name: `Thôn ${c}-${v}`, level: 'village', kind: 'thôn', parentId: commune.id, profile: profile.id, households: 300 },
            at,
          );
          const team = await createTeam(db, { unitId: village.id, name: `Tổ ${village.name}`, kind: 'community' }, at);
          const p = await createPerson(db, { displayName: `Trưởng thôn ${c}-${v}` }, at);
          const uid = `L${c}-${v}`;
          await addIdentity(db, { platform: 'simulator', externalId: uid, personId: p.id, displayName: p.display_name }, at);
          await addMember(db, { teamId: team.id, personId: p.id, role: 'leader' }, at);
          await upsertLink(db, { platform: 'simulator', chatId: `g${village.id}`, unitId: village.id, teamId: team.id, title: null, linkedBy: null }, at);
          leaders.push(`${uid}|g${village.id}`);
        }
      }
    });
    const core = createChatCore({ db: h.db, clock, log: silentLogger, profile: getProfile, defaultLocale: 'vi' });
    let n = 0;
    const event = (who: string, text: string): MessageEvent => {
      const [user, chat] = who.split('|') as [string, string];
      n++;
      return { type: 'message', platform: 'simulator', eventId: `e${n}`, chat: { id: chat, kind: 'group' }, sender: { id: user, displayName: user }, messageId: `m${n}`, text, at: clock.now() };
    };
    let helpNo = 0;
    const baseline = async (count: number): Promise<number> => {
      const t = performance.now();
      // every leader in turn, as the reports go
      for (let i = 0; i < count; i++) await core.handle(event(leaders[helpNo++ % leaders.length]!, '/trogiup'));
      return performance.now() - t;
    };
    let reportNo = 0;
    const ingest = async (count: number): Promise<number> => {
      const t = performance.now();
      for (let i = 0; i < count; i++) {
        const who = leaders[reportNo % leaders.length]!;
        const k = reportNo++;
        await core.handle(event(who, `/baocao\nHo huong dan: ${40 + (k % 50)} ho\nnguoi duoc huong dan ${100 + (k % 70)}\nVNeID: 30\nSo buoi tuyen truyen: 2\nKho khan: mang yeu`));
        await core.handle(event(who, 'ok'));
      }
      return performance.now() - t;
    };

    // warm-up of both (JIT, statement caches, page cache), then rounds alternating
    await baseline(Math.min(300, REPORTS));
    await ingest(Math.min(300, REPORTS));
    const warmReports = reportNo;
    // each round interleaves the two in tenths, so a change in the machine's speed during the
    // round weighs on both alike; a round's ratio is its ingest time over its baseline time
    const base: number[] = [];
    const mine: number[] = [];
    const ratios: number[] = [];
    const chunk = Math.max(1, Math.floor(REPORTS / 10));
    for (let r = 0; r < ROUNDS; r++) {
      let b = 0;
      let m = 0;
      for (let done = 0; done < REPORTS; done += chunk) {
        const n = Math.min(chunk, REPORTS - done);
        b += await baseline(n);
        m += await ingest(n);
      }
      base.push(b);
      mine.push(m);
      ratios.push(m / b);
    }
    const stored = Number((await h.db.selectFrom('reports').select((eb) => eb.fn.countAll().as('c')).executeTakeFirst())!.c);
    const peakMb = process.resourceUsage().maxRSS / 1024;

    const baseMs = median(base);
    const ingestMs = median(mine);
    const perSecond = REPORTS / (ingestMs / 1000);
    const basePerSecond = REPORTS / (baseMs / 1000);
    const ratio = median(ratios);
    const expected = warmReports + ROUNDS * REPORTS;
    const ok = stored === expected && ratio <= MAX_RATIO;
    const rounds = (xs: number[]) => xs.map((ms) => (REPORTS / (ms / 1000)).toFixed(0)).join(', ');
    console.log(`  [${label}] ${stored} report versions stored (expected ${expected})`);
    console.log(`  [${label}] baseline, /trogiup through the core: ${basePerSecond.toFixed(0)} events/s (rounds ${rounds(base)})`);
    console.log(`  [${label}] report ingest (parse, check, store, reply queued): ${perSecond.toFixed(0)} reports/s (rounds ${rounds(mine)})`);
    console.log(`  [${label}] one report costs ${ratio.toFixed(2)}× a baseline event (rounds ${ratios.map((x) => x.toFixed(2)).join(', ')}); peak RSS ${peakMb.toFixed(0)} MB; target ≤ ${MAX_RATIO}×: ${ok ? 'OK' : 'NOT MET'}`);
    record({ bench: name, db: label, measure: `report ingest, ${REPORTS} reports × ${ROUNDS} rounds (cost of one report in /trogiup events)`, value: perSecond, unit: 'reports/s', baseline: basePerSecond, ratio, rssMb: peakMb, target: `≤ ${MAX_RATIO}× a /trogiup event`, ok });
    return ok;
  } finally {
    await h.close();
  }
}

export async function run(): Promise<boolean> {
  console.log(`[${name}] ${REPORTS} reports a round from ${VILLAGES} village leaders (2 events each: report + "ok"), ${ROUNDS} rounds after a warm-up`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-bench-ingest-'));
  let ok = true;
  try {
    ok = (await measure(`sqlite:${path.join(dir, 'bench.db')}`, 'sqlite')) && ok;
    ok = (await onScratchPostgres(name, (url) => measure(url, 'postgres'))) && ok;
    return ok;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) exitWith(run());
