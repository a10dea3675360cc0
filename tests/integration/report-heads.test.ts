/**
 * report_heads and unit_rosters (migration 012) are kept by database triggers: after any sequence of
 * writes — report versions (sent up or not, with text lines or not), teams opened and closed,
 * members joining, leaving and merged — they must equal what a from-scratch reading of reports,
 * teams and memberships says. Random sequences, on SQLite and (npm test) PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { migrations } from '../../migrations';
import { openDatabase, type Db } from '../../src/db';
import { migrateToLatest } from '../../src/db/migrate';
import { addReportVersion } from '../../src/store/reports';
import { createPerson, mergePeople } from '../../src/store/people';
import { addMember, createTeam } from '../../src/store/teams';
import { insertUnit } from '../../src/store/units';
import { freshDatabaseUrl, tempDb } from '../helpers/db';

/** A small deterministic generator (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface HeadRow {
  unit_id: number;
  period: string;
  kind: string;
  latest_id: number;
  latest_version: number;
  first_at: string | null;
  first_late: number | null;
  has_text: number;
  nums: Record<string, number>;
}

async function heads(db: Db, pg: boolean): Promise<HeadRow[]> {
  const nums = pg ? sql`h.nums::text` : sql`json(h.nums)`;
  const { rows } = await sql<Omit<HeadRow, 'nums'> & { nums: string }>`
    select h.unit_id, h.period, h.kind, h.latest_id, h.latest_version, h.first_at, h.first_late, h.has_text, ${nums} as nums
    from report_heads h order by h.unit_id, h.period, h.kind`.execute(db);
  return rows.map((r) => ({ ...r, latest_id: Number(r.latest_id), has_text: Number(r.has_text), first_late: r.first_late === null ? null : Number(r.first_late), nums: JSON.parse(r.nums) as Record<string, number> }));
}

/** The same, read from every version in JavaScript. */
async function headsFromScratch(db: Db): Promise<HeadRow[]> {
  const all = await db.selectFrom('reports').selectAll().orderBy('unit_id').orderBy('period').orderBy('kind').orderBy('version').execute();
  const out = new Map<string, HeadRow>();
  for (const r of all) {
    const k = `${r.unit_id}|${r.period}|${r.kind}`;
    const values = JSON.parse(r.values) as Record<string, unknown>;
    const prev = out.get(k);
    const nums: Record<string, number> = {};
    for (const [key, v] of Object.entries(values)) if (typeof v === 'number') nums[key] = v;
    const first = prev?.first_at ? { first_at: prev.first_at, first_late: prev.first_late } : r.sent_up_at ? { first_at: r.sent_up_at, first_late: r.late } : { first_at: null, first_late: null };
    out.set(k, {
      unit_id: r.unit_id,
      period: r.period,
      kind: r.kind,
      latest_id: r.id,
      latest_version: r.version,
      ...first,
      has_text: Object.values(values).some((v) => typeof v === 'string') ? 1 : 0,
      nums,
    });
  }
  return [...out.values()];
}

async function rosters(db: Db): Promise<{ unit_id: number; teams: number; members: number }[]> {
  const rows = await db.selectFrom('unit_rosters').select(['unit_id', 'teams', 'members']).where((eb) => eb.or([eb('teams', '>', 0), eb('members', '>', 0)])).orderBy('unit_id').execute();
  return rows.map((r) => ({ unit_id: r.unit_id, teams: Number(r.teams), members: Number(r.members) }));
}

async function rostersFromScratch(db: Db): Promise<{ unit_id: number; teams: number; members: number }[]> {
  const teams = await db.selectFrom('teams').selectAll().where('active', '=', 1).execute();
  const members = await db.selectFrom('memberships').selectAll().where('until', 'is', null).execute();
  const out = new Map<number, { teams: number; people: Set<number> }>();
  for (const t of teams) {
    const u = out.get(t.unit_id) ?? { teams: 0, people: new Set<number>() };
    u.teams++;
    for (const m of members) if (m.team_id === t.id) u.people.add(m.person_id);
    out.set(t.unit_id, u);
  }
  return [...out].map(([unit_id, u]) => ({ unit_id, teams: u.teams, members: u.people.size })).sort((a, b) => a.unit_id - b.unit_id);
}

/** Units, people, report versions, teams and memberships written in a random order. */
async function randomWrites(db: Db, seed: number): Promise<void> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const at = new Date('2026-12-01T02:00:00Z');
  const root = await insertUnit(db, { code: 'P', name: 'Tỉnh', level: 'province', kind: 'Tỉnh', parentId: null, profile: 'two-tier-2025' }, at);
  const units: number[] = [];
  for (let i = 0; i < 6; i++) units.push((await insertUnit(db, { code: `V${i}`, name: `Thôn ${i}`, level: 'village', kind: 'thôn', parentId: root.id, profile: 'two-tier-2025' }, at)).id);
  const people: number[] = [];
  for (let i = 0; i < 10; i++) people.push((await createPerson(db, { displayName: `Người ${i}` }, at)).id);
  const teams: number[] = [];
  const memberships: number[] = [];
  for (let step = 0; step < 80; step++) {
    const op = r();
    if (op < 0.4) {
      const values: Record<string, number | string> = {};
      for (const k of ['households_supported', 'vneid_l2', 'difficulties']) {
        const x = r();
        if (x < 0.4) values[k] = Math.floor(r() * 100);
        else if (x < 0.6) values[k] = k === 'difficulties' ? 'Thiếu máy' : 'khoảng 50';
      }
      await addReportVersion(db, {
        unitId: pick(units),
        teamId: null,
        period: pick(['2026-Q4', '2026-11']),
        kind: pick(['periodic', 'adhoc:1']),
        values,
        source: 'own',
        submittedBy: null,
        submittedAt: new Date(at.getTime() + step * 60_000),
        dueAt: null,
        late: r() < 0.3,
        sentUpAt: r() < 0.6 ? new Date(at.getTime() + step * 60_000) : null,
      });
    } else if (op < 0.5 || teams.length === 0) {
      teams.push((await createTeam(db, { unitId: pick(units), name: 'Tổ', kind: 'community' }, at)).id);
    } else if (op < 0.55) {
      await db.updateTable('teams').set({ active: r() < 0.5 ? 0 : 1 }).where('id', '=', pick(teams)).execute();
    } else if (op < 0.8) {
      memberships.push(await addMember(db, { teamId: pick(teams), personId: pick(people), role: 'member' }, at));
    } else if (op < 0.9 && memberships.length) {
      await db.updateTable('memberships').set({ until: at.toISOString() }).where('id', '=', pick(memberships)).execute();
    } else if (op < 0.95 && memberships.length) {
      await db.deleteFrom('memberships').where('id', '=', pick(memberships)).execute();
    } else {
      const [a, b] = [pick(people), pick(people)];
      if (a !== b) {
        await mergePeople(db, a, b);
        people.splice(people.indexOf(b), 1);
      }
    }
  }
}

describe('report heads and unit rosters kept by the database', () => {
  for (const seed of [1, 2, 3]) {
    it(`equal a reading from scratch after random writes (seed ${seed})`, async () => {
      const h = await tempDb();
      const pg = h.dialect === 'postgres';
      try {
        await randomWrites(h.db, seed);
        expect(await heads(h.db, pg)).toEqual(await headsFromScratch(h.db));
        expect(await rosters(h.db)).toEqual(await rostersFromScratch(h.db));
      } finally {
        await h.cleanup();
      }
    });
  }

  it('are carried over from the reports and rosters written before the migration', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-heads-'));
    const fresh = await freshDatabaseUrl(dir);
    const h = openDatabase(fresh.url);
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '012'));
      const old = await new Migrator({ db: h.db, provider: { getMigrations: async () => before } }).migrateToLatest();
      expect(old.error).toBeUndefined();
      await randomWrites(h.db, 7);
      expect(await migrateToLatest(h.db)).toContain('012_report_heads');
      expect(await heads(h.db, h.dialect === 'postgres')).toEqual(await headsFromScratch(h.db));
      expect(await rosters(h.db)).toEqual(await rostersFromScratch(h.db));
    } finally {
      await h.close();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
