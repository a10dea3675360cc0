/**
 * Amending a report: a correction merges into the latest version instead of replacing it.
 *
 * - A line whose value is a clear marker (`VNeID: xoá`, `xóa`, `xoá bỏ`, `bỏ`; `label xoá` without a
 *   separator too) clears that indicator: `splitClears` takes such lines out of the body (left
 *   blank, so the parser's line numbers stay as the user counts) and returns their keys.
 * - `mergeReport` lays the typed values over the latest version, minus the cleared keys; a full
 *   replacement starts from nothing, only when the user asked for it (`/baocao thaythe`, see
 *   `replaceFlag`).
 * - `diffReport` names what changed, for the echo (✏️ old → new).
 * Pure: no I/O.
 */
import { fold } from '../text';
import { parseReport, type ParseError, type ParseOptions, type ParseResult, type ReportValues } from './parse';

const CLEAR_WORDS: ReadonlySet<string> = new Set(['xoa', 'xoa bo', 'xoa di', 'bo', 'delete', 'clear', 'remove']);

/** "xoá", "xóa", "(xoá bỏ)", "bỏ", "delete": the value asks to clear the indicator. */
export function isClearMarker(value: string): boolean {
  return CLEAR_WORDS.has(fold(value));
}

/** The label part of a `label: xoá` line, or undefined when the line does not end in a clear marker. */
function clearedLabel(line: string): string | undefined {
  const sep = /^(.*?\S)\s*(?::|=|[-–—]+\s)\s*(.*)$/u.exec(line);
  if (sep) return isClearMarker(sep[2]!) ? sep[1] : undefined;
  const words = line.trim().split(/\s+/);
  for (const k of [2, 1]) {
    if (words.length > k && isClearMarker(words.slice(-k).join(' '))) return words.slice(0, -k).join(' ');
  }
  return undefined;
}

/** The indicator a bare label names, as the parser reads it (a label left without value). */
function keyOfLabel(label: string, opts: ParseOptions): string | undefined {
  const r = parseReport(label, { indicators: opts.indicators });
  return r.ignored.find((i) => i.key)?.key ?? r.errors.find((e) => e.code === 'empty_value' && e.key)?.key;
}

/** Lines clearing an indicator, taken out of the body (blank lines keep the numbering). */
export function splitClears(body: string, opts: ParseOptions): { body: string; clears: string[] } {
  const clears: string[] = [];
  let first = true;
  const lines = body.split(/\r\n|\r|\n/).map((raw) => {
    let text = raw.trim();
    let command = '';
    if (first && text) {
      first = false;
      const cmd = /^\/[A-Za-z0-9_]+(?:@\w+)?\s*/.exec(text);
      if (cmd) {
        command = cmd[0].trim();
        text = text.slice(cmd[0].length);
      }
    }
    const label = text ? clearedLabel(text.replace(/^[-+•*]\s*/, '')) : undefined;
    const key = label ? keyOfLabel(label, opts) : undefined;
    if (!key) return raw;
    if (!clears.includes(key)) clears.push(key);
    return command;
  });
  return { body: lines.join('\n'), clears };
}

/** `thaythe …` / `thay thế …` / `thay toàn bộ …` / `replace …` at the start of the command's arguments. */
export function replaceFlag(args: string): { replace: boolean; rest: string } {
  const tokens = args.trim().split(/\s+/).filter(Boolean);
  for (const n of [3, 2, 1]) {
    if (tokens.length >= n && ['thaythe', 'thay the', 'thay toan bo', 'replace'].includes(fold(tokens.slice(0, n).join(' ')))) {
      return { replace: true, rest: tokens.slice(n).join(' ') };
    }
  }
  return { replace: false, rest: args.trim() };
}

/** The typed values over `base` (nothing when replacing), without the cleared keys. */
export function mergeReport(base: ReportValues | undefined, typed: ReportValues, clears: readonly string[], replace: boolean): ReportValues {
  const out: ReportValues = replace ? {} : { ...(base ?? {}) };
  for (const k of clears) delete out[k];
  return Object.assign(out, typed);
}

export interface ValueChange {
  old?: number | string;
  new?: number | string;
}

/** Keys whose value differs between `before` and `after` (added, changed or cleared). */
export function diffReport(before: ReportValues, after: ReportValues): Record<string, ValueChange> {
  const out: Record<string, ValueChange> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[k] === after[k]) continue;
    out[k] = { ...(before[k] !== undefined ? { old: before[k] } : {}), ...(after[k] !== undefined ? { new: after[k] } : {}) };
  }
  return out;
}

/**
 * A typed value above its bound in the MERGED report (`Hộ được hướng dẫn: 500` when the latest
 * version says `Tổng số hộ: 120`): the parser only saw the typed lines. Same shape as its errors.
 */
export function mergedBoundErrors(
  indicators: ParseOptions['indicators'],
  typed: Pick<ParseResult, 'values' | 'lines'>,
  merged: ReportValues,
  bodyLines: readonly string[],
): ParseError[] {
  const out: ParseError[] = [];
  for (const ind of indicators) {
    const v = typed.values[ind.key];
    const ref = ind.boundBy ? merged[ind.boundBy] : undefined;
    if (typeof v !== 'number' || typeof ref !== 'number' || v <= ref || typed.values[ind.boundBy!] !== undefined) continue;
    const line = typed.lines[ind.key]!;
    out.push({ line, text: (bodyLines[line - 1] ?? '').trim(), code: 'above_bound', key: ind.key, bound: ref, boundKey: ind.boundBy! });
  }
  return out;
}
