/**
 * Benchmark: report ingest through the chat core — a `/baocao` message is parsed, checked and
 * echoed (dialog stored, reply queued), then the leader's "ok" stores the version and queues the
 * confirmation: two events and two transactions per report, on a real SQLite file. Baseline in the
 * same run: the core answering `/trogiup` (routing, identity, dedupe, outbox, no report work).
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
import { exitWith, record } from './common';

export const name = 'report-ingest';
const VILLAGES = 1000;
const REPORTS = 3000;
const TARGET_PER_SECOND = 1000;

async function main(): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-bench-ingest-'));
  try {
    const h = openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
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

    // warm-up, then the baseline
    for (let i = 0; i < 200; i++) await core.handle(event(leaders[i % leaders.length]!, '/trogiup'));
    let t = performance.now();
    for (let i = 0; i < REPORTS; i++) await core.handle(event(leaders[i % leaders.length]!, '/trogiup'));
    const baseMs = performance.now() - t;

    t = performance.now();
    for (let i = 0; i < REPORTS; i++) {
      const who = leaders[i % leaders.length]!;
      await core.handle(event(who, `/baocao\nHo huong dan: ${40 + (i % 50)} ho\nnguoi duoc huong dan ${100 + i % 70}\nVNeID: 30\nSo buoi tuyen truyen: 2\nKho khan: mang yeu`));
      await core.handle(event(who, 'ok'));
    }
    const ingestMs = performance.now() - t;
    const stored = Number((await h.db.selectFrom('reports').select((eb) => eb.fn.countAll().as('c')).executeTakeFirst())!.c);
    await h.close();

    const perSecond = REPORTS / (ingestMs / 1000);
    const basePerSecond = REPORTS / (baseMs / 1000);
    const ok = stored === REPORTS && perSecond >= TARGET_PER_SECOND;
    record({ bench: name, db: 'sqlite', measure: `report ingest, ${REPORTS} reports`, value: perSecond, unit: 'reports/s', baseline: basePerSecond, ratio: ingestMs / baseMs, rssMb: process.resourceUsage().maxRSS / 1024, target: `≥ ${TARGET_PER_SECOND} reports/s`, ok });
    console.log(`[${name}] ${REPORTS} reports from ${VILLAGES} village leaders (2 events each: report + "ok"), ${stored} versions stored`);
    console.log(`  baseline, /trogiup through the core: ${basePerSecond.toFixed(0)} events/s`);
    console.log(`  report ingest (parse, check, store, reply queued): ${perSecond.toFixed(0)} reports/s; one report costs ${(ingestMs / baseMs).toFixed(2)}× a baseline event`);
    console.log(`  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; target ≥ ${TARGET_PER_SECOND} reports/s: ${ok ? 'OK' : 'NOT MET'}`);
    return ok;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const run = main;

if (require.main === module) exitWith(main());
