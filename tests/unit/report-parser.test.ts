import fc from 'fast-check';
import { resolveIndicators, type ResolvedIndicator } from '../../src/domain/indicators';
import { parseReport, templateLines, type ParseError } from '../../src/domain/report/parse';
import { parseNumber } from '../../src/domain/report/numbers';

/** A village team's indicator set; households guided is required (Cà Mau's 80% target). */
const VILLAGE = resolveIndicators(
  [
    'team_count', 'member_count', 'households_total', 'households_supported', 'people_supported', 'vneid_l2',
    'dvc_accounts', 'dvc_dossiers', 'payment_accounts', 'ecommerce_accounts', 'ocop_online', 'zalo_hh',
    'sessions_held', 'activity_hours', 'bdhvs_completed', 'online_safety', 'highlights', 'difficulties', 'proposals',
    'next_tasks',
  ].map((key) => ({
    key,
    required: key === 'households_supported',
    ...(key === 'households_supported' ? { target: { share: 0.8, of: 'households_total', source: 'Cà Mau 220/KH-UBND' } } : {}),
  })),
);
const HH = { households_total: 320 };

interface Case {
  body: string;
  values: Record<string, number | string>;
  errors?: ParseError[];
  ignored?: { line: number; text: string; reason: string; key?: string }[];
  skipped?: { line: number; text: string; key: string }[];
  approximate?: string[];
  bounds?: Record<string, number>;
}

const CASES: Record<string, Case> = {
  'colon, no diacritics, unit word': { body: 'Ho huong dan: 45 ho', values: { households_supported: 45 } },
  'no separator': { body: 'vneid 30', values: { vneid_l2: 30 } },
  'text with commas': {
    body: 'Kho khan: mang yeu, nguoi gia khong biet dung dien thoai',
    values: { difficulties: 'mang yeu, nguoi gia khong biet dung dien thoai' },
  },
  'full diacritics, several lines': {
    body: 'Hộ được hướng dẫn: 45\nKích hoạt VNeID mức 2: 30\nHồ sơ DVC trực tuyến: 12',
    values: { households_supported: 45, vneid_l2: 30, dvc_dossiers: 12 },
  },
  'upper case and extra spaces': { body: 'HO   HUONG DAN :   45\nVNEID    30', values: { households_supported: 45, vneid_l2: 30 } },
  'equals and dash separators': {
    body: 'ho huong dan = 45\nvneid - 30\ndvc – 7',
    values: { households_supported: 45, vneid_l2: 30, dvc_dossiers: 7 },
  },
  'bullets and numbering': {
    body: '- Ho huong dan: 45\n+ VNeID: 30\n• DVC: 5\n1. thanh toan: 8\n2) gian hang: 3\na) zalo: 120',
    values: { households_supported: 45, vneid_l2: 30, dvc_dossiers: 5, payment_accounts: 8, ecommerce_accounts: 3, zalo_hh: 120 },
  },
  'thousands with dot': { body: 'luot huong dan: 1.200', values: { people_supported: 1200 } },
  'thousands with space': { body: 'so ho: 1 200\nho huong dan 1 000', values: { households_total: 1200, households_supported: 1000 } },
  'thousands with comma': { body: 'nguoi duoc huong dan: 1,250', values: { people_supported: 1250 } },
  'number glued to unit word': { body: 'ho huong dan: 45hộ\nvneid: 30nguoi', values: { households_supported: 45, vneid_l2: 30 } },
  'Zalo line break between label and value': {
    body: 'Ho huong dan:\n45\nVNeID\n30',
    values: { households_supported: 45, vneid_l2: 30 },
  },
  'stray emoji': { body: 'Ho huong dan: 45 👍\n🙏🙏\nvneid 30 ✅', values: { households_supported: 45, vneid_l2: 30 } },
  'emoji bullets': { body: '✅ Ho huong dan: 45\n👉 vneid: 30', values: { households_supported: 45, vneid_l2: 30 } },
  'greeting, header and sign-off': {
    body: 'Em gui bao cao thang 11 a\nThon Na Pong\nho huong dan: 45\nTran trong!',
    values: { households_supported: 45 },
    ignored: [
      { line: 1, text: 'Em gui bao cao thang 11 a', reason: 'header' },
      { line: 2, text: 'Thon Na Pong', reason: 'header' },
      { line: 4, text: 'Tran trong!', reason: 'header' },
    ],
  },
  'command on the first line': { body: '/baocao ho huong dan 45\nvneid 30', values: { households_supported: 45, vneid_l2: 30 } },
  'command with bot name alone': { body: '/baocao@cnscd_bot\nHo huong dan: 45', values: { households_supported: 45 } },
  'multi-line difficulties then proposals': {
    body: 'Kho khan:\n- mang yeu\n- nguoi gia khong biet dung dien thoai\nDe xuat: ho tro them dien thoai',
    values: { difficulties: '- mang yeu\n- nguoi gia khong biet dung dien thoai', proposals: 'ho tro them dien thoai' },
  },
  'a number line after a text field starts a new entry': {
    body: 'kho khan: mang yeu\nvneid 30',
    values: { difficulties: 'mang yeu', vneid_l2: 30 },
  },
  'difficulties without separator': { body: 'Kho khan mang yeu o xom tren', values: { difficulties: 'mang yeu o xom tren' } },
  'decimal hours with comma': { body: 'so gio hoat dong: 12,5', values: { activity_hours: 12.5 } },
  'decimal hours with dot': { body: 'gio: 7.5 tieng', values: { activity_hours: 7.5 } },
  'zero and zero words': {
    body: 'tmdt: 0\nocop: khong\nthanh toan: ko',
    values: { ecommerce_accounts: 0, ocop_online: 0, payment_accounts: 0 },
  },
  'approximations refused, naming the number typed': {
    body: 'ho huong dan khoang 45\nluot huong dan: tam 100\nvneid: ~40\ndvc: hon 30\ngian hang: 5+',
    values: {},
    errors: [
      { line: 1, text: 'ho huong dan khoang 45', code: 'approximate', key: 'households_supported', value: 45 },
      { line: 2, text: 'luot huong dan: tam 100', code: 'approximate', key: 'people_supported', value: 100 },
      { line: 3, text: 'vneid: ~40', code: 'approximate', key: 'vneid_l2', value: 40 },
      { line: 4, text: 'dvc: hon 30', code: 'approximate', key: 'dvc_dossiers', value: 30 },
      { line: 5, text: 'gian hang: 5+', code: 'approximate', key: 'ecommerce_accounts', value: 5 },
    ],
  },
  'a percentage where a count is expected': {
    body: 'Hộ được hướng dẫn: 85%\nZalo: 90 phần trăm',
    values: {},
    errors: [
      { line: 1, text: 'Hộ được hướng dẫn: 85%', code: 'percent', key: 'households_supported', value: 85 },
      { line: 2, text: 'Zalo: 90 phần trăm', code: 'percent', key: 'zalo_hh', value: 90 },
    ],
  },
  'filler word "là"': { body: 'So ho duoc huong dan la 45', values: { households_supported: 45 } },
  'label with unit in brackets': { body: 'Số hộ được hướng dẫn (hộ): 45', values: { households_supported: 45 } },
  'abbreviation HD': { body: '1. Hộ được HD: 45 hộ\n2. Người được HD: 60', values: { households_supported: 45, people_supported: 60 } },
  'several entries on one line': {
    body: 'vneid 30, dvc 12; gian hang 3',
    values: { vneid_l2: 30, dvc_dossiers: 12, ecommerce_accounts: 3 },
  },
  'English labels': {
    body: 'Households guided: 45\nVNeID level 2 activated: 30\nDifficulties: weak signal',
    values: { households_supported: 45, vneid_l2: 30, difficulties: 'weak signal' },
  },
  'official long label': { body: 'Số hộ gia đình được đến tận nhà hướng dẫn, hỗ trợ: 45', values: { households_supported: 45 } },
  'dot leaders': { body: 'Ho huong dan........45\nVNeID…30', values: { households_supported: 45, vneid_l2: 30 } },
  'Windows line endings and blank lines': {
    body: 'Ho huong dan: 45\r\n\r\n\r\nvneid: 30\r\n',
    values: { households_supported: 45, vneid_l2: 30 },
  },
  'polite particle after the number': { body: 'ho huong dan: 45 ho a', values: { households_supported: 45 } },
  'space before colon, trailing dot, unit of two words': {
    body: 'VNeID : 30.\nDVC : 12 ho so.',
    values: { vneid_l2: 30, dvc_dossiers: 12 },
  },
  'prose with a colon inside a text field keeps going': {
    body: 'De xuat: cap them may tinh\ncho nha van hoa thon: 2 may',
    values: { proposals: 'cap them may tinh\ncho nha van hoa thon: 2 may' },
  },
  'blank line closes a text field': {
    body: 'kho khan: mang yeu\n\ncam on anh chi',
    values: { difficulties: 'mang yeu' },
    ignored: [{ line: 3, text: 'cam on anh chi', reason: 'header' }],
  },
  'duplicate through an alias': {
    body: 'vneid: 30\ndinh danh: 31',
    values: { vneid_l2: 30 },
    errors: [{ line: 2, text: 'dinh danh: 31', code: 'duplicate', key: 'vneid_l2', firstLine: 1 }],
  },
  'duplicate text field': {
    body: 'kho khan: mang yeu\nkho khan: thieu dien thoai\nva may tinh',
    values: { difficulties: 'mang yeu' },
    errors: [{ line: 2, text: 'kho khan: thieu dien thoai', code: 'duplicate', key: 'difficulties', firstLine: 1 }],
  },
  negative: {
    body: 'ho huong dan: -5',
    values: {},
    errors: [{ line: 1, text: 'ho huong dan: -5', code: 'negative', key: 'households_supported' }],
  },
  'words are not a number': {
    body: 'vneid: ba muoi',
    values: {},
    errors: [{ line: 1, text: 'vneid: ba muoi', code: 'not_number', key: 'vneid_l2' }],
  },
  'a range is an approximation': {
    body: 'vneid: 30-35',
    values: {},
    errors: [{ line: 1, text: 'vneid: 30-35', code: 'approximate', key: 'vneid_l2', value: 30 }],
  },
  'decimals for a count': {
    body: 'gian hang: 1,5\nho huong dan 2.5',
    values: {},
    errors: [
      { line: 1, text: 'gian hang: 1,5', code: 'not_integer', key: 'ecommerce_accounts' },
      { line: 2, text: 'ho huong dan 2.5', code: 'not_integer', key: 'households_supported' },
    ],
  },
  'unknown label with a suggestion': {
    body: 'ho huong dann: 45',
    values: {},
    errors: [{ line: 1, text: 'ho huong dann: 45', code: 'unknown_label', suggestion: 'households_supported' }],
  },
  'unknown label without a suggestion': {
    body: 'so con ga: 45\nvneid 30',
    values: { vneid_l2: 30 },
    errors: [{ line: 1, text: 'so con ga: 45', code: 'unknown_label' }],
  },
  'above the unit households': {
    body: 'ho huong dan: 400',
    bounds: HH,
    values: {},
    errors: [{ line: 1, text: 'ho huong dan: 400', code: 'above_bound', key: 'households_supported', bound: 320, boundKey: 'households_total', boundFrom: 'unit' }],
  },
  'above the households given in the same report': {
    body: 'so ho: 40\nho huong dan: 45',
    bounds: HH,
    values: { households_total: 40 },
    errors: [{ line: 2, text: 'ho huong dan: 45', code: 'above_bound', key: 'households_supported', bound: 40, boundKey: 'households_total' }],
  },
  'Zalo households above households': {
    body: 'zalo: 321\nho huong dan: 320',
    bounds: HH,
    values: { households_supported: 320 },
    errors: [{ line: 1, text: 'zalo: 321', code: 'above_bound', key: 'zalo_hh', bound: 320, boundKey: 'households_total', boundFrom: 'unit' }],
  },
  'empty required value: not an error, missing (asked for afterwards)': {
    body: 'ho huong dan:\nvneid: 30',
    values: { vneid_l2: 30 },
    ignored: [{ line: 1, text: 'ho huong dan:', reason: 'empty', key: 'households_supported' }],
  },
  'empty optional value is not reported, not 0': {
    body: 'vneid:\ngian hang: 2',
    values: { ecommerce_accounts: 2 },
    ignored: [{ line: 1, text: 'vneid:', reason: 'empty', key: 'vneid_l2' }],
  },
  'an indicator this unit does not report is skipped, the rest kept': {
    body: 'vssid: 10\nvneid: 30',
    values: { vneid_l2: 30 },
    skipped: [{ line: 1, text: 'vssid: 10', key: 'vssid_users' }],
  },
  'a bare number with nothing to fill': {
    body: '45\nvneid 30',
    values: { vneid_l2: 30 },
    errors: [{ line: 1, text: '45', code: 'unknown_label' }],
  },
  'every bad line in one pass': {
    body: 'ho huong dan: -5\nvneid: abc\nvneid: 3\nxyz: 4\ngian hang: 1,5\nzalo: 999\ndvc: 4',
    bounds: HH,
    values: { dvc_dossiers: 4 },
    errors: [
      { line: 1, text: 'ho huong dan: -5', code: 'negative', key: 'households_supported' },
      { line: 2, text: 'vneid: abc', code: 'not_number', key: 'vneid_l2' },
      { line: 3, text: 'vneid: 3', code: 'duplicate', key: 'vneid_l2', firstLine: 2 },
      { line: 4, text: 'xyz: 4', code: 'unknown_label' },
      { line: 5, text: 'gian hang: 1,5', code: 'not_integer', key: 'ecommerce_accounts' },
      { line: 6, text: 'zalo: 999', code: 'above_bound', key: 'zalo_hh', bound: 320, boundKey: 'households_total', boundFrom: 'unit' },
    ],
  },
  'a label typo after a text field is an error, not prose': {
    body: 'kho khan: mang yeu\nvnied: 30',
    values: { difficulties: 'mang yeu' },
    errors: [{ line: 2, text: 'vnied: 30', code: 'unknown_label', suggestion: 'vneid_l2' }],
  },
  'a whole phone message': {
    body: [
      '/baocao',
      'BÁO CÁO THÁNG 11 - THÔN NÀ PỒNG',
      '1. Hộ được HD: 45 hộ',
      '2.VNeID 30',
      '3. Ho so DVC = 1.200',
      '4. Thanh toan - 12 tai khoan',
      '5. TMDT: 2',
      'Khó khăn: sóng yếu 😢',
      'người già không dùng smartphone',
      '',
      'Đề xuất: hỗ trợ 4G',
    ].join('\n'),
    values: {
      households_supported: 45,
      vneid_l2: 30,
      dvc_dossiers: 1200,
      payment_accounts: 12,
      ecommerce_accounts: 2,
      difficulties: 'sóng yếu 😢\nngười già không dùng smartphone',
      proposals: 'hỗ trợ 4G',
    },
    ignored: [{ line: 2, text: 'BÁO CÁO THÁNG 11 - THÔN NÀ PỒNG', reason: 'header' }],
  },
  'Zalo message with hard line breaks and a signature': {
    body: 'Thon Ban Chang bao cao\nSo to: 1\nThanh vien: 6\nHo huong dan:\n52 ho\nLuot HD: 130\nTruong thon: Lo Van Pang',
    values: { team_count: 1, member_count: 6, households_supported: 52, people_supported: 130 },
    ignored: [
      { line: 1, text: 'Thon Ban Chang bao cao', reason: 'header' },
      { line: 7, text: 'Truong thon: Lo Van Pang', reason: 'header' },
    ],
  },
  'payments, e-commerce and OCOP in everyday words': {
    body: 'vi dien tu: 14\ngian hang tren san: 3\nsp ocop len san: 2',
    values: { payment_accounts: 14 },
    errors: [
      { line: 2, text: 'gian hang tren san: 3', code: 'unknown_label', suggestion: 'ecommerce_accounts' },
      { line: 3, text: 'sp ocop len san: 2', code: 'unknown_label', suggestion: 'ocop_online' },
    ],
  },
  'next tasks and highlights': {
    body: 'Ket qua noi bat: 100% ho vao nhom zalo\nNhiem vu ky toi: tiep tuc huong dan VNeID',
    values: { highlights: '100% ho vao nhom zalo', next_tasks: 'tiep tuc huong dan VNeID' },
  },
  'kiến nghị is a proposal': { body: 'Kien nghi: cap them 2 dien thoai', values: { proposals: 'cap them 2 dien thoai' } },
  'anti-scam and BDHVS': {
    body: 'chong lua dao: 80 luot\nbinh dan hoc vu so: 25 nguoi',
    values: { online_safety: 80, bdhvs_completed: 25 },
  },
  'teams and sessions, hours with words': {
    body: 'so buoi: 4 buoi\nthoi gian hoat dong: 16 gio',
    values: { sessions_held: 4, activity_hours: 16 },
  },
};

describe('parseReport: real-looking messages', () => {
  it('has at least 40 cases', () => expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(40));

  it.each(Object.entries(CASES))('%s', (_name, c) => {
    const r = parseReport(c.body, { indicators: VILLAGE, ...(c.bounds ? { bounds: c.bounds } : {}) });
    expect(r.values).toEqual(c.values);
    expect(r.errors).toEqual(c.errors ?? []);
    if (c.ignored) expect(r.ignored).toEqual(c.ignored);
    expect(r.skipped).toEqual(c.skipped ?? []);
    expect(r.approximate.sort()).toEqual((c.approximate ?? []).sort());
  });

  it('records the line each value came from and the missing required keys', () => {
    const r = parseReport('\nvneid 30\n\nkho khan:\n- mang yeu', { indicators: VILLAGE });
    expect(r.lines).toEqual({ vneid_l2: 2, difficulties: 4 });
    expect(r.missingRequired).toEqual(['households_supported']);
  });

  it('an empty body gives nothing', () => {
    const r = parseReport('', { indicators: VILLAGE });
    expect(r).toMatchObject({ values: {}, errors: [], ignored: [] });
  });

  it('a direct cap in bounds applies to the key itself', () => {
    const r = parseReport('vneid: 501', { indicators: VILLAGE, bounds: { vneid_l2: 500 } });
    expect(r.errors).toEqual([{ line: 1, text: 'vneid: 501', code: 'above_bound', key: 'vneid_l2', bound: 500, boundFrom: 'unit' }]);
  });
});

describe('parseNumber', () => {
  it.each([
    ['45', 'count', 45],
    ['1.200', 'count', 1200],
    ['1 200', 'count', 1200],
    ['1\u00a0200', 'count', 1200],
    ['1,200', 'count', 1200],
    ['1.200.000', 'count', 1200000],
    ['45 hộ', 'count', 45],
    ['45hộ', 'count', 45],
    ['12 hồ sơ', 'count', 12],
    ['30 (tăng 5)', 'count', 30],
    ['0', 'count', 0],
    ['không', 'count', 0],
    ['chưa có', 'count', 0],
    ['1,5', 'decimal', 1.5],
    ['1.5', 'decimal', 1.5],
    ['1,200', 'decimal', 1.2],
    ['1.200', 'decimal', 1200],
    ['1.200,5', 'decimal', 1200.5],
    ['1,200.5', 'decimal', 1200.5],
    ['16 giờ', 'decimal', 16],
  ] as const)('%s (%s) → %d', (raw, type, value) => {
    expect(parseNumber(raw, type)).toEqual({ ok: true, value, approximate: false });
  });

  it.each([
    ['', 'count', 'empty_value'],
    ['-3', 'count', 'negative'],
    ['−3', 'count', 'negative'],
    ['1,5', 'count', 'not_integer'],
    ['1.25', 'count', 'not_integer'],
    ['12.34.5', 'count', 'not_number'],
    ['nhiều', 'count', 'not_number'],
    ['45 con gà', 'count', 'not_number'],
  ] as const)('%s (%s) → %s', (raw, type, code) => {
    expect(parseNumber(raw, type)).toEqual({ ok: false, code });
  });

  it('refuses approximations, ranges and percentages, keeping the number typed', () => {
    expect(parseNumber('khoảng 45 hộ', 'count')).toEqual({ ok: false, code: 'approximate', value: 45 });
    expect(parseNumber('~45', 'count')).toEqual({ ok: false, code: 'approximate', value: 45 });
    expect(parseNumber('hơn 30 người', 'count')).toEqual({ ok: false, code: 'approximate', value: 30 });
    expect(parseNumber('40-45', 'count')).toEqual({ ok: false, code: 'approximate', value: 40 });
    expect(parseNumber('85%', 'count')).toEqual({ ok: false, code: 'percent', value: 85 });
  });
});

// ---------------------------------------------------------------- properties

const NUMERIC = VILLAGE.filter((i) => i.reportable && i.type !== 'text' && i.key !== 'households_total');
const TEXTS = VILLAGE.filter((i) => i.type === 'text');
const PHRASES = ['mang yeu', 'người già không biết dùng điện thoại', 'thiếu thiết bị', 'cần thêm tập huấn', 'OK 👍'];

function stripMarks(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

const labelOf = (ind: ResolvedIndicator) =>
  fc
    .tuple(
      fc.constantFrom(ind.short.vi, ind.labels.vi, ind.short.en, ...ind.aliases),
      fc.boolean(),
      fc.constantFrom<'lower' | 'upper' | 'as-is' | 'random'>('lower', 'upper', 'as-is', 'random'),
      fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
      fc.constantFrom(' ', '  ', '   '),
    )
    .map(([label, strip, casing, flips, space]) => {
      let s = strip ? stripMarks(label) : label;
      if (casing === 'lower') s = s.toLowerCase();
      else if (casing === 'upper') s = s.toUpperCase();
      else if (casing === 'random') s = [...s].map((ch, i) => (flips[i % flips.length] ? ch.toUpperCase() : ch.toLowerCase())).join('');
      return s.replace(/ /g, space);
    });

function formatCount(v: number, style: 'plain' | 'dot' | 'space' | 'comma'): string {
  if (style === 'plain' || v < 1000) return String(v);
  const sep = style === 'dot' ? '.' : style === 'space' ? ' ' : ',';
  return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

const numericLine = (ind: ResolvedIndicator) =>
  fc
    .record({
      label: labelOf(ind),
      value: ind.type === 'decimal' ? fc.integer({ min: 0, max: 999 }).map((x) => x / 10) : fc.integer({ min: 0, max: 250_000 }),
      style: fc.constantFrom<'plain' | 'dot' | 'space' | 'comma'>('plain', 'dot', 'space', 'comma'),
      decimalMark: fc.constantFrom(',', '.'),
      sep: fc.constantFrom(': ', ':', ' : ', ' = ', '=', ' - ', ' '),
      unit: fc.constantFrom('none', 'spaced', 'glued', 'folded'),
      bullet: fc.constantFrom('', '- ', '+ ', '• ', '1. ', 'a) '),
    })
    .map((r) => {
      let num: string;
      if (ind.type === 'decimal') num = String(r.value).replace('.', r.decimalMark);
      else num = formatCount(r.value, r.style);
      const unit = ind.unit.vi;
      const withUnit =
        r.unit === 'spaced' ? `${num} ${unit}` : r.unit === 'glued' ? `${num}${unit}` : r.unit === 'folded' ? `${num} ${stripMarks(unit)}` : num;
      return { key: ind.key, value: r.value, line: `${r.bullet}${r.label}${r.sep}${withUnit}` };
    });

const textLine = (ind: ResolvedIndicator) =>
  fc.record({ label: labelOf(ind), text: fc.constantFrom(...PHRASES), bullet: fc.constantFrom('', '- ') }).map((r) => ({
    key: ind.key,
    value: r.text.trim(),
    line: `${r.bullet}${r.label}: ${r.text}`,
  }));

const reportArb = fc
  .tuple(fc.shuffledSubarray(NUMERIC, { minLength: 1 }), fc.subarray(TEXTS))
  .chain(([nums, texts]) =>
    fc.tuple(
      fc.tuple(...nums.map(numericLine)),
      texts.length ? fc.tuple(...texts.map(textLine)) : fc.constant([] as { key: string; value: string; line: string }[]),
      fc.array(fc.constantFrom('', '   ', '🙏'), { maxLength: 3 }),
    ),
  )
  .chain(([nums, texts, blanks]) =>
    fc.shuffledSubarray([...nums, ...texts], { minLength: nums.length + texts.length }).map((lines) => ({ lines, blanks })),
  );

describe('parseReport: properties', () => {
  it('any order, spacing, case, diacritics, number format and unit word give the same values', () => {
    fc.assert(
      fc.property(reportArb, ({ lines, blanks }) => {
        const body = [...blanks, ...lines.map((l) => l.line)].join('\n');
        const r = parseReport(body, { indicators: VILLAGE });
        const expected = Object.fromEntries(lines.map((l) => [l.key, l.value]));
        expect(r.errors).toEqual([]);
        expect(r.values).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('a key given twice is always reported as a duplicate naming the first line', () => {
    const arb = reportArb.chain(({ lines }) => {
      const numeric = lines.filter((l) => typeof l.value === 'number');
      return fc.record({
        lines: fc.constant(lines),
        dup: fc.constantFrom(...numeric),
        at: fc.nat(),
      }).chain((r) =>
        numericLine(NUMERIC.find((i) => i.key === r.dup.key)!).map((again) => ({ ...r, again })),
      );
    });
    fc.assert(
      fc.property(arb, ({ lines, dup, at, again }) => {
        const firstIdx = lines.indexOf(dup);
        const insertAt = firstIdx + 1 + (at % (lines.length - firstIdx));
        const all = [...lines.slice(0, insertAt), again, ...lines.slice(insertAt)];
        const r = parseReport(all.map((l) => l.line).join('\n'), { indicators: VILLAGE });
        expect(r.errors).toEqual([
          { line: insertAt + 1, text: again.line.trim(), code: 'duplicate', key: dup.key, firstLine: firstIdx + 1 },
        ]);
        expect(r.values[dup.key]).toBe(dup.value);
      }),
      { numRuns: 300 },
    );
  });

  it('the template round-trips, in both languages, filled in any subset', () => {
    const reportable = VILLAGE.filter((i) => i.reportable);
    fc.assert(
      fc.property(
        fc.constantFrom<'vi' | 'en'>('vi', 'en'),
        fc.array(fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), { minLength: reportable.length, maxLength: reportable.length }),
        fc.constantFrom(...PHRASES),
        (locale, nums, phrase) => {
          const lines = templateLines(VILLAGE, locale);
          expect(lines).toHaveLength(reportable.length);
          const expected: Record<string, number | string> = {};
          const filled = lines.map((line, i) => {
            const ind = reportable[i]!;
            const n = nums[i];
            if (n === undefined) return line;
            // households total above every other count, so no bound is crossed
            const num = ind.key === 'households_total' ? n + 1000 : n;
            const v = ind.type === 'text' ? phrase : num;
            expected[ind.key] = ind.type === 'text' ? phrase.trim() : num;
            return `${line}${v}`;
          });
          const r = parseReport(filled.join('\n'), { indicators: VILLAGE });
          expect(r.errors).toEqual([]);
          expect(r.missingRequired).toEqual(expected.households_supported === undefined ? ['households_supported'] : []);
          expect(r.values).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the template is short labels in catalogue order', () => {
    const lines = templateLines(VILLAGE, 'vi');
    expect(lines[0]).toBe('Số tổ: ');
    expect(lines).toContain('Hộ được hướng dẫn: ');
    expect(lines.indexOf('Hộ được hướng dẫn: ')).toBeLessThan(lines.indexOf('Khó khăn: '));
    expect(templateLines(VILLAGE, 'en')).toContain('Households guided: ');
  });
});
