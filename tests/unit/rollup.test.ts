import fc from 'fast-check';
import { resolveIndicators } from '../../src/domain/indicators';
import { diffValues, kindsLabel, rollup, type RollupChild, type RollupResult, type Values } from '../../src/domain/rollup';
import { fitToLimit, formatPercent } from '../../src/i18n/format';

const IND = resolveIndicators([
  { key: 'team_count', required: false },
  { key: 'member_count', required: false },
  { key: 'households_total', required: false },
  { key: 'households_supported', required: true, target: { share: 0.8, of: 'households_total', source: 'Cà Mau 220/KH-UBND' } },
  { key: 'people_supported', required: false },
  { key: 'vneid_l2', required: false },
  { key: 'hh_5skills', required: false },
  { key: 'activity_hours', required: false },
  { key: 'techsavvy_per100', required: false },
  { key: 'difficulties', required: false },
  { key: 'proposals', required: false },
]);

const village = (
  unitId: string,
  values: Values | undefined,
  status: RollupChild['status'] = values ? 'on_time' : 'missing',
  extra: Partial<RollupChild> = {},
): RollupChild => ({ unitId, name: `Thôn ${unitId}`, level: 'village', status, expected: true, ...(values ? { values } : {}), ...extra });

const commune = (unitId: string, name: string, r: RollupResult, status: RollupChild['status'] = 'on_time'): RollupChild => ({
  unitId,
  name,
  level: 'commune',
  status,
  expected: true,
  values: r,
});

describe('rollup: sums', () => {
  it('adds values and says how many contributed; missing stays missing, never 0', () => {
    const r = rollup(
      [
        village('A', { team_count: 1, households_supported: 45, vneid_l2: 30, activity_hours: 12.5 }),
        village('B', { team_count: 1, households_supported: 20, activity_hours: 3.25 }),
        village('C', undefined),
      ],
      { indicators: IND },
    );
    expect(r.totals.households_supported).toEqual({ value: 65, contributors: 2, reports: 2 });
    expect(r.totals.vneid_l2).toEqual({ value: 30, contributors: 1, reports: 1 });
    expect(r.totals.activity_hours!.value).toBe(15.75);
    expect(r.totals.team_count!.value).toBe(2);
    // nobody reported people_supported: no total at all, not 0
    expect(r.totals.people_supported).toBeUndefined();
    expect('people_supported' in r.totals).toBe(false);
  });

  it('a zero is a value, counted as a contributor', () => {
    const r = rollup([village('A', { vneid_l2: 0 }), village('B', {})], { indicators: IND });
    expect(r.totals.vneid_l2).toEqual({ value: 0, contributors: 1, reports: 1 });
  });

  it("adds the level's own report", () => {
    const r = rollup([village('A', { vneid_l2: 30 })], {
      indicators: IND,
      own: { unitId: 'X', name: 'Xã Yên Thịnh', values: { vneid_l2: 12, difficulties: 'thiếu máy' } },
    });
    expect(r.totals.vneid_l2).toEqual({ value: 42, contributors: 2, reports: 2 });
    expect(r.texts.difficulties).toEqual([{ unitId: 'X', name: 'Xã Yên Thịnh', path: [], text: 'thiếu máy' }]);
  });

  it('unit attributes fill what the report lacks', () => {
    const r = rollup(
      [
        village('A', { households_supported: 45 }, 'on_time', { attributes: { households_total: 50 } }),
        village('B', { households_supported: 10, households_total: 20 }, 'on_time', { attributes: { households_total: 999 } }),
      ],
      { indicators: IND },
    );
    expect(r.totals.households_total).toEqual({ value: 70, contributors: 2, reports: 2 });
  });
});

describe('rollup: ratios are recomputed, never averaged', () => {
  const r = rollup(
    [
      village('A', { households_supported: 10, households_total: 20, hh_5skills: 5, techsavvy_people: 10, population: 100 }),
      village('B', { households_supported: 90, households_total: 100, hh_5skills: 60, techsavvy_people: 300, population: 1000 }),
      // no household count: counted in the total, left out of the ratio pairs
      village('C', { households_supported: 50, techsavvy_people: 5 }),
    ],
    { indicators: IND },
  );

  it('target: 100 of 120 households = 83.3% ≥ 80% met, where averaging 50% and 90% gives 70% (not met)', () => {
    const averaged = (10 / 20 + 90 / 100) / 2;
    expect(averaged).toBeCloseTo(0.7);
    const t = r.targets.find((x) => x.key === 'households_supported')!;
    expect(t).toMatchObject({ of: 'households_total', share: 0.8, numerator: 100, denominator: 120, contributors: 2, required: 96, met: true, source: 'Cà Mau 220/KH-UBND' });
    expect(t.achieved).toBeCloseTo(100 / 120);
    expect(t.below).toEqual([{ unitId: 'A', name: 'Thôn A', achieved: 0.5 }]);
    expect(r.totals.households_supported!.value).toBe(150);
  });

  it('coverage share of hh_5skills from summed numerator and denominator', () => {
    expect(r.shares.hh_5skills).toMatchObject({ numerator: 65, denominator: 120, contributors: 2, numeratorKey: 'hh_5skills', denominatorKey: 'households_total', scale: 1 });
    expect(r.shares.hh_5skills!.value).toBeCloseTo(65 / 120);
  });

  it('per-100 ratio: 310 of 1,100 residents = 28.2, not the average 20', () => {
    const e = r.ratios.techsavvy_per100!;
    expect(e).toMatchObject({ numerator: 310, denominator: 1100, contributors: 2, scale: 100 });
    expect(e.value).toBeCloseTo(28.18, 2);
    expect(e.value).not.toBeCloseTo((10 + 30) / 2, 1);
  });

  it('a zero denominator gives no ratio value, and no target verdict', () => {
    const z = rollup([village('A', { households_supported: 0, households_total: 0 })], { indicators: IND });
    expect(z.targets[0]).toMatchObject({ achieved: undefined, met: undefined, denominator: 0 });
  });

  it("a child roll-up's totals are never paired: only its paired sums go up", () => {
    // one village with guided households but no count, another with a count and nothing guided
    const c = rollup([village('A', { households_supported: 50 }), village('B', { households_total: 100 })], { indicators: IND });
    expect(c.pairs['households_supported/households_total']).toBeUndefined();
    const p = rollup([commune('X', 'Xã X', c)], { indicators: IND });
    expect(p.targets[0]).toMatchObject({ contributors: 0, achieved: undefined });
    expect(p.totals.households_supported!.value).toBe(50);
  });

  it('extra pairs are carried up for the level above', () => {
    const c = rollup([village('A', { vneid_l2: 30, households_total: 60 })], { indicators: IND, extraPairs: [['vneid_l2', 'households_total']] });
    const p = rollup([commune('X', 'Xã X', c)], { indicators: IND, rankBy: { key: 'vneid_l2', per: 'households_total' } });
    expect(p.ranking!.best).toEqual([{ unitId: 'X', name: 'Xã X', value: 0.5 }]);
  });

  it('a target with no data at all is present but undecided', () => {
    const z = rollup([village('A', undefined)], { indicators: IND });
    expect(z.targets[0]).toMatchObject({ key: 'households_supported', contributors: 0, achieved: undefined, met: undefined });
  });
});

describe('rollup: texts', () => {
  it("lists each unit's text with its name, in child order", () => {
    const r = rollup(
      [
        village('A', { difficulties: 'sóng yếu', proposals: 'thêm điện thoại' }),
        village('B', { difficulties: '  ' }),
        village('C', { difficulties: 'người già không dùng smartphone' }),
      ],
      { indicators: IND },
    );
    expect(r.texts.difficulties).toEqual([
      { unitId: 'A', name: 'Thôn A', path: ['Thôn A'], text: 'sóng yếu' },
      { unitId: 'C', name: 'Thôn C', path: ['Thôn C'], text: 'người già không dùng smartphone' },
    ]);
    expect(r.texts.proposals).toHaveLength(1);
  });
});

describe('rollup: completeness (DHIS2)', () => {
  it('counts expected, actual, on time, late, missing with names', () => {
    const r = rollup(
      [
        village('A', { vneid_l2: 1 }, 'on_time'),
        village('B', { vneid_l2: 2 }, 'late'),
        village('C', undefined, 'missing'),
        village('D', undefined, 'missing'),
        // no active team: not expected, not counted
        village('E', undefined, 'missing', { expected: false }),
      ],
      { indicators: IND },
    );
    expect(r.completeness).toEqual({
      expected: 4,
      actual: 2,
      onTime: 1,
      late: 1,
      missing: 2,
      rate: 0.5,
      timeliness: 0.25,
      missingUnits: [
        { unitId: 'C', name: 'Thôn C', path: ['Thôn C'] },
        { unitId: 'D', name: 'Thôn D', path: ['Thôn D'] },
      ],
      lateUnits: [{ unitId: 'B', name: 'Thôn B', path: ['Thôn B'] }],
      level: 'village',
    });
    expect(r.byDepth).toHaveLength(1);
    expect(r.tree).toMatchObject({ expected: 4, actual: 2, missing: 2 });
  });

  it('nothing expected: rates undefined', () => {
    const r = rollup([], { indicators: IND });
    expect(r.completeness).toMatchObject({ expected: 0, rate: undefined, timeliness: undefined });
  });
});

describe('rollup: ranking', () => {
  const kids = [
    village('A', { households_supported: 45, households_total: 50 }),
    village('B', { households_supported: 80, households_total: 200 }),
    village('C', { households_supported: 10, households_total: 10 }),
    village('D', { households_supported: 60, households_total: 100 }),
    village('E', undefined),
  ];

  it('best and worst by value, without overlap, unranked listed', () => {
    const r = rollup(kids, { indicators: IND, rankBy: { key: 'households_supported' }, rankCount: 2 });
    expect(r.ranking).toEqual({
      key: 'households_supported',
      best: [
        { unitId: 'B', name: 'Thôn B', value: 80 },
        { unitId: 'D', name: 'Thôn D', value: 60 },
      ],
      worst: [
        { unitId: 'C', name: 'Thôn C', value: 10 },
        { unitId: 'A', name: 'Thôn A', value: 45 },
      ],
      unranked: [{ unitId: 'E', name: 'Thôn E' }],
    });
  });

  it('per a denominator (share of households guided)', () => {
    const r = rollup(kids, { indicators: IND, rankBy: { key: 'households_supported', per: 'households_total' }, rankCount: 1 });
    expect(r.ranking!.best).toEqual([{ unitId: 'C', name: 'Thôn C', value: 1 }]);
    expect(r.ranking!.worst).toEqual([{ unitId: 'B', name: 'Thôn B', value: 0.4 }]);
  });

  it('few units: worst does not repeat the best', () => {
    const r = rollup(kids.slice(0, 2), { indicators: IND, rankBy: { key: 'households_supported' }, rankCount: 3 });
    expect(r.ranking!.best.map((x) => x.unitId)).toEqual(['B', 'A']);
    expect(r.ranking!.worst).toEqual([]);
  });
});

// ------------------------------------------------------------------ trees

describe('rollup: a 3-level tree (province → commune → village)', () => {
  const c1 = rollup(
    [
      village('A', { households_supported: 10, households_total: 20, difficulties: 'sóng yếu' }),
      village('B', { households_supported: 90, households_total: 100 }, 'late'),
    ],
    { indicators: IND, own: { unitId: 'X1', name: 'Xã Một', values: { vneid_l2: 7, proposals: 'cấp máy' } } },
  );
  const c2 = rollup([village('C', undefined), village('D', { households_supported: 5, households_total: 100 })], { indicators: IND });
  const p = rollup([commune('X1', 'Xã Một', c1), commune('X2', 'Xã Hai', c2, 'missing')], { indicators: IND });

  it('totals are the totals of the leaves plus the own lines', () => {
    expect(p.totals.households_supported).toEqual({ value: 105, contributors: 2, reports: 3 });
    expect(p.totals.vneid_l2).toEqual({ value: 7, contributors: 1, reports: 1 });
  });

  it('targets recompute from the paired sums of all villages', () => {
    const t = p.targets[0]!;
    expect(t).toMatchObject({ numerator: 105, denominator: 220 });
    expect(t.achieved).toBeCloseTo(105 / 220);
    expect(t.met).toBe(false);
    expect(t.below.map((b) => b.unitId)).toEqual(['X2']);
  });

  it('texts carry the path of names', () => {
    expect(p.texts.difficulties).toEqual([{ unitId: 'A', name: 'Thôn A', path: ['Xã Một', 'Thôn A'], text: 'sóng yếu' }]);
    expect(p.texts.proposals).toEqual([{ unitId: 'X1', name: 'Xã Một', path: ['Xã Một'], text: 'cấp máy' }]);
  });

  it('completeness per depth and summed over the tree', () => {
    expect(p.byDepth).toHaveLength(2);
    expect(p.byDepth[0]).toMatchObject({ expected: 2, actual: 1, missing: 1, level: 'commune' });
    expect(p.byDepth[0]!.missingUnits).toEqual([{ unitId: 'X2', name: 'Xã Hai', path: ['Xã Hai'] }]);
    expect(p.byDepth[1]).toMatchObject({ expected: 4, actual: 3, onTime: 2, late: 1, missing: 1, level: 'village' });
    expect(p.byDepth[1]!.missingUnits).toEqual([{ unitId: 'C', name: 'Thôn C', path: ['Xã Hai', 'Thôn C'] }]);
    expect(p.byDepth[1]!.lateUnits).toEqual([{ unitId: 'B', name: 'Thôn B', path: ['Xã Một', 'Thôn B'] }]);
    expect(p.tree).toMatchObject({ expected: 6, actual: 4, onTime: 3, late: 1, missing: 2 });
    expect(p.tree.rate).toBeCloseTo(4 / 6);
  });
});

describe('rollup: a 4-level tree (province → district → commune → village)', () => {
  const v = (id: string, hs: number, ht: number, status: RollupChild['status'] = 'on_time') =>
    village(id, { households_supported: hs, households_total: ht, techsavvy_people: hs, population: ht * 4 }, status);
  const c1 = rollup([v('A', 40, 50), v('B', 10, 100, 'late')], { indicators: IND });
  const c2 = rollup([v('C', 30, 30), village('D', undefined)], { indicators: IND });
  const c3 = rollup([v('E', 1, 10)], { indicators: IND });
  const d1 = rollup([commune('C1', 'Xã 1', c1), commune('C2', 'Xã 2', c2, 'late')], { indicators: IND });
  const d2 = rollup([commune('C3', 'Xã 3', c3, 'missing')], { indicators: IND });
  const prov = rollup(
    [
      { unitId: 'D1', name: 'Huyện 1', level: 'district', status: 'on_time', expected: true, values: d1 },
      { unitId: 'D2', name: 'Huyện 2', level: 'district', status: 'missing', expected: true, values: d2 },
    ],
    { indicators: IND, rankBy: { key: 'households_supported', per: 'households_total' }, rankCount: 1 },
  );

  it('equals the flat computation over the villages', () => {
    expect(prov.totals.households_supported).toEqual({ value: 81, contributors: 2, reports: 4 });
    expect(prov.targets[0]).toMatchObject({ numerator: 81, denominator: 190 });
    expect(prov.ratios.techsavvy_per100!.value).toBeCloseTo((81 / 760) * 100);
  });

  it('completeness at three depths', () => {
    expect(prov.byDepth.map((c) => [c.level, c.expected, c.actual, c.onTime, c.late, c.missing])).toEqual([
      ['district', 2, 1, 1, 0, 1],
      ['commune', 3, 2, 1, 1, 1],
      ['village', 5, 4, 3, 1, 1],
    ]);
    expect(prov.byDepth[2]!.missingUnits).toEqual([{ unitId: 'D', name: 'Thôn D', path: ['Huyện 1', 'Xã 2', 'Thôn D'] }]);
    expect(prov.tree).toMatchObject({ expected: 10, actual: 7, missing: 3 });
  });

  it('ranks districts by their recomputed share', () => {
    expect(prov.ranking!.best[0]).toMatchObject({ unitId: 'D1', value: 80 / 180 });
    expect(prov.ranking!.worst[0]).toMatchObject({ unitId: 'D2', value: 0.1 });
  });
});

describe('rollup: composition property', () => {
  const leaf = fc.record({
    hs: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
    ht: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
    status: fc.constantFrom<'on_time' | 'late' | 'missing'>('on_time', 'late', 'missing'),
  });
  it('a roll-up of roll-ups equals the roll-up of all leaves (totals, pairs, completeness of the leaves)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(leaf, { maxLength: 6 }), { minLength: 1, maxLength: 5 }), (groups) => {
        let n = 0;
        const toChild = (l: { hs?: number; ht?: number; status: 'on_time' | 'late' | 'missing' }): RollupChild => {
          const values: Values = {};
          if (l.hs !== undefined) values.households_supported = l.hs;
          if (l.ht !== undefined) values.households_total = l.ht;
          return village(String(n++), l.status === 'missing' ? undefined : values, l.status);
        };
        const kids = groups.map((g) => g.map(toChild));
        const nested = rollup(
          kids.map((g, i) => commune(`c${i}`, `Xã ${i}`, rollup(g, { indicators: IND }))),
          { indicators: IND },
        );
        const flat = rollup(kids.flat(), { indicators: IND });
        for (const k of ['households_supported', 'households_total']) {
          expect(nested.totals[k]?.value).toEqual(flat.totals[k]?.value);
          expect(nested.totals[k]?.reports).toEqual(flat.totals[k]?.reports);
        }
        const id = 'households_supported/households_total';
        expect(nested.pairs[id]?.numerator).toEqual(flat.pairs[id]?.numerator);
        expect(nested.pairs[id]?.denominator).toEqual(flat.pairs[id]?.denominator);
        const { expected, actual, onTime, late, missing } = flat.completeness;
        expect(nested.byDepth[1] ?? { expected: 0, actual: 0, onTime: 0, late: 0, missing: 0 }).toMatchObject({ expected, actual, onTime, late, missing });
      }),
      { numRuns: 200 },
    );
  });
});

// ------------------------------------------------------------------ bases (issue 10 §2)

describe('rollup: totals over the reporting units, the whole-unit base apart', () => {
  // the case seen: 3 villages reported (316 households in the unit list), the 4th (231) did not
  const kids = [
    village('A', { households_supported: 100 }, 'on_time', { attributes: { households_total: 120 }, registry: { households_total: 120 } }),
    village('B', { households_supported: 80 }, 'on_time', { attributes: { households_total: 100 }, registry: { households_total: 100 } }),
    village('C', { households_supported: 45 }, 'late', { attributes: { households_total: 96 }, registry: { households_total: 96 } }),
    village('D', undefined, 'missing', { attributes: { households_total: 231 }, registry: { households_total: 231 } }),
  ];
  const r = rollup(kids, { indicators: IND });

  it('a unit that did not report adds nothing to the totals: 316 households beside 225/316, not 547', () => {
    expect(r.totals.households_total).toEqual({ value: 316, contributors: 3, reports: 3 });
    expect(r.targets[0]).toMatchObject({ numerator: 225, denominator: 316 });
    expect(r.targets[0]!.achieved).toBeCloseTo(225 / 316);
  });

  it('the registry sums every unit, reported or not', () => {
    expect(r.registry.households_total).toEqual({ value: 547, units: 4 });
  });

  it('the registry of a level above is the sum of its roll-ups plus its own unit', () => {
    const p = rollup([commune('X', 'Xã X', r)], { indicators: IND, own: { unitId: 'H', name: 'Huyện', registry: { team_count: 1 } } });
    expect(p.registry).toEqual({ households_total: { value: 547, units: 4 }, team_count: { value: 1, units: 1 } });
    expect(p.totals.households_total!.value).toBe(316);
  });
});

describe('rollup: registry keys (team and member counts from the roster)', () => {
  it('ignores typed team counts and sums the roster of every unit, reported or not, through levels', () => {
    const c = rollup(
      [
        village('A', { team_count: 1, member_count: 3, households_supported: 5 }, 'on_time', { registry: { team_count: 2, member_count: 9 } }),
        village('B', undefined, 'missing', { registry: { team_count: 1, member_count: 4 } }),
      ],
      { indicators: IND, registryKeys: ['team_count', 'member_count'], own: { unitId: 'X', name: 'Xã X', registry: { team_count: 1, member_count: 5 } } },
    );
    expect(c.totals.team_count).toEqual({ value: 4, contributors: 3, reports: 3 });
    const p = rollup([commune('X', 'Xã X', c), commune('Y', 'Xã Y', rollup([village('C', undefined, 'missing', { registry: { team_count: 1, member_count: 6 } })], { indicators: IND }))], {
      indicators: IND,
      registryKeys: ['team_count', 'member_count'],
    });
    expect(p.totals.team_count!.value).toBe(5);
    expect(p.totals.member_count!.value).toBe(24);
  });
});

describe('rollup: kinds of the counted units', () => {
  it('counts units per kind, lower case, and merges them per depth', () => {
    const c1 = rollup([village('A', undefined, 'missing', { kind: 'Ấp' }), village('B', undefined, 'missing', { kind: 'ấp' })], { indicators: IND });
    const c2 = rollup([village('C', undefined, 'missing', { kind: 'khóm' })], { indicators: IND });
    expect(c1.completeness.kinds).toEqual({ ấp: 2 });
    const p = rollup([{ ...commune('X', 'Xã X', c1), kind: 'Xã' }, { ...commune('Y', 'Phường Y', c2), kind: 'Phường' }], { indicators: IND });
    expect(p.byDepth[0]!.kinds).toEqual({ xã: 1, phường: 1 });
    expect(p.byDepth[1]!.kinds).toEqual({ ấp: 2, khóm: 1 });
  });

  it('no kinds when one counted unit has none', () => {
    const c = rollup([village('A', undefined, 'missing', { kind: 'ấp' }), village('B', undefined)], { indicators: IND });
    expect(c.completeness.kinds).toBeUndefined();
  });
});

describe('diffValues', () => {
  it('lists what changed, in the given key order, with what was added and removed', () => {
    expect(diffValues({ a: 1, b: 2, t: 'x' }, { b: 3, a: 1, c: 0, t: 'y' }, ['c', 'b'])).toEqual([
      { key: 'c', after: 0 },
      { key: 'b', before: 2, after: 3 },
      { key: 't', before: 'x', after: 'y' },
    ]);
    expect(diffValues({ a: 1 }, { a: 1 })).toEqual([]);
    expect(diffValues({ a: 1 }, {})).toEqual([{ key: 'a', before: 1 }]);
  });
});

describe('one percentage format, and texts within a limit', () => {
  it('one decimal, Vietnamese comma; a dot in English', () => {
    expect(formatPercent('vi', 107 / 800)).toBe('13,4%');
    expect(formatPercent('vi', 225 / 316)).toBe('71,2%');
    expect(formatPercent('vi', 0.8)).toBe('80,0%');
    expect(formatPercent('en', 107 / 800)).toBe('13.4%');
  });

  it('fitToLimit shrinks the lists first, then cuts at a line', () => {
    const render = (max: number) => ['title', ...Array.from({ length: Math.min(max, 50) }, (_, i) => `item ${i}`), max < 50 ? `… và ${50 - max} đơn vị khác` : ''].join('\n');
    const room = (max: number) => ({ max, lengthOf: (s: string) => s.length });
    const t = fitToLimit(room(100), render, 30);
    expect(t.length).toBeLessThanOrEqual(100);
    expect(t).toMatch(/… và \d+ đơn vị khác$/);
    expect(fitToLimit(room(10), () => 'a very long single line without breaks', 3)).toHaveLength(10);
  });
});

describe('kindsLabel', () => {
  it('most frequent kind first, ties in the order of the local names', () => {
    expect(kindsLabel({ khóm: 5, ấp: 4 }, ['ấp', 'khóm'])).toBe('khóm, ấp');
    expect(kindsLabel({ phường: 1, xã: 1 }, ['xã', 'phường', 'thị trấn'])).toBe('xã, phường');
    expect(kindsLabel({ 'tổ dân phố': 2 })).toBe('tổ dân phố');
  });
});
