import {
  CATALOGUE,
  INDICATOR_KEYS,
  MINIMAL_DEFAULT_SET,
  UnknownIndicatorError,
  buildLabelIndex,
  findIndicatorByLabel,
  getIndicator,
  labelForms,
  resolveIndicators,
} from '../../src/domain/indicators';
import { fold } from '../../src/domain/text';

/** Every key of research/domain.md §7, exactly as written there. */
const SECTION_7_KEYS = [
  'team_count', 'member_count', 'villages_with_team', 'villages_total', 'households_total', 'members_trained',
  'sessions_held', 'session_attendance', 'households_supported', 'people_supported', 'hh_5skills', 'vneid_l2',
  'dvc_accounts', 'dvc_dossiers', 'payment_accounts', 'merchant_qr', 'ecommerce_accounts', 'ocop_online',
  'local_app_users', 'bdhvs_completed', 'online_safety', 'zalo_hh', 'feedback_forwarded', 'techsavvy_per100',
  'highlights', 'difficulties', 'proposals', 'next_tasks',
];

describe('indicator catalogue', () => {
  it('has every §7 key and ocop_total', () => {
    for (const k of [...SECTION_7_KEYS, 'ocop_total']) expect(INDICATOR_KEYS).toContain(k);
  });

  it('keys are unique slugs', () => {
    expect(new Set(INDICATOR_KEYS).size).toBe(INDICATOR_KEYS.length);
    for (const k of INDICATOR_KEYS) expect(k).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('no folded label, short label, alias or generated variant collides between indicators', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const ind of CATALOGUE) {
      for (const f of labelForms(ind)) {
        const o = owner.get(f);
        if (o && o !== ind.key) clashes.push(`${f}: ${o} / ${ind.key}`);
        owner.set(f, ind.key);
      }
    }
    expect(clashes).toEqual([]);
    expect(() => buildLabelIndex(CATALOGUE)).not.toThrow();
  });

  it('aliases are written folded, and every entry has both languages', () => {
    for (const ind of CATALOGUE) {
      for (const a of ind.aliases) expect(fold(a)).toBe(a);
      for (const t of [ind.labels, ind.short]) {
        expect(t.vi.length).toBeGreaterThan(0);
        expect(t.en.length).toBeGreaterThan(0);
      }
      if (ind.type !== 'text') expect(ind.unit.vi.length).toBeGreaterThan(0);
      expect(ind.short.vi.length).toBeLessThanOrEqual(40);
    }
  });

  it('keeps the §7 Vietnamese labels', () => {
    expect(getIndicator('households_supported')!.labels.vi).toBe('Số hộ gia đình được đến tận nhà hướng dẫn, hỗ trợ');
    expect(getIndicator('vneid_l2')!.labels.vi).toBe('Số người được hỗ trợ kích hoạt định danh điện tử mức 2 (VNeID)');
    expect(getIndicator('ocop_total')!.labels.vi).toBe('Số sản phẩm OCOP của địa phương');
    expect(getIndicator('difficulties')!.labels.vi).toBe('Khó khăn, vướng mắc');
  });

  it('types and aggregations', () => {
    expect(getIndicator('households_supported')).toMatchObject({ type: 'count', aggregation: { kind: 'sum' }, boundBy: 'households_total' });
    expect(getIndicator('hh_5skills')).toMatchObject({ shareOf: 'households_total', boundBy: 'households_total' });
    expect(getIndicator('zalo_hh')).toMatchObject({ shareOf: 'households_total', boundBy: 'households_total' });
    expect(getIndicator('team_count')!.aggregation.kind).toBe('latest');
    expect(getIndicator('techsavvy_per100')).toMatchObject({
      reportable: false,
      aggregation: { kind: 'ratio', numerator: 'techsavvy_people', denominator: 'population', scale: 100 },
    });
    expect(getIndicator('activity_hours')!.type).toBe('decimal');
    for (const k of ['highlights', 'difficulties', 'proposals', 'next_tasks', 'commendations']) {
      expect(getIndicator(k)).toMatchObject({ type: 'text', aggregation: { kind: 'text' } });
    }
    // every referenced key exists
    for (const ind of CATALOGUE) {
      for (const ref of [ind.shareOf, ind.boundBy]) if (ref) expect(getIndicator(ref)).toBeDefined();
      if (ind.aggregation.kind === 'ratio') {
        expect(getIndicator(ind.aggregation.numerator)).toBeDefined();
        expect(getIndicator(ind.aggregation.denominator)).toBeDefined();
      }
    }
  });

  it.each([
    ['ho huong dan', 'households_supported'],
    ['Hộ được hướng dẫn', 'households_supported'],
    ['SỐ HỘ ĐƯỢC HƯỚNG DẪN', 'households_supported'],
    ['so ho', 'households_total'],
    ['VNeID', 'vneid_l2'],
    ['V N e I D', 'vneid_l2'],
    ['định danh', 'vneid_l2'],
    ['dvc', 'dvc_dossiers'],
    ['hồ sơ DVC', 'dvc_dossiers'],
    ['tài khoản DVC', 'dvc_accounts'],
    ['TMĐT', 'ecommerce_accounts'],
    ['gian hàng', 'ecommerce_accounts'],
    ['thanh toán', 'payment_accounts'],
    ['ví điện tử', 'payment_accounts'],
    ['khó khăn', 'difficulties'],
    ['đề xuất', 'proposals'],
    ['kiến nghị', 'proposals'],
    ['phản ánh, kiến nghị', 'feedback_forwarded'],
    ['đề nghị khen thưởng', 'commendations'],
    ['OCOP', 'ocop_online'],
    ['số sản phẩm OCOP', 'ocop_total'],
    ['Households guided', 'households_supported'],
    ['households_supported', 'households_supported'],
    ['Số hộ gia đình được đến tận nhà hướng dẫn, hỗ trợ', 'households_supported'],
  ])('%s → %s', (label, key) => expect(findIndicatorByLabel(label)?.key).toBe(key));

  it('unknown labels find nothing', () => {
    expect(findIndicatorByLabel('so con ga')).toBeUndefined();
    expect(findIndicatorByLabel('')).toBeUndefined();
  });
});

describe('resolveIndicators', () => {
  it('keeps catalogue order, required and target', () => {
    const r = resolveIndicators([
      { key: 'difficulties', required: false },
      { key: 'households_supported', required: true, target: { share: 0.8, of: 'households_total', source: 'Cà Mau 220' } },
      { key: 'team_count', required: true, levels: ['village'] },
    ]);
    expect(r.map((i) => i.key)).toEqual(['team_count', 'households_supported', 'difficulties']);
    expect(r[1]).toMatchObject({ required: true, target: { share: 0.8, of: 'households_total' }, labels: { vi: expect.any(String) } });
    expect(r[0]!.levels).toEqual(['village']);
  });

  it('adds the numerator and denominator of a ratio indicator', () => {
    const r = resolveIndicators([{ key: 'techsavvy_per100', required: false }]);
    expect(r.map((i) => i.key).sort()).toEqual(['population', 'techsavvy_people', 'techsavvy_per100']);
  });

  it('names every unknown key', () => {
    expect(() => resolveIndicators([{ key: 'nope', required: false }, { key: 'zzz', required: false }])).toThrow(UnknownIndicatorError);
    try {
      resolveIndicators([{ key: 'nope', required: false }, { key: 'vneid_l2', required: false }, { key: 'zzz', required: false }]);
    } catch (e) {
      expect((e as UnknownIndicatorError).keys).toEqual(['nope', 'zzz']);
    }
  });

  it('resolves the minimal default set', () => {
    expect(resolveIndicators(MINIMAL_DEFAULT_SET.map((key) => ({ key, required: false })))).toHaveLength(14);
  });
});
