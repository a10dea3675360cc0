import { resolveIndicators } from '../../src/domain/indicators';
import { diffReport, isClearMarker, mergeReport, mergedBoundErrors, replaceFlag, splitClears } from '../../src/domain/report/amend';
import { parseReport } from '../../src/domain/report/parse';

const IND = resolveIndicators(
  ['households_total', 'households_supported', 'people_supported', 'vneid_l2', 'difficulties'].map((key) => ({ key, required: key === 'households_supported' })),
);

describe('report amendments', () => {
  it('recognises clear markers, with or without diacritics', () => {
    for (const v of ['xoá', 'xóa', 'XOA', 'xoá bỏ', '(xóa)', 'bỏ', 'clear']) expect(isClearMarker(v)).toBe(true);
    for (const v of ['0', 'không', '', 'xoa mu chu']) expect(isClearMarker(v)).toBe(false);
  });

  it('takes clearing lines out of the body, keeping the line numbers', () => {
    const r = splitClears('Hộ được hướng dẫn: 50\nVNeID: xoá\n- Khó khăn - xóa\nLượt người được hướng dẫn: 40', { indicators: IND });
    expect(r.clears).toEqual(['vneid_l2', 'difficulties']);
    expect(r.body).toBe('Hộ được hướng dẫn: 50\n\n\nLượt người được hướng dẫn: 40');
    // a required indicator, without separator, and on the command line
    expect(splitClears('/baocao ho huong dan xoa', { indicators: IND })).toEqual({ body: '/baocao', clears: ['households_supported'] });
    // a label the report does not know and a text mentioning "bỏ" stay for the parser
    expect(splitClears('abc: xoá\nKhó khăn: người dân bỏ về quê', { indicators: IND }).clears).toEqual([]);
  });

  it('merges a correction into the latest version; replaces only when asked', () => {
    const base = { households_supported: 45, people_supported: 110, vneid_l2: 30 };
    expect(mergeReport(base, { households_supported: 50 }, ['vneid_l2'], false)).toEqual({ households_supported: 50, people_supported: 110 });
    expect(mergeReport(base, { households_supported: 50 }, [], true)).toEqual({ households_supported: 50 });
    expect(mergeReport(undefined, { vneid_l2: 3 }, [], false)).toEqual({ vneid_l2: 3 });
    expect(diffReport(base, { households_supported: 50, people_supported: 110, difficulties: 'mạng yếu' })).toEqual({
      households_supported: { old: 45, new: 50 },
      vneid_l2: { old: 30 },
      difficulties: { new: 'mạng yếu' },
    });
  });

  it('reads the replacement flag before the period', () => {
    expect(replaceFlag('thaythe Q4/2026')).toEqual({ replace: true, rest: 'Q4/2026' });
    expect(replaceFlag('Thay thế')).toEqual({ replace: true, rest: '' });
    expect(replaceFlag('thay toàn bộ T11/2026')).toEqual({ replace: true, rest: 'T11/2026' });
    expect(replaceFlag('Q4/2026')).toEqual({ replace: false, rest: 'Q4/2026' });
  });

  it('checks a corrected value against the bound in the merged report', () => {
    const body = 'Lượt người được hướng dẫn: 40\nHộ được hướng dẫn: 130';
    const r = parseReport(body, { indicators: IND });
    const merged = mergeReport({ households_total: 120, households_supported: 45 }, r.values, [], false);
    expect(mergedBoundErrors(IND, r, merged, body.split('\n'))).toEqual([
      { line: 2, text: 'Hộ được hướng dẫn: 130', code: 'above_bound', key: 'households_supported', bound: 120, boundKey: 'households_total' },
    ]);
    // the correction also types a new total: the parser checks that itself
    const r2 = parseReport('Tổng số hộ: 140\nHộ được hướng dẫn: 130', { indicators: IND });
    expect(mergedBoundErrors(IND, r2, mergeReport({ households_total: 120 }, r2.values, [], false), [])).toEqual([]);
  });
});
