/** Shared renderings: periods, numbers, report values, deadlines — all through locales. */
import { daysLeft, localParts, type Period } from '../domain/calendar';
import type { ResolvedIndicator } from '../domain/indicators';
import type { Locale, T } from './index';
import type { Capabilities } from '../outbox/types';

export function periodLabel(t: T, p: Period): string {
  return p.cycle === 'month' ? t('report:period_month', { m: p.index, y: p.year }) : t('report:period_quarter', { q: p.index, y: p.year });
}

const NUMBER_FORMATS: Record<Locale, Intl.NumberFormat> = {
  vi: new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 }),
  en: new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }),
};

export function formatNumber(locale: Locale, n: number): string {
  return NUMBER_FORMATS[locale].format(n);
}

const PERCENT_FORMATS: Record<Locale, Intl.NumberFormat> = {
  vi: new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
};

/** The one percentage format: a share (0.712) as "71,2%" (vi) or "71.2%" (en), one decimal. */
export function formatPercent(locale: Locale, share: number): string {
  return `${PERCENT_FORMATS[locale].format(share * 100)}%`;
}

/** Room for one message: at most `max` as the platform counts (`lengthOf`). */
export interface Room {
  max: number;
  lengthOf(text: string): number;
}

/** The room one message has on a platform, less `reserve` for what is added after (answers, hints). */
export function roomOf(caps: Pick<Capabilities, 'maxLength' | 'lengthOf'>, reserve = 0): Room {
  return { max: caps.maxLength - reserve, lengthOf: caps.lengthOf };
}

/**
 * The fullest rendering that fits the room: `render(max)` names at most `max` items per list;
 * `max` shrinks until the text fits, and a text still too long is cut at a line with "…".
 */
export function fitToLimit(room: Room, render: (max: number) => string, start: number): string {
  const { max: limit, lengthOf } = room;
  const steps = [start, 20, 15, 10, 8, 5, 3, 2, 1, 0].filter((n) => n <= start);
  let text = '';
  for (const max of steps) {
    text = render(max);
    if (lengthOf(text) <= limit) return text;
  }
  const lines = text.split('\n');
  while (lines.length > 1 && lengthOf(lines.join('\n')) + 2 > limit) lines.pop();
  const cut = lines.join('\n');
  if (lengthOf(cut) + 2 <= limit) return `${cut}\n…`;
  let end = Math.max(0, limit - 1);
  while (end > 0 && lengthOf(cut.slice(0, end)) > limit - 1) end--;
  return `${cut.slice(0, end)}…`;
}

/** "• Hộ được hướng dẫn: 45 hộ" lines in catalogue order. */
export function valueLines(locale: Locale, indicators: readonly ResolvedIndicator[], values: Record<string, number | string>): string[] {
  const out: string[] = [];
  for (const ind of indicators) {
    const v = values[ind.key];
    if (v === undefined) continue;
    const unit = ind.unit[locale];
    out.push(typeof v === 'number' ? `• ${ind.short[locale]}: ${formatNumber(locale, v)}${unit ? ' ' + unit : ''}` : `• ${ind.short[locale]}: ${v}`);
  }
  return out;
}

/** "hạn trước 00:00 ngày 16/12/2026" — "before day 16" is the instant 00:00 of the 16th. */
export function dueWords(t: T, due: Date, tz: string): string {
  const p = localParts(due, tz);
  return t('report:due_at', { time: p.time, date: p.date });
}

/** "còn 3 ngày, hạn trước 00:00 ngày 16/12/2026", or "đã quá hạn …". */
export function dueWithDays(t: T, now: Date, due: Date, tz: string): string {
  const days = daysLeft(now, due, tz);
  const when = dueWords(t, due, tz);
  if (now.getTime() >= due.getTime()) return t('report:overdue_since', { when });
  if (days <= 0) return t('report:due_today', { when });
  return t('report:days_left', { count: days, when });
}
