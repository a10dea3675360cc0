/**
 * The reminder scheduler's rules around the year test: exactly once across runs and app instances on
 * one database file, catching up after downtime (only while the deadline has not passed), quiet
 * hours, the ladder switches, one-off deadlines (the profile's and an admin's), the roll-up-ready
 * notice when the last child reports in chat, the tick on the app's clock (a simulator jump), the CLI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { getProfile } from '../../src/app/profiles';
import { seedDemo, type DemoSummary } from '../../src/app/demo-seed';
import { Reminders, runDue, isLive, latestPerDeadline } from '../../src/app/reminders';
import { storeReport } from '../../src/app/reporting';
import { allPointsBetween, localInstant } from '../../src/domain/calendar';
import { parseProfile, type Profile } from '../../src/domain/profile';
import { buildApp } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { main as cli } from '../../src/cli';
import type { Outgoing } from '../../src/chat/types';
import type { Db } from '../../src/db';
import { upsertLink } from '../../src/store/chats';
import { allOutbox } from '../../src/outbox/store';
import { addOneOff } from '../../src/store/reminders';
import { getUnit } from '../../src/store/units';
import { freshDatabaseUrl, tempDb } from '../helpers/db';
import { groupOf, seed, testApp } from '../helpers/app';

const TZ = 'Asia/Ho_Chi_Minh';
const at = (s: string) => localInstant(s, TZ);

async function linkAll(db: Db, s: DemoSummary, except: number[] = []): Promise<void> {
  for (const id of Object.values(s.unitsByLevel).flat()) {
    if (except.includes(id)) continue;
    await upsertLink(db, { platform: 'simulator', chatId: groupOf(id), unitId: id, teamId: null, title: null, linkedBy: null }, at('2026-01-01'));
  }
}

async function outbox(db: Db): Promise<{ at: string; m: Outgoing }[]> {
  return (await allOutbox(db)).map((r) => ({ at: r.created_at, m: JSON.parse(r.payload) as Outgoing }));
}

async function world(profile: string | Profile = 'ca-mau-2023') {
  const h = await tempDb();
  const s = await seedDemo(h.db, profile, at('2026-01-01'));
  await linkAll(h.db, s);
  return { h, s, db: h.db };
}

describe('exactly once', () => {
  it('a second run, a restart (new service) or a second app instance at the same minute queues nothing again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-rem-'));
    const fresh = await freshDatabaseUrl(dir);
    const url = fresh.url;
    const config = loadConfig({ DATABASE_URL: url, PORT: '0', DEMO_SEED: 'off', SCHEDULER: 'off', LOG_LEVEL: 'silent', SIMULATOR: 'on' }, false);
    const a = await buildApp(config, { log: silentLogger });
    const b = await buildApp(config, { log: silentLogger });
    try {
      const s = await seedDemo(a.handle.db, 'ca-mau-2023', at('2026-12-01'));
      await linkAll(a.handle.db, s);
      const now = at('2026-12-13T08:00');
      const first = await a.scheduler.reminders.runDue(now);
      expect(first.messages).toBeGreaterThan(0);
      expect((await a.scheduler.reminders.runDue(now)).messages).toBe(0);
      expect((await b.scheduler.reminders.runDue(now)).messages).toBe(0);
      expect((await runDue({ db: b.handle.db }, at('2026-12-13T08:01'))).messages).toBe(0);
      // a fresh service that does not know the point was handled plans it and claims nothing
      const again = await new Reminders({ db: b.handle.db }).planPoint(getProfile('ca-mau-2023'), first.points[0]!.plan.point, now);
      expect(again.items.length).toBeGreaterThan(0);
      expect(await new Reminders({ db: b.handle.db }).commit(again, now)).toEqual({ queuedItems: 0, queuedMessages: 0, skippedItems: again.items.length });
      const rows = await allOutbox(a.handle.db);
      expect(rows).toHaveLength(first.messages);
      expect(new Set(rows.map((r) => `${r.chat_id}|${r.payload}`)).size).toBe(rows.length);
    } finally {
      await a.stop();
      await b.stop();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two processes running the same minute on one database file send each reminder once', async () => {
    const { h, s, db } = await world();
    try {
      const env = { ...process.env, DATABASE_URL: h.url, LOG_LEVEL: 'silent' };
      const { spawn } = await import('node:child_process');
      const runOne = () =>
        new Promise<string>((resolve, reject) => {
          const p = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/cli/index.ts', 'reminders', 'run', '--at', '2026-12-16T08:00+07:00'], {
            cwd: path.resolve(__dirname, '../..'),
            env,
          });
          let out = '';
          p.stdout.on('data', (d: Buffer) => (out += d.toString()));
          p.stderr.on('data', (d: Buffer) => (out += d.toString()));
          p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
        });
      const outs = await Promise.all([runOne(), runOne()]);
      const rows = await allOutbox(db);
      const keys = (await db.selectFrom('reminders_sent').select('key').execute()).map((r) => r.key);
      const units = s.unitsByLevel.village!.length;
      expect(rows.length).toBeGreaterThanOrEqual(units);
      expect(new Set(rows.map((r) => r.chat_id + '|' + r.payload)).size).toBe(rows.length);
      expect(keys.filter((k) => k.endsWith('|overdue-0') && /\|\d+\|/.test(k)).length).toBe(units);
      // between them they queued every message exactly once
      const counted = outs.map((o) => Number(/: (\d+) tin nhắn/.exec(o)?.[1] ?? 'NaN'));
      expect(counted[0]! + counted[1]!).toBe(rows.length);
    } finally {
      await h.cleanup();
    }
  }, 60_000);
});

describe('after downtime', () => {
  it('sends the latest missed point while its deadline is ahead, with the days left as of now', async () => {
    const { h, db } = await world();
    try {
      const r = new Reminders({ db });
      // down from the 12th until 10:00 on the 14th: the 13th's reminder goes out on start
      const late = await r.runDue(at('2026-12-14T10:00'));
      expect(late.points.map((p) => p.key)).toEqual(['2026-Q4/village/before-3']);
      const texts = (await outbox(db)).filter((x) => x.m.context).map((x) => x.m.text);
      expect(texts[0]).toContain('còn 2 ngày, hạn trước 00:00 ngày 16/12/2026');
      expect(texts.every((t) => t.includes('còn 2 ngày'))).toBe(true);
    } finally {
      await h.cleanup();
    }
  });

  it('after a longer outage sends only the latest point (earlier ones are superseded), and nothing once the deadline passed', async () => {
    const { h, db } = await world();
    try {
      const r = new Reminders({ db });
      const res = await r.runDue(at('2026-12-15T09:30'));
      expect(res.points.map((p) => p.key)).toEqual(['2026-Q4/village/before-1']);
      expect((await outbox(db)).filter((x) => x.m.context).every((x) => x.m.text.includes('còn 1 ngày'))).toBe(true);

      const { h: h2, db: db2 } = await world();
      try {
        // down over the whole deadline: the before points are past their deadline and the overdue notice was yesterday
        const r2 = new Reminders({ db: db2 });
        expect((await r2.runDue(at('2026-12-17T08:00'))).messages).toBe(0);
        // the overdue notice is caught up on its own day
        const { h: h3, db: db3 } = await world();
        try {
          const r3 = await new Reminders({ db: db3 }).runDue(at('2026-12-16T20:00'));
          expect(r3.points.map((p) => p.key)).toEqual(['2026-Q4/village/overdue-0']);
        } finally {
          await h3.cleanup();
        }
      } finally {
        await h2.cleanup();
      }
    } finally {
      await h.cleanup();
    }
  });

  it('a point missed while down and found in quiet hours (21:30) waits for the next allowed hour (issue 10)', async () => {
    const { h, s, db } = await world();
    try {
      const r = new Reminders({ db });
      // down from before 08:00 on the 16th until 21:30: nothing is written in quiet hours
      expect((await r.runDue(at('2026-12-16T21:30'))).messages).toBe(0);
      expect((await r.runDue(at('2026-12-17T06:59'))).messages).toBe(0);
      expect(await allOutbox(db)).toHaveLength(0);
      // the first tick after quiet hours sends the deferred overdue notice, once
      const res = await r.runDue(at('2026-12-17T07:00'));
      expect(res.points.map((p) => p.key)).toEqual(['2026-Q4/village/overdue-0']);
      expect((await r.runDue(at('2026-12-17T07:01'))).messages).toBe(0);
      const rows = await outbox(db);
      expect(new Set(rows.map((x) => x.at))).toEqual(new Set([at('2026-12-17T07:00').toISOString()]));
      const v = s.unitsByLevel.village![0]!;
      expect(rows.find((x) => x.m.chat.id === groupOf(v))!.m.text).toContain('đã quá hạn (hạn trước 00:00 ngày 16/12/2026)');
      // a restart after that hour has passed drops it as a day late
      const { h: h2, db: db2 } = await world();
      try {
        expect((await new Reminders({ db: db2 }).runDue(at('2026-12-17T08:00'))).messages).toBe(0);
      } finally {
        await h2.cleanup();
      }
    } finally {
      await h.cleanup();
    }
  });

  it('liveness and supersession rules', () => {
    const p = getProfile('ca-mau-2023');
    const pts = allPointsBetween(p, at('2026-12-01'), at('2026-12-31')).filter((x) => x.level === 'village');
    const [b3, b1, o0] = pts;
    expect(pts.map((x) => x.point.id)).toEqual(['before-3', 'before-1', 'overdue-0']);
    expect(isLive(b3!, at('2026-12-15T23:59'), TZ)).toBe(true);
    expect(isLive(b3!, at('2026-12-16T00:00'), TZ)).toBe(false);
    expect(isLive(o0!, at('2026-12-16T23:00'), TZ)).toBe(true);
    expect(isLive(o0!, at('2026-12-17T00:00'), TZ)).toBe(false);
    expect(latestPerDeadline([b3!, b1!]).map((x) => x.point.id)).toEqual(['before-1']);
  });
});

describe('reminders never promise what the bot would refuse (issue 10)', () => {
  async function villagesOf(db: Db, commune: number, s: DemoSummary): Promise<number[]> {
    const out: number[] = [];
    for (const id of s.unitsByLevel.village!) if ((await getUnit(db, id))!.parent_id === commune) out.push(id);
    return out;
  }

  it('after the commune sent up: the village hears its report is taken after the roll-up and the commune told; a village with no leader is listed apart and not escalated', async () => {
    const { h, s, db } = await world();
    try {
      const commune = s.unitsByLevel.commune![0]!;
      const cname = (await getUnit(db, commune))!.name;
      const [v1, v2, ...rest] = await villagesOf(db, commune, s);
      // the commune sent its Q4 roll-up up with its villages missing
      await db
        .insertInto('reports')
        .values({ unit_id: commune, team_id: null, period: '2026-Q4', kind: 'periodic', version: 1, values: '{}', source: 'rollup', submitted_by: null, submitted_at: at('2026-12-12').toISOString(), due_at: null, late: 0, sent_up_at: at('2026-12-12').toISOString() })
        .execute();
      // v2's leader left: nobody can answer for it
      const team = await db.selectFrom('teams').select('id').where('unit_id', '=', v2!).where('active', '=', 1).executeTakeFirstOrThrow();
      await db.updateTable('memberships').set({ until: at('2026-12-01').toISOString() }).where('team_id', '=', team.id).where('role', 'in', ['leader', 'deputy']).execute();
      const v2name = (await getUnit(db, v2!))!.name;

      const r = new Reminders({ db });
      await r.runDue(at('2026-12-13T08:00'));
      let rows = await outbox(db);
      expect(rows.find((x) => x.m.chat.id === groupOf(v1!))!.m.text).toContain(
        `${cname} đã gửi báo cáo tổng hợp lên cấp trên; báo cáo gửi bây giờ vẫn được nhận, ghi là gửi sau tổng hợp, và ${cname} sẽ được báo để gửi bản cập nhật.`,
      );

      await r.runDue(at('2026-12-16T08:00'));
      rows = (await outbox(db)).filter((x) => x.at === at('2026-12-16T08:00').toISOString());
      const v1text = rows.find((x) => x.m.chat.id === groupOf(v1!))!.m.text;
      expect(v1text).toContain(`Vẫn gửi được ngay bây giờ: báo cáo sẽ được ghi nhận là nộp muộn, sau khi ${cname} đã gửi tổng hợp lên cấp trên, và ${cname} sẽ được báo để gửi bản cập nhật.`);
      expect(v1text).not.toContain('Vẫn gửi được ngay bây giờ; báo cáo sẽ được ghi nhận là nộp muộn.');
      // v2's group still hears (nobody named), but the chairman is not asked to chase a team with no leader
      expect(rows.find((x) => x.m.chat.id === groupOf(v2!))!.m.text).toContain(`${v2name} chưa gửi báo cáo, đã quá hạn`);
      const toCommune = rows.filter((x) => x.m.chat.id === groupOf(commune));
      expect(toCommune).toHaveLength(1);
      const lines = toCommune[0]!.m.text.split('\n');
      expect(lines).toContain(`⚠️ Chưa có tổ trưởng để nhận nhắc và gửi báo cáo: ${v2name}. Cần cử tổ trưởng cho các tổ này; các đơn vị này không được báo lên Chủ tịch.`);
      const names = await Promise.all([v1!, ...rest].map(async (id) => (await getUnit(db, id))!.name));
      const chairman = lines.at(-1)!;
      expect(chairman).toMatch(/^Kính gửi .+: đề nghị đôn đốc /);
      expect(chairman).toContain(`đề nghị đôn đốc ${names.join('; ')} gửi báo cáo.`);
      expect(chairman).not.toContain(v2name);
    } finally {
      await h.cleanup();
    }
  });

  it('no escalation at all when no missing unit has anyone who can act', async () => {
    const { h, s, db } = await world();
    try {
      const commune = s.unitsByLevel.commune![0]!;
      const villages = await villagesOf(db, commune, s);
      const teams = await db.selectFrom('teams').select('id').where('unit_id', 'in', villages).execute();
      await db.updateTable('memberships').set({ until: at('2026-12-01').toISOString() }).where('team_id', 'in', teams.map((t) => t.id)).where('role', 'in', ['leader', 'deputy']).execute();
      await new Reminders({ db }).runDue(at('2026-12-16T08:00'));
      const toCommune = (await outbox(db)).filter((x) => x.m.chat.id === groupOf(commune));
      expect(toCommune).toHaveLength(1);
      expect(toCommune[0]!.m.text).toContain('⚠️ Chưa có tổ trưởng để nhận nhắc và gửi báo cáo:');
      expect(toCommune[0]!.m.text).not.toContain('Kính gửi');
    } finally {
      await h.cleanup();
    }
  });
});

describe('profile settings', () => {
  function variant(id: string, patch: (raw: Record<string, any>) => void): Profile {
    const base = JSON.parse(JSON.stringify(getProfile('two-tier-2025'))) as Record<string, any>;
    base.id = id;
    patch(base);
    return parseProfile(id, base);
  }

  it('quiet hours: an evening hour moves to the end of quiet hours, and nothing is written between 21:00 and 07:00', async () => {
    const profile = variant('late-evening', (p) => {
      p.reporting.reminders.hour = '22:30';
    });
    const { h, db } = await world(profile);
    try {
      const r = new Reminders({ db, profile: () => profile });
      for (let t = at('2026-12-01').getTime(); t < at('2026-12-31').getTime(); t += 15 * 60_000) await r.runDue(new Date(t));
      const times = [...new Set((await outbox(db)).map((x) => x.at))].sort();
      // village ("before day 16"): before-3 on the 13th at 22:30 → 07:00 on the 14th; before-1 on the 15th at 22:30 would
      // land at 07:00 on the 16th, after the deadline: dropped; overdue-0 on the 16th at 22:30 → 07:00 on the 17th.
      // commune ("before day 21"): the 19th and the 22nd at 07:00 likewise
      expect(times).toEqual(['2026-12-14T07:00', '2026-12-17T07:00', '2026-12-19T07:00', '2026-12-22T07:00'].map((x) => at(x).toISOString()));
      for (const t of times) {
        const hh = Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hour12: false, timeZone: TZ }).format(new Date(t)));
        expect(hh >= 7 && hh < 21).toBe(true);
      }
    } finally {
      await h.cleanup();
    }
  });

  it('the ladder: each step can be switched off', async () => {
    const onlyParent = variant('only-parent', (p) => {
      p.reporting.reminders.ladder = { privateMessage: false, group: false, parentProgress: true, approverAfterDeadline: false };
    });
    const { h, s, db } = await world(onlyParent);
    try {
      const r = new Reminders({ db, profile: () => onlyParent });
      await r.runDue(at('2026-12-13T08:00'));
      await r.runDue(at('2026-12-16T08:00'));
      const rows = await outbox(db);
      expect(rows.length).toBeGreaterThan(0);
      const communes = new Set(s.unitsByLevel.commune!.map((id) => groupOf(id)));
      expect(rows.every((x) => communes.has(x.m.chat.id) && !x.m.context)).toBe(true);
      expect(rows.some((x) => /Kính gửi/.test(x.m.text))).toBe(false);
    } finally {
      await h.cleanup();
    }
  });

  it('the deputy is named with the leader where the profile lets deputies act as leaders', async () => {
    const withDeputy = variant('with-deputy', (p) => {
      const rule = p.teams.find((t: { level: string }) => t.level === 'village');
      rule.deputy = { max: 1, actsAsLeader: true };
    });
    const { h, s, db } = await world(withDeputy);
    try {
      await new Reminders({ db, profile: () => withDeputy }).runDue(at('2026-12-13T08:00'));
      const v = s.unitsByLevel.village![0]!;
      const deputy = s.people.deputy.find((p) => p.unitId === v)!;
      const leader = s.people.leader.find((p) => p.unitId === v)!;
      const msg = (await outbox(db)).find((x) => x.m.chat.id === groupOf(v))!;
      expect(msg.m.text).toContain(`Tổ trưởng ${leader.name}, ${deputy.name}`);
    } finally {
      await h.cleanup();
    }
  });
});

describe('one-off deadlines', () => {
  it("Cà Mau's member lists (15/9, 25/9, 1/10/2023) and an admin's one-off go through the same machinery", async () => {
    const { h, s, db } = await world();
    try {
      await addOneOff(db, 'ca-mau-2023', { id: 'bc-dot-xuat', level: 'commune', title: { vi: 'Báo cáo đột xuất về chuyển đổi số', en: 'Ad-hoc report' }, dueLocal: '2023-10-10T24:00', source: 'test' }, at('2023-09-01'));
      const r = new Reminders({ db });
      const sent: string[] = [];
      for (let t = at('2023-09-01').getTime(); t < at('2023-10-15').getTime(); t += 3_600_000) {
        for (const p of (await r.runDue(new Date(t))).points) sent.push(`${p.key}@${new Date(t).toISOString()}`);
      }
      const oneoffs = sent.filter((k) => k.startsWith('oneoff/'));
      expect(oneoffs).toEqual(
        expect.arrayContaining([
          `oneoff/ds-thanh-vien-xa/before-3@${at('2023-09-13T08:00').toISOString()}`,
          `oneoff/ds-thanh-vien-xa/before-1@${at('2023-09-15T08:00').toISOString()}`,
          `oneoff/ds-thanh-vien-xa/overdue-0@${at('2023-09-16T08:00').toISOString()}`,
          `oneoff/ds-thanh-vien-huyen/before-1@${at('2023-09-25T08:00').toISOString()}`,
          `oneoff/ds-thanh-vien-tinh/before-1@${at('2023-09-30T08:00').toISOString()}`,
          `oneoff/bc-dot-xuat/before-3@${at('2023-10-08T08:00').toISOString()}`,
        ]),
      );
      const rows = await outbox(db);
      const commune = s.unitsByLevel.commune![0]!;
      const toCommune = rows.filter((x) => x.m.chat.id === groupOf(commune) && x.m.text.includes('Danh sách thành viên'));
      expect(toCommune[0]!.m.text).toContain('Danh sách thành viên Tổ CNSCĐ ấp/khóm (xã gửi huyện)');
      expect(toCommune[0]!.m.text).toContain('còn 3 ngày, hạn trước 00:00 ngày 16/09/2023');
      expect(toCommune[0]!.m.text).toContain('Gửi báo cáo này cho Huyện');
      expect(toCommune[0]!.m.context).toBeUndefined();
      expect(rows.some((x) => x.m.text.includes('Báo cáo đột xuất về chuyển đổi số'))).toBe(true);

      // a commune that sent its list (a report of kind oneoff:<id>) is not reminded again
      const u = (await getUnit(db, commune))!;
      const { h: h2, db: db2, s: s2 } = await world();
      try {
        const c2 = s2.unitsByLevel.commune![0]!;
        await db2
          .insertInto('reports')
          .values({ unit_id: c2, team_id: null, period: 'oneoff:ds-thanh-vien-xa', kind: 'oneoff:ds-thanh-vien-xa', version: 1, values: '{}', source: 'own', submitted_by: null, submitted_at: at('2023-09-14').toISOString(), due_at: null, late: 0, sent_up_at: at('2023-09-14').toISOString() })
          .execute();
        await new Reminders({ db: db2 }).runDue(at('2023-09-15T08:00'));
        const rows2 = await outbox(db2);
        const lists = rows2.filter((x) => x.m.text.includes('Danh sách thành viên Tổ CNSCĐ ấp/khóm'));
        expect(lists.some((x) => x.m.chat.id === groupOf(c2))).toBe(false);
        expect(lists.some((x) => x.m.chat.id === groupOf(s2.unitsByLevel.commune![1]!))).toBe(true);
        expect(u.name).toBeTruthy();
      } finally {
        await h2.cleanup();
      }
    } finally {
      await h.cleanup();
    }
  }, 30_000);
});

describe('in the app', () => {
  it('tells the parent group once, at once, when the last child reports in chat', async () => {
    const app = await testApp({}, '2026-12-10T09:00:00+07:00');
    try {
      const s = await seed(app, 'ca-mau-2023');
      await linkAll(app.handle.db, s);
      const commune = s.unitsByLevel.commune![0]!;
      const villages: number[] = [];
      for (const id of s.unitsByLevel.village!) if ((await getUnit(app.handle.db, id))!.parent_id === commune) villages.push(id);
      const sim = app.simulator!;
      const ready = () => sim.messages(groupOf(commune)).filter((m) => m.text.includes('đã sẵn sàng'));
      for (const [i, v] of villages.entries()) {
        const leader = s.people.leader.find((p) => p.unitId === v && p.simulatorId)!.simulatorId!;
        await sim.say(groupOf(v), leader, `/baocao\nHo huong dan: ${10 + i}\nnguoi duoc huong dan: ${20 + i}`);
        await sim.say(groupOf(v), leader, 'ok');
        if (i < villages.length - 1) expect(ready()).toHaveLength(0);
      }
      await app.drainer.idle();
      expect(ready()).toHaveLength(1);
      expect(ready()[0]!.text).toContain(`${villages.length}/${villages.length} ấp đã báo cáo quý 4/2026`);
      expect(ready()[0]!.text).toContain('/guilen');
      // an amendment does not repeat it
      const v0 = villages[0]!;
      const l0 = s.people.leader.find((p) => p.unitId === v0 && p.simulatorId)!.simulatorId!;
      await sim.say(groupOf(v0), l0, '/baocao\nHo huong dan: 99\nnguoi duoc huong dan: 120');
      await sim.say(groupOf(v0), l0, 'ok');
      await app.drainer.idle();
      expect(ready()).toHaveLength(1);
      // and a reminder at the next point skips the commune's villages
      const res = await app.scheduler.reminders.runDue(at('2026-12-13T08:00'));
      expect(res.points[0]!.plan.items.some((i) => villages.includes(i.unitId))).toBe(false);
    } finally {
      await app.cleanup();
    }
  });

  it('the tick runs on the app clock: a simulator clock jump makes the next tick send the due points', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-rem-'));
    const fresh = await freshDatabaseUrl(dir);
    const config = loadConfig({ DATABASE_URL: fresh.url, PORT: '0', DEMO_SEED: 'off', SCHEDULER: 'off', LOG_LEVEL: 'silent', SIMULATOR: 'on' }, false);
    const app = await buildApp(config, { log: silentLogger, pollMs: 50 });
    try {
      const s = await seedDemo(app.handle.db, 'ca-mau-2023', app.clock.now());
      await linkAll(app.handle.db, s);
      await request(app.web).post('/sim/api/clock').send({ at: '2026-12-13T08:00:30+07:00' }).expect(200);
      const r = await app.scheduler.tick();
      expect(r!.points.map((p) => p.key)).toEqual(['2026-Q4/village/before-3']);
      await app.drainer.drainAll();
      const v = s.unitsByLevel.village![0]!;
      const shown = app.simulator!.messages(groupOf(v)).filter((m) => m.from.bot);
      expect(shown.at(-1)!.text).toContain('còn 3 ngày, hạn trước 00:00 ngày 16/12/2026');
    } finally {
      await app.stop();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts and stops the cron with the app when SCHEDULER=on (one tick at start)', async () => {
    const app = await testApp({ SCHEDULER: 'on' }, '2026-12-13T08:00:00+07:00');
    try {
      const s = await seed(app, 'ca-mau-2023');
      await linkAll(app.handle.db, s);
      await app.start();
      expect(app.scheduler.started).toBe(true);
      for (let i = 0; i < 50 && (await allOutbox(app.handle.db)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await allOutbox(app.handle.db)).length).toBeGreaterThan(0);
    } finally {
      await app.cleanup();
    }
    expect(app.scheduler.started).toBe(false);
  });
});

describe('CLI', () => {
  it('plan prints what would be sent when, to which chat; run --dry-run writes nothing; run queues once', async () => {
    const { h, db } = await world();
    try {
      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => out.push('ERR ' + l) };
      const env = { DATABASE_URL: h.url, LOG_LEVEL: 'silent' };
      expect(await cli(['reminders', 'plan', '--from', '2026-12-01', '--to', '2026-12-31', '--limit', '3'], { io, env })).toBe(0);
      expect(out[0]).toMatch(/^2026-12-13 08:00 {2}ca-mau-2023 {2}2026-Q4 · village · before-3 \(hạn\/due 2026-12-16 00:00\): \d+\/\d+ chưa báo cáo/);
      expect(out.some((l) => /→ simulator:g\d+ \[nhóm\/group\] ⏰ Nhắc báo cáo quý 4\/2026 — /.test(l))).toBe(true);
      expect(out.some((l) => l.startsWith('2026-12-26 08:00  ca-mau-2023  2026-Q4 · district · overdue-0'))).toBe(true);

      out.length = 0;
      expect(await cli(['reminders', 'run', '--at', '2026-12-13T08:00+07:00', '--dry-run'], { io, env })).toBe(0);
      expect(out[0]).toContain('Chạy thử');
      expect(await allOutbox(db)).toHaveLength(0);
      out.length = 0;
      expect(await cli(['reminders', 'run', '--at', '2026-12-13T08:00'], { io, env })).toBe(0);
      const n = (await allOutbox(db)).length;
      expect(n).toBeGreaterThan(0);
      expect(out[0]).toContain(`${n} tin nhắn`);
      expect(await cli(['reminders', 'run', '--at', '2026-12-13T08:05+07:00'], { io, env })).toBe(0);
      expect(await allOutbox(db)).toHaveLength(n);

      out.length = 0;
      expect(await cli(['reminders', 'oneoff-add', '--profile', 'ca-mau-2023', '--id', 'x1', '--level', 'nope', '--due', '2026-12-20T24:00', '--title', 'X'], { io, env })).toBe(2);
      expect(await cli(['reminders', 'oneoff-add', '--profile', 'ca-mau-2023', '--id', 'x1', '--level', 'commune', '--due', '2026-12-20T24:00', '--title', 'X'], { io, env })).toBe(0);
      expect(await cli(['reminders', 'oneoff-add', '--profile', 'ca-mau-2023', '--id', 'x1', '--level', 'commune', '--due', '2026-12-20T24:00', '--title', 'X'], { io, env })).toBe(1);
      out.length = 0;
      expect(await cli(['reminders', 'plan', '--from', '2026-12-18', '--to', '2026-12-18', '--summary'], { io, env })).toBe(0);
      expect(out.some((l) => l.includes('oneoff:x1 · commune · before-3'))).toBe(true);
      expect(await cli(['reminders', 'oneoff-remove', '--profile', 'ca-mau-2023', '--id', 'x1'], { io, env })).toBe(0);
    } finally {
      await h.cleanup();
    }
  }, 30_000);
});
