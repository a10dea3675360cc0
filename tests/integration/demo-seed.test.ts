import { DEMO_ADMIN_ID, demoRootCode, formatDemoSummary, seedDemo, SIMULATOR } from '../../src/app/demo-seed';
import { getProfile } from '../../src/app/profiles';
import type { Unit } from '../../src/db/schema';
import { levelIndex } from '../../src/domain/profile';
import { grantsOf } from '../../src/store/grants';
import { findIdentity } from '../../src/store/people';
import { roster } from '../../src/store/teams';
import { tempDb } from '../helpers/db';

const AT = new Date('2026-03-01T02:00:00.000Z');
let db: Awaited<ReturnType<typeof tempDb>>;

beforeEach(async () => {
  db = await tempDb();
});
afterEach(async () => {
  await db.cleanup();
});

async function tableCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['units', 'people', 'identities', 'teams', 'memberships', 'role_grants'] as const) {
    const r = await db.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[t] = Number(r.n);
  }
  return out;
}

describe.each([
  ['ca-mau-2023', ['province', 'district', 'commune', 'village']],
  ['two-tier-2025', ['province', 'commune', 'village']],
])('demo seed for %s', (profileId, levelKeys) => {
  it('builds the tree, the teams and the people with their roles', async () => {
    const profile = getProfile(profileId);
    const s = await seedDemo(db.db, profileId, AT);
    expect(s.created).toBe(true);
    expect(Object.keys(s.unitsByLevel)).toEqual(levelKeys);

    const units = await db.db.selectFrom('units').selectAll().execute();
    const byId = new Map(units.map((u) => [u.id, u]));
    const root = byId.get(s.rootId)!;
    expect(root).toMatchObject({ code: demoRootCode(profileId), parent_id: null, level: 'province', profile: profileId });
    expect(s.unitsByLevel.province).toEqual([root.id]);

    // every unit's parent is one level up, and its path is the parent's plus its id
    for (const u of units) {
      expect(u.profile).toBe(profileId);
      if (u.parent_id === null) continue;
      const parent = byId.get(u.parent_id)!;
      expect(levelIndex(profile, u.level)).toBe(levelIndex(profile, parent.level) + 1);
      expect(u.path).toBe(`${parent.path}${u.id}/`);
    }
    const childCounts = (level: string) =>
      s.unitsByLevel[level]!.map((id) => units.filter((u) => u.parent_id === id).length);
    const communeLevel = levelKeys[levelKeys.length - 2]!;
    if (levelKeys.includes('district')) {
      expect(s.unitsByLevel.district).toHaveLength(2);
      for (const n of childCounts('district')) {
        expect(n).toBeGreaterThanOrEqual(2);
        expect(n).toBeLessThanOrEqual(3);
      }
    } else {
      expect(childCounts('province')[0]).toBeGreaterThanOrEqual(2);
    }
    for (const n of childCounts(communeLevel)) {
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
    }
    const villages = s.unitsByLevel.village!.map((id) => byId.get(id)!);
    for (const v of villages) {
      expect(v.households).toBeGreaterThan(0);
      expect(profile.levels[levelKeys.length - 1]!.localNames).toContain(v.kind);
    }

    // teams exactly at the levels the profile has teams, one per unit, with a leader and enough members
    const teamLevels = profile.teams.map((t) => t.level);
    const teamUnits = s.teams.map((t) => byId.get(t.unitId)!);
    expect(new Set(teamUnits.map((u) => u.level))).toEqual(new Set(teamLevels));
    expect(s.teams).toHaveLength(teamLevels.reduce((n, l) => n + s.unitsByLevel[l]!.length, 0));
    for (const t of s.teams) {
      const rule = profile.teams.find((r) => r.level === byId.get(t.unitId)!.level)!;
      expect(t.kind).toBe(rule.kind);
      const members = await roster(db.db, t.id);
      expect(members.filter((m) => m.role === 'leader')).toHaveLength(1);
      expect(members.length).toBeGreaterThanOrEqual(rule.size.min ?? 3);
      if (rule.size.max) expect(members.length).toBeLessThanOrEqual(rule.size.max);
      for (const m of members) expect(m.phone).toMatch(/^\+849\d{8}$/);
    }

    // leaders can be played in the simulator
    expect(s.people.leader).toHaveLength(s.teams.length);
    for (const p of s.people.leader) {
      expect(p.simulatorId).toMatch(/^sim-\d+$/);
      expect((await findIdentity(db.db, SIMULATOR, p.simulatorId!))!.personId).toBe(p.personId);
    }

    // admin, officers everywhere above the villages, approvers at the approval level
    expect(s.people.admin).toHaveLength(1);
    expect(s.people.admin[0]!.simulatorId).toBe(DEMO_ADMIN_ID);
    expect(await grantsOf(db.db, s.people.admin[0]!.personId)).toEqual([
      expect.objectContaining({ role: 'admin', unitId: null }),
    ]);
    const above = levelKeys.slice(0, -1).flatMap((l) => s.unitsByLevel[l]!);
    expect(s.people.officer.map((p) => p.unitId).sort()).toEqual([...above].sort());
    expect(s.people.approver.map((p) => p.unitId).sort()).toEqual([...s.unitsByLevel[profile.approval.level]!].sort());
    for (const p of [...s.people.officer, ...s.people.approver]) {
      expect(p.simulatorId).toMatch(/^sim-\d+$/);
      const grants = await grantsOf(db.db, p.personId);
      expect(grants).toEqual([expect.objectContaining({ role: p.role, unitId: p.unitId })]);
    }
    const simIds = Object.values(s.people).flat().map((p) => p.simulatorId).filter(Boolean);
    expect(new Set(simIds).size).toBe(simIds.length);

    const text = formatDemoSummary(s);
    expect(text).toContain('sim-admin');
    expect(text).toContain(s.people.leader[0]!.name);
  });

  it('is idempotent: a second run writes nothing and returns the same summary', async () => {
    const first = await seedDemo(db.db, profileId, AT);
    const counts = await tableCounts();
    const second = await seedDemo(db.db, profileId, new Date('2026-04-01T00:00:00Z'));
    expect(await tableCounts()).toEqual(counts);
    expect(second).toEqual({ ...first, created: false });
  });
});

it.each(['yen-bai-2022', 'bac-kan-2022', 'soc-trang-2022', 'lai-chau-2022'])('seeds %s too', async (id) => {
  const s = await seedDemo(db.db, id, AT);
  expect(s.teams.length).toBeGreaterThan(0);
  expect(s.people.leader).toHaveLength(s.teams.length);
});

it('seeds two profiles in one database without clashing (shared admin, distinct simulator ids)', async () => {
  const a = await seedDemo(db.db, 'ca-mau-2023', AT);
  const b = await seedDemo(db.db, 'two-tier-2025', AT);
  expect(b.people.admin[0]!.personId).toBe(a.people.admin[0]!.personId);
  const ids = (s: typeof a) => new Set(Object.values(s.people).flat().filter((p) => p.role !== 'admin').map((p) => p.simulatorId).filter(Boolean));
  const overlap = [...ids(a)].filter((x) => ids(b).has(x));
  expect(overlap).toEqual([]);
  const roots = await db.db.selectFrom('units').selectAll().where('parent_id', 'is', null).execute();
  expect(roots.map((u: Unit) => u.code).sort()).toEqual(['demo:ca-mau-2023', 'demo:two-tier-2025']);
});
