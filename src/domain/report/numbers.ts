/**
 * Numbers the way they are typed in Vietnamese reports. Rules (see parse.ts for the line rules):
 *
 * - Thousands: `1.200`, `1 200` (also no-break spaces), `1,200`, `1.200.000` → 1200 / 1200000.
 *   Groups after the first must have exactly 3 digits and one separator kind.
 * - `count` indicators take integers only: `1,5`, `1.5`, `1.25` → `not_integer`.
 * - `decimal` indicators (hours): `1,5` and `1.5` → 1.5. A single `,` is always the decimal mark
 *   (`1,200` → 1.2, the Vietnamese convention); `.` followed by exactly 3 digits is a thousands
 *   mark (`1.200` → 1200), otherwise the decimal mark (`2.5` → 2.5, as phone keypads type it);
 *   `1.200,5` and `1,200.5` → 1200.5.
 * - A unit word may follow, with or without a space: `45 hộ`, `45hộ`, `12 hồ sơ`, `3 tài khoản`;
 *   so may a trailing comment in brackets (`30 (tăng 5)`), a final `ạ`, trailing punctuation and emoji.
 * - Zero words: `không`, `ko`, `k`, `không có`, `chưa có`, `chưa` → 0.
 * - Approximations `khoảng 45`, `tầm 45`, `gần 45`, `hơn 45`, `trên 45`, `~45`, `45+`, `45 trở lên` and
 *   ranges `40-45` → `approximate` (with `value`, the number typed): a report holds counted figures,
 *   so the leader is asked for the exact one.
 * - A percentage `85%`, `85 %`, `85 phần trăm` where a count is expected → `percent`.
 * - A leading `-`/`−` before a digit → `negative`. Words and anything else → `not_number`.
 *   Empty → `empty_value`.
 */
import { fold } from '../text';

export type NumberFailure = 'empty_value' | 'not_number' | 'negative' | 'not_integer' | 'approximate' | 'percent';
export type NumberResult =
  | { ok: true; value: number; approximate: boolean }
  | { ok: false; code: NumberFailure; value?: number };

/** Unit words accepted after a number whatever the indicator (folded). */
export const GENERIC_UNIT_WORDS: ReadonlySet<string> = new Set([
  'ho', 'ho gia dinh', 'nguoi', 'nguoi dan', 'luot', 'luot nguoi', 'ho so', 'bo ho so', 'tai khoan', 'tk',
  'gian hang', 'cua hang', 'san pham', 'sp', 'buoi', 'lop', 'to', 'thon', 'ban', 'ngay', 'gio', 'tieng', 'h',
  'phan anh', 'kien nghi', 'cai', 'ung dung', 'app', 'nguoi 100 dan', 'households', 'household', 'people',
  'persons', 'person', 'accounts', 'account', 'shops', 'shop', 'products', 'product', 'sessions', 'session',
  'hours', 'hour', 'hrs', 'days', 'day', 'teams', 'team', 'villages', 'village', 'visits', 'dossiers', 'items',
  'merchants', 'attendances', 'members', 'residents', 'hs', 'hso', 'ng', 'nguoi dung', 'thanh vien', 'tv',
  'luot ho tro', 'luot huong dan', 'san pham ocop', 'ho kinh doanh', 'gh', 'hoc vien', 'luot nguoi dan', 'cuoc',
  'nguoi tham gia', 'ho dan', 'buoi tap huan', 'buoi tuyen truyen', 'lop tap huan', 'tai khoan ngan hang',
]);

/** A unit word, optionally followed by up to three words of comment ("45 hộ trong ấp", "12 hồ sơ đã nộp"). */
function unitWithComment(rest: string, unitWords: readonly string[]): boolean {
  const words = rest.split(' ');
  for (let n = Math.min(3, words.length); n >= 1; n--) {
    const head = words.slice(0, n).join(' ');
    if (GENERIC_UNIT_WORDS.has(head) || unitWords.includes(head)) return words.length - n <= 3;
  }
  return false;
}

const ZERO_WORDS = new Set(['khong', 'ko', 'k', 'khong co', 'ko co', 'k co', 'chua co', 'chua', 'none', 'nil', 'khong co a', 'chua co a', 'khong a']);

const APPROX = /^(?:khoang chung|khoang|tam khoang|tam|gan|hon|tren duoi|tren|duoi|ngot|xap xi|uoc tinh|uoc|chung|co le|about|around|approx\.?|over|more than|~|≈|>|<)\s*/;
/** after the number: "45+", "45 trở lên", "45 hơn", "45 trở xuống" */
const APPROX_AFTER = /^(?:\+|tro len|tro xuong|hon|tren|or more|\+ ?ho|\+ ?nguoi)(?:\s|$)/;
const PERCENT = /^(?:%|phan tram|percent)(?:\s|$)/;

/** Emoji, pictographs and joiners are noise in a number. */
const SYMBOLS = /[\p{Extended_Pictographic}\p{So}\uFE0F\u200D]/gu;

function stripMarks(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

/** Clean a value: symbols off, trailing punctuation and a bracketed trailing comment off. */
export function cleanValue(raw: string): string {
  let s = raw.replace(SYMBOLS, ' ').trim();
  for (let i = 0; i < 3; i++) {
    const before = s;
    s = s.replace(/\s*\([^()]*\)\s*$/, '').replace(/[\s.!?;,:]+$/, '').trim();
    if (s === before) break;
  }
  return s;
}

function parseDigits(num: string, type: 'count' | 'decimal'): number | 'not_number' | 'not_integer' {
  const n = num.replace(/[\u00a0\u202f\s]+/g, ' ');
  if (/^\d+$/.test(n)) return Number(n);
  const grouped = /^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$/.exec(n);
  if (grouped) {
    const sep = grouped[1];
    const groups = n.split(sep ?? '').length - 1;
    if (type === 'decimal' && sep === ',' && groups === 1) return Number(n.replace(',', '.'));
    return Number(n.replace(/[., ]/g, ''));
  }
  let value: number | undefined;
  if (/^\d+[.,]\d+$/.test(n)) value = Number(n.replace(',', '.'));
  else if (/^\d{1,3}(?:([. ])\d{3})*,\d+$/.test(n)) value = Number(n.replace(/[. ]/g, '').replace(',', '.'));
  else if (/^\d{1,3}(?:([, ])\d{3})*\.\d+$/.test(n)) value = Number(n.replace(/[, ]/g, ''));
  if (value === undefined || !Number.isFinite(value)) return 'not_number';
  if (type === 'count' && !Number.isInteger(value)) return 'not_integer';
  return value;
}

/**
 * Parse one typed value for a numeric indicator. `unitWords` are extra folded unit words accepted
 * after the number (the indicator's own unit), on top of GENERIC_UNIT_WORDS.
 */
export function parseNumber(raw: string, type: 'count' | 'decimal', unitWords: readonly string[] = []): NumberResult {
  const cleaned = cleanValue(raw);
  if (!cleaned) return { ok: false, code: 'empty_value' };
  if (ZERO_WORDS.has(fold(cleaned))) return { ok: true, value: 0, approximate: false };
  let t = stripMarks(cleaned);
  let approximate = false;
  const ap = APPROX.exec(t);
  if (ap && /\d/.test(t.slice(ap[0].length, ap[0].length + 2))) {
    approximate = true;
    t = t.slice(ap[0].length);
  }
  if (/^[-−–]\s*\d/.test(t)) return { ok: false, code: 'negative' };
  t = t.replace(/^\+\s*/, '');
  const m = /^(\d[\d.,\s\u00a0\u202f]*)/.exec(t);
  if (!m) return { ok: false, code: 'not_number' };
  const numPart = (m[1] ?? '').replace(/[.,\s\u00a0\u202f]+$/, '');
  const after = t.slice(numPart.length).trim();
  const typed = parseDigits(numPart, 'decimal');
  const typedValue = typeof typed === 'number' ? { value: typed } : {};
  if (PERCENT.test(after)) return { ok: false, code: 'percent', ...typedValue };
  // a range "40-45", "40 đến 45"
  if (/^(?:[-–—~]|den|toi)\s*\d/.test(after)) return { ok: false, code: 'approximate', ...typedValue };
  if (APPROX_AFTER.test(after)) approximate = true;
  let rest = fold(after.replace(APPROX_AFTER, ''));
  rest = rest.replace(/(^| )a$/, '').trim();
  if (rest && !unitWithComment(rest, unitWords)) return { ok: false, code: 'not_number' };
  const v = parseDigits(numPart, type);
  if (approximate) return { ok: false, code: 'approximate', ...typedValue };
  if (typeof v !== 'number') return { ok: false, code: v };
  return { ok: true, value: v, approximate };
}

/** Does this text start like a value (a digit, a sign before a digit, an approximation word)? */
export function looksLikeValue(raw: string): boolean {
  const t = stripMarks(cleanValue(raw)).toLowerCase();
  if (/^[-−–+]?\s*\d/.test(t)) return true;
  const ap = APPROX.exec(t);
  return !!ap && /^\d/.test(t.slice(ap[0].length));
}
