/**
 * Roll-ups computed by the database equal, rule for rule, the roll-up of every unit's own report:
 * random trees of the four-level Yên Bái profile and of today's two-tier one (teams or not, reports
 * with several versions, late, missing keys, text, units without households), compared with the
 * reference below — the previous in-memory roll-up, kept here verbatim — on the whole result but
 * the missing and late lists, which hold the first LIST_LIMIT units by place.
 */
import fc from 'fast-check';
import type { Db } from '../../src/db';
import type { Unit } from '../../src/db/schema';
import { getProfile } from '../../src/app/profiles';
import { buildRollup, LIST_LIMIT, ROSTER_KEYS, statusOf } from '../../src/app/rollups';
import { PERIODIC } from '../../src/app/reporting';
import { dueAt, periodKey, type Period } from '../../src/domain/calendar';
import { resolveIndicators } from '../../src/domain/indicators';
import { dueFor, teamRuleFor, type Profile } from '../../src/domain/profile';
import { comparePlaces, rollup, type Completeness, type RollupChild, type RollupResult } from '../../src/domain/rollup';
import { latestReports } from '../../src/store/reports';
import { subtree } from '../../src/store/units';
import { tempDb } from '../helpers/db';

type H = Awaited<ReturnType<typeof tempDb>>;
let h: H;
beforeAll(async () => {
  h = await tempDb();
});
afterAll(() => h.cleanup());

interface RosterCount {
  teams: number;
  members: number;
}

async function rosterCounts(db: Db, ids: number[]): Promise<Map<number, RosterCount>> {
  const out = new Map<number, RosterCount>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const [teams, members] = await Promise.all([
      db
        .selectFrom('teams')
        .select(['unit_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('unit_id', 'in', chunk)
        .where('active', '=', 1)
        .groupBy('unit_id')
        .execute(),
      db
        .selectFrom('memberships as m')
        .innerJoin('teams as t', 't.id', 'm.team_id')
        .select(['t.unit_id', (eb) => eb.fn.count<number>('m.person_id').distinct().as('n')])
        .where('t.unit_id', 'in', chunk)
        .where('t.active', '=', 1)
        .where('m.until', 'is', null)
        .groupBy('t.unit_id')
        .execute(),
    ]);
    for (const r of teams) out.set(r.unit_id, { teams: Number(r.n), members: 0 });
    for (const r of members) {
      const c = out.get(r.unit_id);
      if (c) c.members = Number(r.n);
    }
  }
  return out;
}

async function referenceRollup(db: Db, profile: Profile, root: Unit, period: Period): Promise<RollupResult> {
  const units = await subtree(db, root);
  const ids = units.map((u) => u.id);
  const [reports, roster] = await Promise.all([latestReports(db, ids, periodKey(period), PERIODIC), rosterCounts(db, ids)]);
  const kids = new Map<number, Unit[]>();
  for (const u of units) {
    if (u.parent_id === null || u.id === root.id) continue;
    const list = kids.get(u.parent_id) ?? [];
    list.push(u);
    kids.set(u.parent_id, list);
  }
  const indicators = resolveIndicators(profile.indicators);
  const rank = (indicators.find((i) => i.key === 'households_supported') ?? indicators.find((i) => i.type === 'count' && !i.reference))?.key;
  const attributes = (u: Unit) => (u.households !== null ? { households_total: u.households } : undefined);
  // what the registers say about a unit: households from the unit list, teams and members from the roster
  const registry = (u: Unit): Record<string, number> | undefined => {
    const r: Record<string, number> = {};
    if (u.households !== null) r.households_total = u.households;
    if (teamRuleFor(profile, u.level) || roster.has(u.id)) {
      const c = roster.get(u.id);
      r.team_count = c?.teams ?? 0;
      r.member_count = c?.members ?? 0;
    }
    return Object.keys(r).length ? r : undefined;
  };
  const expectedOf = (c: Unit) => !!dueFor(profile, c.level) && (teamRuleFor(profile, c.level) ? (roster.get(c.id)?.teams ?? 0) > 0 : true);

  const compute = (u: Unit): RollupResult => {
    const children: RollupChild[] = (kids.get(u.id) ?? []).map((c) => {
      const rep = reports.get(c.id);
      const reports_ = !!dueFor(profile, c.level);
      const attrs = attributes(c);
      const reg = registry(c);
      return {
        unitId: String(c.id),
        name: c.name,
        level: c.level,
        ...(c.kind ? { kind: c.kind } : {}),
        status: reports_ ? statusOf(profile, c, period, rep) : 'missing',
        expected: expectedOf(c),
        values: kids.has(c.id) ? compute(c) : rep?.values,
        ...(attrs ? { attributes: attrs } : {}),
        ...(reg && !kids.has(c.id) ? { registry: reg } : {}),
      };
    });
    const own = reports.get(u.id)?.own;
    const attrs = attributes(u);
    const reg = registry(u);
    return rollup(children, {
      indicators,
      ...(own || attrs || reg
        ? {
            own: {
              unitId: String(u.id),
              name: u.name,
              ...(own ? { values: own.values } : {}),
              ...(attrs ? { attributes: attrs } : {}),
              ...(reg ? { registry: reg } : {}),
            },
          }
        : {}),
      registryKeys: ROSTER_KEYS,
      ...(rank ? { rankBy: { key: rank } } : {}),
    });
  };

  return compute(root);
}

const PERIOD: Period = { cycle: 'quarter', year: 2026, index: 4 };
const AT = '2026-01-01T00:00:00.000Z';
let nextId = 1_000;
let nextPerson = 1_000;

interface VillageSpec {
  team: number; // 0 none, 1 one, 2 two teams
  members: number;
  households: number | null;
  kind: string | null;
  versions: { values: Record<string, number | string>; sentUp: boolean; late: boolean; day: number }[];
}
interface CommuneSpec {
  villages: VillageSpec[];
  team: boolean;
  own?: Record<string, number | string>;
}

async function insertUnit(db: Db, level: string, name: string, parent: Unit | null, profile: string, kind: string | null, households: number | null): Promise<Unit> {
  const id = nextId++;
  const row = { id, code: `t${id}`, name, short_name: name, search_name: name.toLowerCase(), level, kind, parent_id: parent?.id ?? null, path: `${parent?.path ?? '/'}${id}/`, profile, households, active: 1, created_at: AT };
  await db.insertInto('units').values(row).execute();
  return row as Unit;
}

async function addTeam(db: Db, unit: Unit, members: number, sharedPerson?: number): Promise<void> {
  const team = await db.insertInto('teams').values({ unit_id: unit.id, name: `Tổ ${unit.id}`, kind: 'community', active: 1, created_at: AT }).returning('id').executeTakeFirstOrThrow();
  for (let i = 0; i < members; i++) {
    const pid = i === 0 && sharedPerson ? sharedPerson : nextPerson++;
    if (!(i === 0 && sharedPerson)) await db.insertInto('people').values({ id: pid, display_name: `P${pid}`, phone: null, locale: 'vi', created_at: AT }).execute();
    await db.insertInto('memberships').values({ team_id: team.id, person_id: pid, role: i === 0 ? 'leader' : 'member', occupation: null, since: AT, until: null }).execute();
  }
}

async function addReports(db: Db, unit: Unit, versions: VillageSpec['versions'], source = 'own'): Promise<void> {
  let version = 0;
  for (const v of versions) {
    const at = `2026-12-${String(v.day).padStart(2, '0')}T02:00:00.000Z`;
    await db
      .insertInto('reports')
      .values({ unit_id: unit.id, team_id: null, period: periodKey(PERIOD), kind: PERIODIC, version: ++version, values: JSON.stringify(v.values), source, submitted_by: null, submitted_at: at, due_at: null, late: v.late ? 1 : 0, sent_up_at: v.sentUp ? at : null })
      .execute();
  }
}

const NUMERIC = ['households_supported', 'people_supported', 'vneid_l2', 'households_total', 'team_count'];
const valuesArb = fc.dictionary(
  fc.constantFrom(...NUMERIC, 'difficulties', 'highlights'),
  fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constantFrom(0.5, 12.25), fc.constantFrom('  thiếu máy  ', 'ổn', '')),
  { maxKeys: 6 },
);
const villageArb: fc.Arbitrary<VillageSpec> = fc.record({
  team: fc.constantFrom(0, 1, 1, 1, 2),
  members: fc.integer({ min: 1, max: 4 }),
  households: fc.option(fc.integer({ min: 50, max: 400 }), { nil: null }),
  kind: fc.constantFrom('thôn', 'Ấp', 'bản', null),
  versions: fc.array(fc.record({ values: valuesArb, sentUp: fc.boolean(), late: fc.boolean(), day: fc.integer({ min: 1, max: 28 }) }), { maxLength: 3 }),
});
const communeArb: fc.Arbitrary<CommuneSpec> = fc.record({
  villages: fc.array(villageArb, { maxLength: 5 }),
  team: fc.boolean(),
  own: fc.option(valuesArb, { nil: undefined }),
});

async function buildTree(profile: Profile, levels: string[], shape: CommuneSpec[][]): Promise<Unit> {
  const db = h.db;
  const root = await insertUnit(db, levels[0]!, `Tỉnh ${nextId}`, null, profile.id, 'Tỉnh', null);
  let n = 0;
  for (const [di, communes] of shape.entries()) {
    // two-tier: communes straight under the province; four levels: a district per list
    const parent = levels.length === 4 ? await insertUnit(db, 'district', `Huyện ${di + 1}`, root, profile.id, 'Huyện', null) : root;
    for (const c of communes) {
      const commune = await insertUnit(db, 'commune', `Xã ${++n}`, parent, profile.id, n % 2 ? 'Xã' : 'Phường', null);
      if (c.team) await addTeam(db, commune, 2);
      if (c.own) await addReports(db, commune, [{ values: c.own, sentUp: false, late: false, day: 18 }]);
      for (const [vi, v] of c.villages.entries()) {
        const village = await insertUnit(db, 'village', `Thôn ${vi + 1} ${n}`, commune, profile.id, v.kind, v.households);
        if (v.team >= 1) await addTeam(db, village, v.members);
        if (v.team === 2) await addTeam(db, village, 2, nextPerson - 1);
        await addReports(db, village, v.versions);
      }
    }
  }
  return root;
}

/** The reference with the lists cut as the database roll-up cuts them. */
function bounded(r: RollupResult): RollupResult {
  const cut = (c: Completeness): Completeness => ({ ...c, missingUnits: [...c.missingUnits].sort(comparePlaces).slice(0, LIST_LIMIT), lateUnits: [...c.lateUnits].sort(comparePlaces).slice(0, LIST_LIMIT) });
  return { ...r, completeness: cut(r.completeness), byDepth: r.byDepth.map(cut), tree: cut(r.tree) };
}

const cases: [string, string[], fc.Arbitrary<CommuneSpec[][]>][] = [
  ['two-tier-2025', ['province', 'commune', 'village'], fc.array(communeArb, { maxLength: 5 }).map((c) => [c])],
  ['yen-bai-2022', ['province', 'district', 'commune', 'village'], fc.array(fc.array(communeArb, { maxLength: 3 }), { maxLength: 3 })],
];

describe.each(cases)('%s', (profileId, levels, shapeArb) => {
  const profile = getProfile(profileId);
  it('the database roll-up equals the roll-up of every report, at the root and one level down', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, async (shape) => {
        const root = await buildTree(profile, levels, shape);
        const got = await buildRollup(h.db, profile, root, PERIOD);
        expect(got.result).toEqual(bounded(await referenceRollup(h.db, profile, root, PERIOD)));
        expect(got.size).toBe((await subtree(h.db, root)).length);
        const [child] = got.children.length ? [got.children[0]!.unit] : (await subtree(h.db, root)).filter((u) => u.parent_id === root.id);
        if (child) expect((await buildRollup(h.db, profile, child, PERIOD)).result).toEqual(bounded(await referenceRollup(h.db, profile, child, PERIOD)));
      }),
      { numRuns: 40 },
    );
  });
});

it('keeps the first units by place in long lists, the counts exact', async () => {
  const profile = getProfile('two-tier-2025');
  const villages: VillageSpec[] = Array.from({ length: 70 }, () => ({ team: 1, members: 1, households: 100, kind: 'thôn', versions: [] }));
  const root = await buildTree(profile, ['province', 'commune', 'village'], [[{ villages, team: false }, { villages: villages.slice(0, 10), team: false }]]);
  const got = await buildRollup(h.db, profile, root, PERIOD);
  const depth = got.result.byDepth[1]!;
  expect(depth.missing).toBe(80);
  expect(depth.missingUnits).toHaveLength(LIST_LIMIT);
  expect(depth.missingUnits.slice(0, 3).map((u) => u.path)).toEqual([
    ['Xã 1', 'Thôn 1 1'],
    ['Xã 1', 'Thôn 2 1'],
    ['Xã 1', 'Thôn 3 1'],
  ]);
  expect(bounded(await referenceRollup(h.db, profile, root, PERIOD))).toEqual(got.result);
});
