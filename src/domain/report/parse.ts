/**
 * The report parser: a chat message of `label: value` lines → values and EVERY bad line, in one pass.
 *
 * Line rules, in order:
 * 1. Line numbers count every line of the body from 1. A `/command` (with `@bot`) at the start of
 *    the first non-blank line is dropped; the rest of that line is read like any other.
 * 2. Blank lines (and lines of only emoji/punctuation) are skipped.
 * 3. Leading bullets and numbering are dropped: `- `, `+ `, `•`, `*`, emoji, `1. `, `1) `, `(1)`,
 *    `a) `, `b. `, `iv) `.
 * 4. A label is matched after folding (diacritics, case, spacing, punctuation ignored) against each
 *    indicator's official label, short label, aliases and key, in Vietnamese and English, also with
 *    "Số"/"Số lượng"/"Tổng số" in front; a bracketed part and trailing filler words (`là`, `được`,
 *    `có`, `đạt`, `gồm`) are ignored ("Số hộ được hướng dẫn (hộ) là: 45").
 *    Forms, tried in this order:
 *    a. `label SEP value` where SEP is the first `:`, `=`, a dash followed by a space (` - `, `– `),
 *       or a dot leader (`...`, `…`) whose left side is a known label;
 *    b. the whole line is a label (no value: see 6);
 *    c. `label value` with the value a number at the end of the line, unit word allowed
 *       (`VNeID 30`, `ho huong dan 45 ho`, `so ho 1 200`);
 *    d. a known label followed by anything, for text fields (`Kho khan mang yeu`); for a number
 *       field only when the line has no separator and no number at the end (`VNeID ba muoi` →
 *       `not_number`), else the longer label is unknown (`gian hang tren san: 3` → `unknown_label`
 *       suggesting ecommerce_accounts).
 *    A line may carry several numeric entries separated by `;` or by `, ` before a letter
 *    (`vneid 30, dvc 12`) when every part matches (a, b or c).
 * 5. Values: numbers as in numbers.ts (thousands `1.200`/`1 200`/`1,200`, unit words, `khoảng 45`
 *    accepted and flagged approximate, zero words, negatives refused, decimals only for `decimal`
 *    indicators). Text takes the rest of the line as typed.
 * 6. A numeric label with no value takes its value from the next line when that line is a bare value
 *    (Zalo breaks `Hộ hướng dẫn:` / `45` across lines). Otherwise the label is empty: an
 *    `empty_value` error when the indicator is required, else listed in `ignored` (a template line
 *    left blank means "not reported", never 0).
 * 7. Text continues: after a text field, every following line that does not START a new entry by
 *    forms a–c continues that text (joined with a newline, as typed), until a blank line that
 *    follows some text. A continuation line shaped `label: number` whose label is close to a known
 *    one is reported as `unknown_label` instead (a typo, not prose).
 * 8. Lines with no label: `unknown_label` (with `suggestion`, the closest key, when close) if they
 *    have a separator or a number at the end, unless they start like a header or a sign-off
 *    (`Báo cáo…`, `Kính gửi…`, `Thôn…`, `Tháng…`, `Trân trọng`, `Cảm ơn`…), which are listed in
 *    `ignored`, as are other lines without label or value. A bare number with nothing to fill is an
 *    `unknown_label`.
 * 9. A label of a catalogue indicator this report does not collect (or a derived one) →
 *    `unknown_label` with its `key`. A key met twice → `duplicate` with `firstLine` (the first value
 *    is kept). A value above its bound → `above_bound` with `bound`: the bound is the report's own
 *    value of the reference key (households_total), else `bounds[reference key]` (the unit's
 *    households), and `bounds[key]` caps a key directly.
 */
import { fold } from '../text';
import { catalogueOrder, type IndicatorDef } from '../indicators';
import { createLabelIndex, type LabelIndex } from './labels';
import { cleanValue, looksLikeValue, parseNumber } from './numbers';

export type ReportValues = Record<string, number | string>;

export type ParseErrorCode =
  | 'unknown_label'
  | 'duplicate'
  | 'not_number'
  | 'negative'
  | 'above_bound'
  | 'not_integer'
  | 'empty_value'
  | 'approximate'
  | 'percent';

export interface ParseError {
  /** 1-based line number in the body */
  line: number;
  /** the line as typed, trimmed */
  text: string;
  code: ParseErrorCode;
  /** the indicator concerned; with `unknown_label`: a catalogue indicator this report does not collect */
  key?: string;
  /** with `unknown_label`: the closest key of this report's indicators */
  suggestion?: string;
  /** with `above_bound` */
  bound?: number;
  /** with `above_bound`: the indicator the bound comes from (absent for a direct cap) */
  boundKey?: string;
  /** with `above_bound`: set when the bound is the unit's known value (`bounds`), not a figure of this report */
  boundFrom?: 'unit';
  /** with `approximate` and `percent`: the number typed */
  value?: number;
  /** with `duplicate` */
  firstLine?: number;
}

export interface IgnoredLine {
  line: number;
  text: string;
  /** header/sign-off; no label and no value; a label left without value (`key` set) */
  reason: 'header' | 'no_label' | 'empty';
  key?: string;
}

/** A line naming a catalogue indicator this report does not collect: skipped, the rest kept. */
export interface SkippedLine {
  line: number;
  text: string;
  key: string;
}

export interface ParseResult {
  values: ReportValues;
  /** lines of indicators this report does not collect (reported to the user, then skipped) */
  skipped: SkippedLine[];
  /** key → line its value came from */
  lines: Record<string, number>;
  errors: ParseError[];
  ignored: IgnoredLine[];
  /** kept for callers; approximations are now refused (`approximate` errors), so always empty */
  approximate: string[];
  /** required reportable keys with no value */
  missingRequired: string[];
}

export interface ParseOptions {
  /** the indicators this unit reports (resolved catalogue entries or ad-hoc questions) */
  indicators: readonly (IndicatorDef & { required?: boolean })[];
  /** known values of reference keys (e.g. { households_total: 320 }), or direct caps by key */
  bounds?: Record<string, number>;
}

const HEADER_STARTS = [
  'bao cao', 'kinh gui', 'em gui', 'gui', 'xin chao', 'chao', 'tran trong', 'cam on', 'thon', 'ban', 'ap', 'khom',
  'to dan pho', 'xa', 'phuong', 'thang', 'quy', 'ky bao cao', 'nguoi bao cao', 'nguoi lap', 'ky ten', 'to truong',
  'truong thon', 'truong ban', 'truong ap', 'ngay', 'report',
  // letterheads, signatures and contact lines
  'sdt', 'so dien thoai', 'dien thoai', 'dt', 'email', 'ubnd', 'uy ban', 'cong hoa', 'doc lap', 'noi nhan', 've viec',
  'v v', 'to cnscd', 'to cong nghe so', 'to chuyen doi so', 'tm to', 't m to', 'ho ten', 'ho va ten', 'da ky', 'ky',
  'kinh thua', 'em xin', 'em bao cao', 'em xin gui', 'gui anh', 'anh chi', 'ket qua thang', 'ket qua quy',
  'ket qua hoat dong', 'so lieu thang', 'so lieu quy', 'so lieu bao cao', 'kinh chuc', 'xin cam on', 'thanks', 'dear',
  'hi', 'to truong to', 'to pho', 'xac nhan cua', 'nguoi lap bieu', 'chuc vu', 'ket qua thuc hien',
  'ket qua dat duoc', 'tinh hinh', 'danh gia chung', 'phan', 'muc', 'noi dung', 'cu the', 'nhu sau', 'so lieu',
];

/** A date ("ngày 25 tháng 11 năm 2026", "25/11/2026") or a document number ("Số: 05/BC-TCNS") makes a header. */
const HEADER_PATTERNS = [/\bngay \d{1,2} thang \d{1,2}\b/, /\b\d{1,2} \d{1,2} \d{4}\b/, /^so \d+ [a-z]/];

const BULLET = /^(?:[^\p{L}\p{N}(]+|\(\d{1,2}\)\s*|\d{1,2}[.)](?=\s|\p{L})\s*|[a-zđ][.)]\s+|[ivx]{1,4}[.)]\s+)/iu;

interface Word {
  start: number;
  end: number;
  folded: string;
}

function words(s: string): Word[] {
  const out: Word[] = [];
  for (const m of s.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const f = fold(m[0]);
    if (f) out.push({ start: m.index, end: m.index + m[0].length, folded: f.replace(/ /g, '') });
  }
  return out;
}

interface Match {
  key: string;
  value: string;
  /** strong forms (a–c) start a new entry even inside a text continuation */
  strong: boolean;
}

/** Separator positions: `:`, `=`, dash + space, dot leaders. */
function separators(s: string): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  for (const m of s.matchAll(/\s*(?:[-=]+>|→|:|：|=|[-–—]+\s|\.{2,}|…+)\s*/g)) {
    if (m.index > 0) out.push({ at: m.index, len: m[0].length });
  }
  return out;
}

/** `label value` with a number at the end: candidate splits, longest value first. */
function trailSplits(s: string): { label: string; value: string }[] {
  const tokens = [...s.matchAll(/\S+/g)];
  const out: { label: string; value: string }[] = [];
  for (let k = Math.min(6, tokens.length - 1); k >= 1; k--) {
    const first = tokens[tokens.length - k]!;
    const value = s.slice(first.index).trim();
    const label = s.slice(0, first.index).trim();
    if (!/[\p{L}]/u.test(label) || !looksLikeValue(value)) continue;
    const r = parseNumber(value, 'decimal');
    if (!r.ok && (r.code === 'not_number' || r.code === 'empty_value')) continue;
    out.push({ label, value });
  }
  return out;
}

function classify(content: string, idx: LabelIndex): Match | undefined {
  const seps = separators(content);
  for (const sep of seps) {
    const key = idx.lookup(content.slice(0, sep.at));
    if (key) return { key, value: content.slice(sep.at + sep.len).trim(), strong: true };
  }
  // a text section named with extra words before its separator: "Khó khăn trong quý: …", "Kết quả nổi bật/cách làm hay: …"
  const first = seps[0];
  if (first) {
    const head = words(content.slice(0, first.at));
    const p = idx.longestPrefix(head.map((w) => w.folded));
    if (p && idx.typeOf(p.key) === 'text' && !looksLikeValue(content.slice(first.at + first.len)) && !isHeader(content)) {
      return { key: p.key, value: content.slice(first.at + first.len).trim(), strong: true };
    }
  }
  const whole = idx.lookup(content);
  if (whole) return { key: whole, value: '', strong: true };
  for (const t of trailSplits(content)) {
    const key = idx.lookup(t.label);
    if (key) return { key, value: t.value, strong: true };
  }
  // the number first: "45 hộ được hướng dẫn", "12 hồ sơ DVC", "30 người kích hoạt VNeID"
  const lead = /^(\d[\d.,]*(?:\s\d{3})*)\s*(\p{L}.*)$/u.exec(content);
  if (lead && !seps.length) {
    const key = idx.lookup(lead[2]!);
    if (key && idx.typeOf(key) !== 'text') return { key, value: lead[1]!, strong: true };
    // numbering without a dot: "1 Hộ được hướng dẫn 45"
    if (/^\d{1,2}$/.test(lead[1]!)) {
      const inner = classify(lead[2]!, idx);
      if (inner?.strong) return inner;
    }
  } else if (lead && /^\d{1,2}$/.test(lead[1]!)) {
    const inner = classify(lead[2]!, idx);
    if (inner?.strong) return inner;
  }
  const ws = words(content);
  const p = idx.longestPrefix(ws.map((w) => w.folded));
  // a number field followed by extra words AND a separator or a number is a label we do not know
  // ("gian hang tren san: 3"): unknown_label with a suggestion, not a bad value
  const numberField = p && idx.typeOf(p.key) !== 'text';
  if (p && numberField && (separators(content).length || trailSplits(content).length)) return undefined;
  if (p) {
    const rest = content.slice(ws[p.words - 1]!.end).replace(/^[\s:=\-–—.,)]+/, '').trim();
    return { key: p.key, value: rest, strong: false };
  }
  return undefined;
}

/** The label part of a line that matched nothing, when it has a value-like shape. */
function unknownShape(content: string): { label: string; numeric: boolean } | undefined {
  const seps = separators(content);
  if (seps.length) {
    const s = seps[0]!;
    const value = content.slice(s.at + s.len);
    return { label: content.slice(0, s.at), numeric: looksLikeValue(value) };
  }
  const t = trailSplits(content);
  const last = t[t.length - 1];
  if (last) return { label: last.label, numeric: true };
  return undefined;
}

/** Sign-offs end a text section: "Khó khăn: sóng yếu" / "Tổ trưởng" / "Trần Văn Lâm" keeps the name out of it. */
const SIGN_OFFS = [
  'to truong', 'truong thon', 'truong ap', 'truong ban', 'truong khom', 'nguoi bao cao', 'nguoi lap', 'tran trong',
  'cam on', 'xin cam on', 'ky ten', 'da ky', 'tm to', 't m to', 'xac nhan cua', 'sdt', 'so dien thoai', 'kinh chuc',
];

function isSignOff(content: string): boolean {
  const f = fold(content);
  return SIGN_OFFS.some((h) => f === h || f.startsWith(h + ' ')) || HEADER_PATTERNS.slice(0, 2).some((re) => re.test(f));
}

function isHeader(content: string): boolean {
  const f = fold(content);
  return HEADER_STARTS.some((h) => f === h || f.startsWith(h + ' ')) || HEADER_PATTERNS.some((re) => re.test(f));
}

/** Label indexes by indicator list (the same resolved list is parsed against many times). */
const INDEX_CACHE = new WeakMap<readonly IndicatorDef[], LabelIndex>();

/** Parse a report body. Pure; see the module comment for the rules. */
export function parseReport(body: string, opts: ParseOptions): ParseResult {
  const defs = new Map(opts.indicators.map((i) => [i.key, i]));
  let idx = INDEX_CACHE.get(opts.indicators);
  if (!idx) INDEX_CACHE.set(opts.indicators, (idx = createLabelIndex(opts.indicators)));
  const values: ReportValues = {};
  const lineOf: Record<string, number> = {};
  const seen = new Map<string, number>();
  const errors: ParseError[] = [];
  const ignored: IgnoredLine[] = [];
  const approximate = new Set<string>();

  let open: { key: string; line: number; text: string; parts: string[]; discard: boolean } | undefined;
  let pending: { key: string; line: number; text: string } | undefined;

  const skipped: SkippedLine[] = [];
  // a label left without value is "not reported"; a required one is then in missingRequired
  const emptyLabel = (key: string, line: number, text: string) => {
    ignored.push({ line, text, reason: 'empty', key });
  };
  const closeText = () => {
    if (!open) return;
    if (!open.discard) {
      const t = open.parts.join('\n').trim();
      if (t) {
        values[open.key] = t;
        lineOf[open.key] = open.line;
      } else emptyLabel(open.key, open.line, open.text);
    }
    open = undefined;
  };
  const flushPending = () => {
    if (pending) emptyLabel(pending.key, pending.line, pending.text);
    pending = undefined;
  };
  const setNumber = (key: string, raw: string, line: number, text: string) => {
    const def = defs.get(key)!;
    const r = parseNumber(raw, def.type === 'decimal' ? 'decimal' : 'count', [fold(def.unit.vi), fold(def.unit.en)]);
    if (!r.ok) {
      if (r.code === 'empty_value') emptyLabel(key, line, text);
      else errors.push({ line, text, code: r.code, key, ...(r.value !== undefined ? { value: r.value } : {}) });
      return;
    }
    values[key] = r.value;
    lineOf[key] = line;
    if (r.approximate) approximate.add(key);
  };
  const accept = (m: Match, line: number, text: string) => {
    const def = defs.get(m.key);
    if (!def || !def.reportable) {
      skipped.push({ line, text, key: m.key });
      if (def?.type === 'text' || (!def && idx.typeOf(m.key) === 'text')) open = { key: m.key, line, text, parts: [], discard: true };
      return;
    }
    const first = seen.get(m.key);
    if (first !== undefined) {
      errors.push({ line, text, code: 'duplicate', key: m.key, firstLine: first });
      if (def.type === 'text') open = { key: m.key, line, text, parts: [], discard: true };
      return;
    }
    seen.set(m.key, line);
    if (def.type === 'text') {
      open = { key: m.key, line, text, parts: m.value ? [m.value] : [], discard: false };
    } else if (!cleanValue(m.value)) {
      pending = { key: m.key, line, text };
    } else {
      setNumber(m.key, m.value, line, text);
    }
  };

  const lines = body.split(/\r\n|\r|\n/);
  let first = true;
  lines.forEach((rawLine, i) => {
    const line = i + 1;
    let text = rawLine.trim();
    if (first && text) {
      first = false;
      const cmd = /^\/[A-Za-z0-9_]+(?:@\w+)?\s*/.exec(text);
      if (cmd) text = text.slice(cmd[0].length).trim();
    }
    if (!fold(text)) {
      if (open && open.parts.join('').trim()) closeText();
      return;
    }
    // a bare value on the line after a label left without one
    if (pending && looksLikeValue(text)) {
      const p = pending;
      pending = undefined;
      setNumber(p.key, text, line, text);
      return;
    }
    flushPending();
    const content = text.replace(BULLET, '').trim() || text;

    const parts = splitMulti(content, idx, defs);
    if (parts) {
      closeText();
      for (const m of parts) accept(m, line, text);
      return;
    }
    const m = classify(content, idx);
    if (open && !m?.strong && isSignOff(content)) {
      closeText();
      ignored.push({ line, text, reason: 'header' });
      return;
    }
    if (open) {
      if (m?.strong) {
        closeText();
        accept(m, line, text);
        return;
      }
      const shape = unknownShape(content);
      const sug = shape?.numeric ? idx.suggest(shape.label) : undefined;
      if (sug) {
        closeText();
        errors.push({ line, text, code: 'unknown_label', suggestion: sug });
        return;
      }
      open.parts.push(text);
      return;
    }
    if (m && (m.strong || !isHeader(content))) {
      accept(m, line, text);
      return;
    }
    if (!m && looksLikeValue(content)) {
      errors.push({ line, text, code: 'unknown_label' });
      return;
    }
    if (isHeader(content)) {
      ignored.push({ line, text, reason: 'header' });
      return;
    }
    const shape = unknownShape(content);
    if (shape) {
      const suggestion = idx.suggest(shape.label);
      errors.push({ line, text, code: 'unknown_label', ...(suggestion ? { suggestion } : {}) });
      return;
    }
    ignored.push({ line, text, reason: 'no_label' });
  });
  closeText();
  flushPending();

  // bounds, once every value is known
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'number') continue;
    const def = defs.get(key)!;
    let bound: number | undefined;
    let boundKey: string | undefined;
    let fromUnit = false;
    if (def.boundBy) {
      const own = values[def.boundBy];
      const ref = typeof own === 'number' ? own : opts.bounds?.[def.boundBy];
      if (ref !== undefined) {
        bound = ref;
        boundKey = def.boundBy;
        fromUnit = typeof own !== 'number';
      }
    }
    const cap = opts.bounds?.[key];
    if (cap !== undefined && (bound === undefined || cap < bound)) {
      bound = cap;
      boundKey = undefined;
      fromUnit = true;
    }
    if (bound !== undefined && value > bound) {
      const line = lineOf[key]!;
      errors.push({
        line,
        text: lines[line - 1]!.trim(),
        code: 'above_bound',
        key,
        bound,
        ...(boundKey ? { boundKey } : {}),
        ...(fromUnit ? { boundFrom: 'unit' as const } : {}),
      });
      delete values[key];
      delete lineOf[key];
    }
  }

  errors.sort((a, b) => a.line - b.line);
  ignored.sort((a, b) => a.line - b.line);
  const missingRequired = opts.indicators
    .filter((d) => d.required && d.reportable && values[d.key] === undefined)
    .map((d) => d.key);
  skipped.sort((a, b) => a.line - b.line);
  return { values, skipped, lines: lineOf, errors, ignored, approximate: [...approximate], missingRequired };
}

/** `vneid 30; dvc 12` or `vneid 30, dvc 12`: several numeric entries on one line, all must match. */
function splitMulti(
  content: string,
  idx: LabelIndex,
  defs: Map<string, IndicatorDef>,
): Match[] | undefined {
  const segs = content.split(/;|,(?=\s*\p{L})/u).map((s) => s.trim()).filter(Boolean);
  if (segs.length < 2) return undefined;
  const out: Match[] = [];
  for (const seg of segs) {
    const m = classify(seg.replace(BULLET, '').trim() || seg, idx);
    if (!m || !m.strong || !m.value) return undefined;
    const def = defs.get(m.key);
    if (def && def.type === 'text') return undefined;
    out.push(m);
  }
  return out;
}

/**
 * The blank template the bot sends: one `"<short label>: "` line per reportable indicator, in
 * catalogue order (ad-hoc questions after, in their given order). It parses back.
 */
export function templateLines(indicators: readonly IndicatorDef[], locale: 'vi' | 'en'): string[] {
  return indicators
    .map((ind, i) => ({ ind, i }))
    .filter(({ ind }) => ind.reportable)
    .sort((a, b) => catalogueOrder(a.ind.key) - catalogueOrder(b.ind.key) || a.i - b.i)
    .map(({ ind }) => `${ind.short[locale]}: `);
}
