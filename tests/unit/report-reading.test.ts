/** Reading reports as people type them: periods on the command line, text normalisation, Telex slips, the catalogue file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePeriodSpec, splitPeriodPrefix, titlePeriodText } from '../../src/domain/calendar';
import { normalizeMessage, untelex } from '../../src/domain/text';
import { CatalogueError, makeCanon, parseCatalogue } from '../../src/domain/catalogue';
import { CATALOGUE_FILE, loadCatalogueFile } from '../../src/app/catalogue';
import { readPeriod } from '../../src/app/reporting';
import { findIndicatorByLabel } from '../../src/domain/indicators';
import { getProfile } from '../../src/app/profiles';

const NOW = new Date('2026-12-10T02:00:00Z');

describe('periods on the command line', () => {
  it.each([
    ['thang 11', { kind: 'index', cycle: 'month', index: 11 }],
    ['tháng 11', { kind: 'index', cycle: 'month', index: 11 }],
    ['T11', { kind: 'index', cycle: 'month', index: 11 }],
    ['quý 4', { kind: 'index', cycle: 'quarter', index: 4 }],
    ['Q4', { kind: 'index', cycle: 'quarter', index: 4 }],
    ['quý IV', { kind: 'index', cycle: 'quarter', index: 4 }],
    ['Q4/2026', { kind: 'exact', period: { cycle: 'quarter', year: 2026, index: 4 } }],
    ['2026-Q4', { kind: 'exact', period: { cycle: 'quarter', year: 2026, index: 4 } }],
    ['tháng 11/2026', { kind: 'exact', period: { cycle: 'month', year: 2026, index: 11 } }],
    ['tháng trước', { kind: 'relative', cycle: 'month', shift: -1 }],
    ['kỳ này', { kind: 'relative', shift: 0 }],
  ])('parsePeriodSpec(%j)', (text, spec) => expect(parsePeriodSpec(text)).toEqual(spec));

  it.each(['T13', 'Q5', 'quý 0', 'abc', ''])('parsePeriodSpec(%j) is undefined', (text) => expect(parsePeriodSpec(text)).toBeUndefined());

  it.each([
    ['thang 11 Hộ được hướng dẫn: 45', 'thang 11', 'Hộ được hướng dẫn: 45'],
    ['Q4/2026 ho huong dan 45', 'Q4/2026', 'ho huong dan 45'],
    ['quý 4 năm 2026', 'quý 4 năm 2026', ''],
    ['Hộ được hướng dẫn: 45', '', 'Hộ được hướng dẫn: 45'],
    ['VNeID 30', '', 'VNeID 30'],
    ['Tổng số hộ: 300', '', 'Tổng số hộ: 300'],
    ['T13/2026', 'T13/2026', ''],
    ['quý 5', 'quý 5', ''],
    ['45 hộ được hướng dẫn', '', '45 hộ được hướng dẫn'],
    ['', '', ''],
  ])('splitPeriodPrefix(%j)', (args, period, rest) => expect(splitPeriodPrefix(args)).toEqual({ period, rest }));

  it('resolves a year-less period to the latest one not after now, and refuses the other cycle naming the right one', () => {
    const monthly = getProfile('yen-bai-2022');
    const quarterly = getProfile('ca-mau-2023');
    expect(readPeriod(monthly, 'tháng 11', NOW)).toEqual({ ok: true, period: { cycle: 'month', year: 2026, index: 11 } });
    expect(readPeriod(monthly, 'T1', NOW)).toEqual({ ok: true, period: { cycle: 'month', year: 2026, index: 1 } });
    expect(readPeriod(monthly, 'tháng trước', new Date('2027-01-05T02:00:00Z'))).toEqual({ ok: true, period: { cycle: 'month', year: 2026, index: 12 } });
    expect(readPeriod(monthly, 'thang 12', new Date('2027-01-05T02:00:00Z'))).toEqual({ ok: true, period: { cycle: 'month', year: 2026, index: 12 } });
    expect(readPeriod(quarterly, 'quý 4', NOW)).toEqual({ ok: true, period: { cycle: 'quarter', year: 2026, index: 4 } });
    expect(readPeriod(quarterly, 'T11/2026', NOW)).toEqual({
      ok: false,
      reason: 'wrong_cycle',
      typed: { cycle: 'month', year: 2026, index: 11 },
      suggested: { cycle: 'quarter', year: 2026, index: 4 },
    });
    expect(readPeriod(monthly, 'Q4/2026', NOW)).toMatchObject({ ok: false, reason: 'wrong_cycle', suggested: { cycle: 'month', year: 2026, index: 12 } });
    expect(readPeriod(quarterly, 'T13/2026', NOW)).toEqual({ ok: false, reason: 'unreadable' });
  });
});

describe('the period named in a title line', () => {
  it.each([
    ['BÁO CÁO THÁNG 11/2026\nHộ được hướng dẫn: 45', 'thang 11 2026'],
    ['Em gửi báo cáo quý 4 ạ\nVNeID: 3', 'quy 4'],
    ['Kỳ báo cáo: Quý IV năm 2026', 'quy iv 2026'],
    ['Hộ được hướng dẫn: 45\nThôn Nà Pồng', undefined],
    ['Khó khăn: tháng 11 mưa nhiều', undefined],
  ])('titlePeriodText(%j) = %j', (body, text) => expect(titlePeriodText(body)).toBe(text));
});

describe('normalising a message once at the edge', () => {
  it('turns CRLF, CR and line separators into \\n, NBSP into spaces, drops zero-width characters and BOMs', () => {
    expect(normalizeMessage('\ufeff\u200b/baocao\r\nHộ:\u00a045\rVNe\u200bID: 30\u2028DVC: 1\u200b  ')).toBe('/baocao\nHộ: 45\nVNeID: 30\nDVC: 1');
  });
  it('composes decomposed Vietnamese and keeps emoji joiners inside', () => {
    expect(normalizeMessage('Ho\u0302\u0323 👨\u200d👩')).toBe('Hộ 👨\u200d👩');
  });
});

describe('Telex slips', () => {
  it.each([
    ['kho khawn', 'kho khan'],
    ['hooj dduwowcj huwowngs daanx', 'ho duoc huong dan'],
    ['nguwowif', 'nguoi'],
    ['vneid', 'vneid'],
  ])('untelex(%j) = %j', (a, b) => expect(untelex(a)).toBe(b));
});

describe('the indicator catalogue file', () => {
  it('ships catalogue/indicators.yaml, valid, with synonyms a province can extend', () => {
    const c = loadCatalogueFile(CATALOGUE_FILE);
    expect(c.indicators.length).toBeGreaterThanOrEqual(30);
    expect(c.synonyms.some((g) => g[0] === 'tai khoan' && g.includes('tk'))).toBe(true);
    expect(c.indicators.find((i) => i.key === 'team_count')!.fromRoster).toBe(true);
  });

  it.each([
    ['Số lượt người được hỗ trợ', 'people_supported'],
    ['Tài khoản thanh toán điện tử', 'payment_accounts'],
    ['Kích hoạt định danh mức 2', 'vneid_l2'],
    ['ĐDĐT mức 2', 'vneid_l2'],
    ['HS DVC', 'dvc_dossiers'],
    ['TK ngân hàng/ví điện tử', 'payment_accounts'],
    ['Hộ vào nhóm Zalo thôn', 'zalo_hh'],
    ['Gian hàng Postmart', 'ecommerce_accounts'],
    ['Shopee', 'ecommerce_accounts'],
    ['Số hộ đã được hướng dẫn', 'households_supported'],
  ])('reads "%s" as %s', (label, key) => expect(findIndicatorByLabel(label)?.key).toBe(key));

  it('synonyms and ignored words apply on whole words, longest first', () => {
    const canon = makeCanon([['tai khoan', 'tk'], ['dich vu cong truc tuyen', 'dvctt'], ['dich vu cong', 'dvc']], ['da']);
    expect(canon('tk dvc')).toBe('tai khoan dich vu cong');
    expect(canon('dvctt')).toBe('dich vu cong truc tuyen');
    expect(canon('tkx')).toBe('tkx');
    expect(canon('ho da duoc huong dan')).toBe('ho duoc huong dan');
  });

  it('refuses a broken file naming the path of every bad field', () => {
    const bad = {
      synonyms: [['tai khoan', 'tk'], ['tk', 'tai khoan so']],
      indicators: [
        { key: 'a', labels: { vi: 'A', en: 'A' }, short: { vi: 'A', en: 'A' }, type: 'count', source: 's', boundBy: 'zzz' },
        { key: 'a', labels: { vi: 'B', en: 'B' }, short: { vi: 'B', en: 'B' }, type: 'text', aggregation: 'text', source: 's' },
      ],
    };
    let err: CatalogueError | undefined;
    try {
      parseCatalogue('test.yaml', bad);
    } catch (e) {
      err = e as CatalogueError;
    }
    expect(err).toBeInstanceOf(CatalogueError);
    expect(err!.issues.map((i) => i.path).sort()).toEqual(['indicators.0.boundBy', 'indicators.0.unit', 'indicators.1.key', 'synonyms.1.0']);
  });

  it('refuses a YAML syntax error naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-'));
    const f = path.join(dir, 'indicators.yaml');
    fs.writeFileSync(f, 'indicators: [\n  - key: a\n');
    expect(() => loadCatalogueFile(f)).toThrow(CatalogueError);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
