/**
 * The period and deadline calendar: the one place that does date arithmetic.
 *
 * Pure: no I/O and no wall clock. Every instant is a parameter (a `Date`, i.e. a UTC instant) and
 * every local reading takes a time zone (the profile's, Asia/Ho_Chi_Minh by default; UTC+7, no
 * daylight saving, but nothing here assumes that).
 *
 * Conventions
 * - A period is a calendar month (`2026-11`) or quarter (`2026-Q4`); its local start is 00:00 of its
 *   first day and its end is exclusive (00:00 of the next period's first day).
 * - `day: N` in a profile deadline = "before day N": due at 00:00 local of day N of the period's last
 *   month (+ monthOffset), clamped to the month's length (day 31 in February = 00:00 of the 28th/29th).
 *   `day: "last"` = "on the last day": due at 24:00 of the month's last day = 00:00 of the next day.
 *   A report is late iff it arrives at or after the due instant.
 * - The "due day" is the local day of the due instant (the 16th for "before day 16"); reminder
 *   points are counted from it: `daysBefore: [3, 1]` → the 13th and the 15th at `hour`, and
 *   `overdueDaysAfter: [0]` → the 16th at `hour`.
 * - Nothing here branches on a level key: levels are only looked up in the profile.
 */
import { DateTime } from 'luxon';
import type { Due, OneOffDeadline, Profile, Reminders } from './profile';
import { dueFor } from './profile';
import { isPublicHoliday, nextWorkingDay, previousWorkingDay, type LocalDate } from './holidays';
import { fold } from './text';

export type Cycle = 'month' | 'quarter';

/** A reporting period. `index` is the month 1–12 or the quarter 1–4. */
export interface Period {
  cycle: Cycle;
  year: number;
  index: number;
}

// ───────────────────────────── local time helpers ─────────────────────────────

function zoned(instant: Date, tz: string): DateTime {
  const d = DateTime.fromJSDate(instant, { zone: tz });
  if (!d.isValid) throw new Error(`thời điểm hoặc múi giờ không hợp lệ (${tz}): ${d.invalidExplanation ?? d.invalidReason}`);
  return d;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local reading of an instant: `date` 16/12/2026, `time` 00:00, ISO weekday (1 = Monday … 7 = Sunday). */
export interface LocalParts {
  /** dd/MM/yyyy, as Vietnamese documents write dates */
  date: string;
  /** HH:mm, 24-hour */
  time: string;
  /** YYYY-MM-DD */
  isoDate: LocalDate;
  /** 1 = Monday … 7 = Sunday (ISO); names belong in locales/ */
  weekday: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export function localParts(instant: Date, tz: string): LocalParts {
  const d = zoned(instant, tz);
  return {
    date: d.toFormat('dd/MM/yyyy'),
    time: d.toFormat('HH:mm'),
    isoDate: d.toISODate()!,
    weekday: d.weekday,
    year: d.year,
    month: d.month,
    day: d.day,
    hour: d.hour,
    minute: d.minute,
  };
}

/** The local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(instant: Date, tz: string): LocalDate {
  return zoned(instant, tz).toISODate()!;
}

/** 00:00 local of the instant's day. */
export function startOfLocalDay(instant: Date, tz: string): Date {
  return zoned(instant, tz).startOf('day').toJSDate();
}

/** The same local wall time `days` calendar days later (negative = earlier). */
export function addLocalDays(instant: Date, days: number, tz: string): Date {
  return zoned(instant, tz).plus({ days }).toJSDate();
}

const LOCAL_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A local wall time to an instant: "2026-12-13T08:00", "2026-12-13T08:00:30", "2026-12-13" (00:00).
 * "T24:00" is accepted and means 00:00 of the next day (the end of the named day).
 */
export function localInstant(text: string, tz: string): Date {
  const m = LOCAL_INSTANT.exec(text.trim());
  if (!m) throw new Error(`thời điểm không hợp lệ: "${text}" (cần YYYY-MM-DDTHH:MM)`);
  const [year, month, day] = [+m[1]!, +m[2]!, +m[3]!];
  let hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  let extraDays = 0;
  if (hour === 24 && minute === 0 && second === 0) {
    hour = 0;
    extraDays = 1;
  }
  const d = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: tz });
  if (!d.isValid) throw new Error(`thời điểm không hợp lệ: "${text}" (${d.invalidExplanation ?? d.invalidReason})`);
  return d.plus({ days: extraDays }).toJSDate();
}

/**
 * Whole local calendar days from `now`'s day to the due instant's day. For a midnight deadline this is
 * the number of days left to submit, today included: 3 on the 13th for "before day 16", 1 on the 15th,
 * 0 on the 16th (overdue), negative after.
 */
export function daysLeft(now: Date, dueAt: Date, tz: string): number {
  const a = zoned(now, tz).startOf('day');
  const b = zoned(dueAt, tz).startOf('day');
  return Math.round(b.diff(a, 'days').days);
}

/** Late iff submitted at or after the due instant; no deadline = never late. */
export function isLate(dueAt: Date | undefined, submittedAt: Date): boolean {
  return dueAt !== undefined && submittedAt.getTime() >= dueAt.getTime();
}

// ───────────────────────────── periods ─────────────────────────────

function checkPeriod(p: Period): Period {
  const max = p.cycle === 'month' ? 12 : 4;
  if (!Number.isInteger(p.year) || p.year < 1900 || p.year > 9999 || !Number.isInteger(p.index) || p.index < 1 || p.index > max) {
    throw new Error(`kỳ báo cáo không hợp lệ: ${JSON.stringify(p)}`);
  }
  return p;
}

/** `2026-11` for a month, `2026-Q4` for a quarter. */
export function periodKey(p: Period): string {
  checkPeriod(p);
  return p.cycle === 'month' ? `${p.year}-${pad2(p.index)}` : `${p.year}-Q${p.index}`;
}

/** The strict inverse of periodKey; undefined for anything else. */
export function parsePeriodKey(key: string): Period | undefined {
  let m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(key);
  if (m) return { cycle: 'month', year: +m[1]!, index: +m[2]! };
  m = /^(\d{4})-Q([1-4])$/.exec(key);
  if (m) return { cycle: 'quarter', year: +m[1]!, index: +m[2]! };
  return undefined;
}

const ROMAN: Record<string, number> = { i: 1, ii: 2, iii: 3, iv: 4 };

function make(cycle: Cycle, year: string, index: string): Period | undefined {
  const i = ROMAN[index] ?? Number(index);
  const y = Number(year);
  const max = cycle === 'month' ? 12 : 4;
  if (!Number.isInteger(i) || i < 1 || i > max || y < 1900 || y > 9999) return undefined;
  return { cycle, year: y, index: i };
}

/**
 * A period as users type it: months `T11/2026`, `t11/2026`, `tháng 11/2026`, `tháng 11 năm 2026`,
 * `11/2026`, `2026-11`; quarters `Q4/2026`, `q4-2026`, `quý 4/2026`, `quý IV/2026`, `quy 4 2026`,
 * `2026-Q4`. Diacritics, case and separators are ignored. Undefined for anything else.
 */
export function parsePeriodText(text: string): Period | undefined {
  // fold: diacritics off, lower case, punctuation → single spaces ("T11/2026" → "t11 2026")
  const t = fold(text).replace(/\bnam\b/g, ' ').replace(/\s+/g, ' ').trim();
  let m = /^(?:t|thang) ?(\d{1,2}) (\d{4})$/.exec(t) ?? /^(\d{1,2}) (\d{4})$/.exec(t);
  if (m) return make('month', m[2]!, m[1]!);
  m = /^(\d{4}) (\d{1,2})$/.exec(t);
  if (m) return make('month', m[1]!, m[2]!);
  m = /^(?:q|quy) ?(\d|iv|i{1,3}) (\d{4})$/.exec(t);
  if (m) return make('quarter', m[2]!, m[1]!);
  m = /^(\d{4}) ?q ?(\d)$/.exec(t);
  if (m) return make('quarter', m[1]!, m[2]!);
  return undefined;
}

/**
 * A period as typed on a command line, the year optional: everything `parsePeriodText` reads, plus
 * `T11`, `tháng 11`, `thang 11`, `Q4`, `quý 4`, `quý IV`, and `tháng này`/`quý này`/`kỳ này`,
 * `tháng trước`/`quý trước`/`kỳ trước`. A year-less period is resolved by `resolvePeriodSpec`.
 */
export type PeriodSpec =
  | { kind: 'exact'; period: Period }
  | { kind: 'index'; cycle: Cycle; index: number }
  | { kind: 'relative'; cycle?: Cycle; shift: 0 | -1 };

export function parsePeriodSpec(text: string): PeriodSpec | undefined {
  const exact = parsePeriodText(text) ?? parsePeriodKey(text.trim());
  if (exact) return { kind: 'exact', period: exact };
  const t = fold(text).replace(/\s+/g, ' ').trim();
  let m = /^(?:t|thang) ?(\d{1,2})$/.exec(t);
  if (m) {
    const i = Number(m[1]);
    return i >= 1 && i <= 12 ? { kind: 'index', cycle: 'month', index: i } : undefined;
  }
  m = /^(?:q|quy) ?(\d|iv|i{1,3})$/.exec(t);
  if (m) {
    const i = ROMAN[m[1]!] ?? Number(m[1]);
    return i >= 1 && i <= 4 ? { kind: 'index', cycle: 'quarter', index: i } : undefined;
  }
  m = /^(thang|quy|ky)(?: bao cao)? (nay|truoc)$/.exec(t);
  if (m) {
    const cycle = m[1] === 'thang' ? 'month' : m[1] === 'quy' ? 'quarter' : undefined;
    return { kind: 'relative', ...(cycle ? { cycle } : {}), shift: m[2] === 'nay' ? 0 : -1 };
  }
  return undefined;
}

/**
 * The period a spec names, seen from `current` (the open period of the profile's cycle) and the local
 * year: a year-less month or quarter is the latest one not after the current period (in January,
 * "tháng 12" is last December). A spec in the other cycle keeps its own cycle (the caller refuses it).
 */
export function resolvePeriodSpec(spec: PeriodSpec, current: Period, localYear: number, localMonth: number): Period {
  if (spec.kind === 'exact') return spec.period;
  if (spec.kind === 'relative') {
    const cycle = spec.cycle ?? current.cycle;
    const base: Period = cycle === current.cycle ? current : { cycle, year: localYear, index: cycle === 'month' ? localMonth : Math.ceil(localMonth / 3) };
    return shiftPeriod(base, spec.shift);
  }
  const nowIndex = spec.cycle === 'month' ? localMonth : Math.ceil(localMonth / 3);
  return { cycle: spec.cycle, year: spec.index > nowIndex ? localYear - 1 : localYear, index: spec.index };
}

/**
 * Split a command line's arguments into the period it starts with and the rest ("thang 11 Hộ được
 * hướng dẫn: 45" → "thang 11" + "Hộ được hướng dẫn: 45"). When no period starts it, `period` is empty
 * unless the text looks like a (bad) period ("T13/2026"), which is then kept whole as `period`.
 */
export function splitPeriodPrefix(args: string): { period: string; rest: string } {
  const text = args.trim();
  if (!text) return { period: '', rest: '' };
  const tokens = [...text.matchAll(/\S+/g)];
  for (let n = Math.min(6, tokens.length); n >= 1; n--) {
    const last = tokens[n - 1]!;
    const end = last.index + last[0].length;
    const head = text.slice(0, end).replace(/[,:;.\-–]+$/, '');
    if (parsePeriodSpec(head)) return { period: head, rest: text.slice(end).trim() };
  }
  const f = fold(text);
  // only period-like words and numbers: a period we cannot read ("T13/2026", "quý 5"), not a report line
  if (/^(?:(?:t|thang|q|quy|ky|nam) ?)?(?:\d+|[ivx]+)(?: (?:nam )?\d+)*$/.test(f)) return { period: text, rest: '' };
  return { period: '', rest: text };
}

/**
 * The period a report's title line names ("BÁO CÁO THÁNG 11/2026", "Em gửi báo cáo quý 4 ạ",
 * "Kỳ báo cáo: Quý IV/2026"), as period text for `parsePeriodSpec`; undefined when no title among the
 * first lines names one. Only lines that read as a title count (they say "báo cáo", or start with
 * "kỳ", "tháng", "quý"), never a figure line.
 */
export function titlePeriodText(body: string): string | undefined {
  const lines = body.split('\n').map((l) => fold(l)).filter(Boolean).slice(0, 6);
  for (const f of lines) {
    if (!(f.includes('bao cao') || /^(?:ky|thang|quy)\b/.test(f))) continue;
    const t = f.replace(/\bnam\b/g, ' ').replace(/\s+/g, ' ');
    const m = /\b(thang|quy) (\d{1,2}|iv|i{1,3})(?: (\d{4}))?\b/.exec(t) ?? /\b(t|q)(\d{1,2})(?: (\d{4}))?\b/.exec(t);
    if (!m) continue;
    const text = `${m[1]} ${m[2]}${m[3] ? ' ' + m[3] : ''}`;
    if (parsePeriodSpec(text)) return text;
  }
  return undefined;
}

/** First and last calendar month (1–12) of a period. */
export function periodMonths(p: Period): { first: number; last: number } {
  checkPeriod(p);
  return p.cycle === 'month' ? { first: p.index, last: p.index } : { first: p.index * 3 - 2, last: p.index * 3 };
}

/** Local 00:00 of the period's first day. */
export function periodStart(p: Period, tz: string): Date {
  return DateTime.fromObject({ year: p.year, month: periodMonths(p).first, day: 1 }, { zone: tz }).toJSDate();
}

/** Exclusive end: local 00:00 of the first day after the period. */
export function periodEnd(p: Period, tz: string): Date {
  return periodStart(nextPeriod(p), tz);
}

export function periodContains(p: Period, instant: Date, tz: string): boolean {
  const t = instant.getTime();
  return t >= periodStart(p, tz).getTime() && t < periodEnd(p, tz).getTime();
}

/**
 * The calendar month or quarter containing the instant (local time). This is the "current open
 * period": every preset's deadlines fall inside the period's own last month (monthOffset 0), so the
 * period being worked on and reported on now is the one containing now. A profile with a
 * monthOffset > 0 should use `nextDuePeriod` to find the period still awaiting reports.
 */
export function periodContaining(cycle: Cycle, instant: Date, tz: string): Period {
  // every report asks this; period boundaries fall on whole minutes in every time zone, so the
  // answer for one minute is the answer for all of it
  const key = `${cycle}|${tz}|${Math.floor(instant.getTime() / 60_000)}`;
  let p = CONTAINING_CACHE.get(key);
  if (!p) {
    const d = zoned(instant, tz);
    p = { cycle, year: d.year, index: cycle === 'month' ? d.month : Math.ceil(d.month / 3) };
    if (CONTAINING_CACHE.size > 1000) CONTAINING_CACHE.clear();
    CONTAINING_CACHE.set(key, p);
  }
  return { ...p };
}
const CONTAINING_CACHE = new Map<string, Period>();

/** Move a period by n periods of its own cycle (negative = back). */
export function shiftPeriod(p: Period, n: number): Period {
  checkPeriod(p);
  const per = p.cycle === 'month' ? 12 : 4;
  const abs = p.year * per + (p.index - 1) + n;
  return { cycle: p.cycle, year: Math.floor(abs / per), index: (((abs % per) + per) % per) + 1 };
}

export function nextPeriod(p: Period): Period {
  return shiftPeriod(p, 1);
}

export function previousPeriod(p: Period): Period {
  return shiftPeriod(p, -1);
}

/** Negative if a is before b, 0 if equal, positive after. Both must have the same cycle. */
export function comparePeriods(a: Period, b: Period): number {
  if (a.cycle !== b.cycle) throw new Error(`không so sánh được kỳ ${a.cycle} với kỳ ${b.cycle}`);
  return a.year - b.year || a.index - b.index;
}

/** Every period from `from` to `to`, both included; empty when `to` is before `from`. */
export function periodsBetween(from: Period, to: Period): Period[] {
  const out: Period[] = [];
  for (let p = checkPeriod(from); comparePeriods(p, to) <= 0; p = nextPeriod(p)) out.push(p);
  return out;
}

// ───────────────────────────── deadlines ─────────────────────────────

/** Move a due instant whose last submission day is a public holiday to after the next working day. */
function moveOffHoliday(due: DateTime): DateTime {
  // the last day on which a report is still on time: the 15th for a midnight deadline on the 16th
  const lastDay = due.minus({ milliseconds: 1 }).startOf('day');
  const iso = lastDay.toISODate()!;
  const working = nextWorkingDay(iso);
  if (working === iso) return due;
  const shift = Math.round(DateTime.fromISO(working, { zone: due.zone }).diff(lastDay, 'days').days);
  return due.plus({ days: shift });
}

/** The due instant of one deadline rule for a period. */
export function dueInstant(due: Due, period: Period, tz: string, movesOffHoliday = false): Date {
  const month = DateTime.fromObject({ year: period.year, month: periodMonths(period).last, day: 1 }, { zone: tz }).plus({
    months: due.monthOffset ?? 0,
  });
  let at: DateTime = due.day === 'last' ? month.plus({ months: 1 }) : month.set({ day: Math.min(due.day, month.daysInMonth!) });
  if (movesOffHoliday) at = moveOffHoliday(at);
  return at.toJSDate();
}

const DUE_CACHE = new WeakMap<Profile, Map<string, number | undefined>>();

/** When the level's report for the period is due, or undefined when the level has no deadline. */
export function dueAt(profile: Profile, levelKey: string, period: Period): Date | undefined {
  // profiles are immutable once loaded; the same few deadlines are asked for on every report
  let cache = DUE_CACHE.get(profile);
  if (!cache) DUE_CACHE.set(profile, (cache = new Map()));
  const key = `${levelKey}|${periodKey(period)}`;
  if (!cache.has(key)) {
    const due = dueFor(profile, levelKey);
    cache.set(key, due ? dueInstant(due, period, profile.timezone, profile.reporting.reminders.deadlineMovesOffHoliday).getTime() : undefined);
  }
  const ms = cache.get(key);
  return ms === undefined ? undefined : new Date(ms);
}

/**
 * The first period (of the profile's cycle) whose deadline for the level is still ahead of `now`:
 * the period a reminder or an on-time report at `now` is about. Undefined when the level has no deadline.
 */
export function nextDuePeriod(profile: Profile, levelKey: string, now: Date): { period: Period; dueAt: Date } | undefined {
  if (!dueFor(profile, levelKey)) return undefined;
  let p = shiftPeriod(periodContaining(profile.reporting.cycle, now, profile.timezone), -3);
  for (let i = 0; i < 24; i++, p = nextPeriod(p)) {
    const at = dueAt(profile, levelKey, p)!;
    if (at.getTime() > now.getTime()) return { period: p, dueAt: at };
  }
  /* istanbul ignore next -- a deadline is at most 3 months after its period ends */
  return undefined;
}

// ───────────────────────────── reminder points ─────────────────────────────

export type ReminderKind = 'before' | 'overdue';

export interface ReminderPoint {
  /** stable within a (level, period) or one-off deadline: `before-3`, `before-1`, `overdue-0` */
  id: string;
  kind: ReminderKind;
  /** the profile offset that produced it (days before the due day, or days after) */
  days: number;
  /** when to send, after moving out of quiet hours and off holidays */
  at: Date;
  /** where it would have been without those moves */
  nominal: Date;
  /** the deadline it is about */
  dueAt: Date;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

function atMinutes(day: DateTime, minutes: number): DateTime {
  return day.startOf('day').set({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
}

/** Is a local time within quiet hours [from, to)? The range may wrap midnight; from = to means none. */
function inQuietHours(t: DateTime, r: Reminders): boolean {
  const from = minutesOf(r.quietHours.from);
  const to = minutesOf(r.quietHours.to);
  const m = t.hour * 60 + t.minute;
  if (from === to) return false;
  return from < to ? m >= from && m < to : m >= from || m < to;
}

/** The first allowed minute at or after t. */
function quietEnd(t: DateTime, r: Reminders): DateTime {
  const to = minutesOf(r.quietHours.to);
  const m = t.hour * 60 + t.minute;
  const sameDay = atMinutes(t, to);
  return m < to ? sameDay : sameDay.plus({ days: 1 });
}

/** Is the instant within the profile's quiet hours (local time)? Nothing is sent then, catch-up included. */
export function isQuietAt(reminders: Reminders, instant: Date, tz: string): boolean {
  return inQuietHours(zoned(instant, tz), reminders);
}

/** The first instant at or after `instant` outside quiet hours: where a deferred catch-up goes. */
export function nextAllowedAt(reminders: Reminders, instant: Date, tz: string): Date {
  const t = zoned(instant, tz);
  return inQuietHours(t, reminders) ? quietEnd(t, reminders).toJSDate() : instant;
}

/**
 * Until when an overdue point missed while the bot was down may still go out: the end of its own
 * local day; when that day ends inside quiet hours (the bot came back at 21:30), the catch-up waits
 * for the next allowed minute and may go out during the hour after it.
 */
export function overdueCatchUpEnd(reminders: Reminders, at: Date, tz: string): Date {
  const dayEnd = zoned(at, tz).startOf('day').plus({ days: 1 });
  if (!inQuietHours(dayEnd, reminders)) return dayEnd.toJSDate();
  return quietEnd(dayEnd, reminders).plus({ hours: 1 }).toJSDate();
}

/** Move a point out of quiet hours and (with skipHolidays) off public holidays, until it rests. */
function settle(t: DateTime, r: Reminders): DateTime {
  const hour = minutesOf(r.hour);
  for (let i = 0; i < 400; i++) {
    if (inQuietHours(t, r)) {
      t = quietEnd(t, r);
      continue;
    }
    const day = t.toISODate()!;
    if (r.skipHolidays && isPublicHoliday(day)) {
      t = atMinutes(DateTime.fromISO(nextWorkingDay(day), { zone: t.zone }), hour);
      continue;
    }
    return t;
  }
  throw new Error('không tìm được thời điểm nhắc hợp lệ (giờ yên lặng phủ cả ngày?)');
}

/**
 * The reminder points for a deadline: one `before-d` per `daysBefore` d (at `hour` on the due day
 * minus d; when moving it off a holiday would make it reach the deadline it moves back to the last
 * working day before the holiday instead, and is dropped if even that is not before the deadline) and one `overdue-d` per
 * `overdueDaysAfter` d (at `hour` on the due day plus d, never before the deadline). Points that
 * settle on the same instant are merged, keeping the one nearest the deadline. Sorted by time.
 */
export function pointsForDeadline(reminders: Reminders, dueAtInstant: Date, tz: string): ReminderPoint[] {
  const due = zoned(dueAtInstant, tz);
  const dueDay = due.startOf('day');
  const hour = minutesOf(reminders.hour);
  const raw: ReminderPoint[] = [];
  for (const d of reminders.daysBefore) {
    const nominal = atMinutes(dueDay.minus({ days: d }), hour);
    let at = settle(nominal, reminders);
    if (at >= due && reminders.skipHolidays) {
      // moving forward off a holiday ran into the deadline (Tết before "day 20"): remind on the last
      // working day before the holiday instead, so the team still hears before the deadline
      const back = previousWorkingDay(nominal.toISODate()!);
      at = settle(atMinutes(DateTime.fromISO(back, { zone: tz }), hour), reminders);
    }
    if (at < due) raw.push({ id: `before-${d}`, kind: 'before', days: d, at: at.toJSDate(), nominal: nominal.toJSDate(), dueAt: dueAtInstant });
  }
  for (const d of reminders.overdueDaysAfter) {
    let nominal = atMinutes(dueDay.plus({ days: d }), hour);
    if (nominal < due) nominal = due;
    const at = settle(nominal, reminders);
    raw.push({ id: `overdue-${d}`, kind: 'overdue', days: d, at: at.toJSDate(), nominal: nominal.toJSDate(), dueAt: dueAtInstant });
  }
  // nearest the deadline first among equal instants: before-1 over before-3, overdue-0 over overdue-1
  raw.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === b.kind ? a.days - b.days : a.kind === 'before' ? -1 : 1));
  const out: ReminderPoint[] = [];
  for (const p of raw) {
    const last = out[out.length - 1];
    if (last && last.at.getTime() === p.at.getTime()) continue;
    if (out.some((q) => q.id === p.id)) continue; // duplicate offsets in the profile
    out.push(p);
  }
  return out;
}

// Points depend only on the (immutable, validated) profile, the level and the period: memoised per
// profile object so a scheduler asking every minute does not recompute them.
const pointsCache = new WeakMap<Profile, Map<string, readonly ReminderPoint[]>>();

/** Reminder points of a level's periodic report; empty when the level has no deadline. */
export function reminderPoints(profile: Profile, levelKey: string, period: Period): ReminderPoint[] {
  let byKey = pointsCache.get(profile);
  if (!byKey) pointsCache.set(profile, (byKey = new Map()));
  const key = `${levelKey}/${periodKey(period)}`;
  let pts = byKey.get(key);
  if (!pts) {
    const at = dueAt(profile, levelKey, period);
    pts = at ? pointsForDeadline(profile.reporting.reminders, at, profile.timezone) : [];
    byKey.set(key, pts);
  }
  return pts.map((p) => ({ ...p, at: new Date(p.at), nominal: new Date(p.nominal), dueAt: new Date(p.dueAt) }));
}

export interface OneOffDue {
  deadline: OneOffDeadline;
  dueAt: Date;
  points: ReminderPoint[];
}

/** The profile's one-off deadlines (Cà Mau's member lists), each with its reminder points. */
export function oneOffDue(profile: Profile): OneOffDue[] {
  const r = profile.reporting.reminders;
  return profile.reporting.oneOff.map((deadline) => {
    let at: DateTime = DateTime.fromJSDate(localInstant(deadline.dueLocal, profile.timezone), { zone: profile.timezone });
    if (r.deadlineMovesOffHoliday) at = moveOffHoliday(at);
    const due = at.toJSDate();
    return { deadline, dueAt: due, points: pointsForDeadline(r, due, profile.timezone) };
  });
}

// ───────────────────────────── what falls in a window ─────────────────────────────

function inWindow(t: Date, from: Date, to: Date): boolean {
  return t.getTime() > from.getTime() && t.getTime() <= to.getTime();
}

/** Reminder points of a level's periodic reports with `from < at <= to`, sorted by time. */
export function pointsDueBetween(
  profile: Profile,
  levelKey: string,
  from: Date,
  to: Date,
): { period: Period; point: ReminderPoint }[] {
  const due = dueFor(profile, levelKey);
  if (!due || to.getTime() <= from.getTime()) return [];
  const tz = profile.timezone;
  const r = profile.reporting.reminders;
  const cycle = profile.reporting.cycle;
  // a point lies within [due day − max(daysBefore), due day + max(overdue) + holiday moves];
  // the due day lies in the period's last month + monthOffset: widen generously on both sides
  const back = Math.max(0, ...r.overdueDaysAfter) + 31 * ((due.monthOffset ?? 0) + 1) + 40;
  const ahead = Math.max(0, ...r.daysBefore) + 40;
  const first = periodContaining(cycle, addLocalDays(from, -back, tz), tz);
  const last = periodContaining(cycle, addLocalDays(to, ahead, tz), tz);
  const out: { period: Period; point: ReminderPoint }[] = [];
  for (const period of periodsBetween(first, last)) {
    for (const point of reminderPoints(profile, levelKey, period)) {
      if (inWindow(point.at, from, to)) out.push({ period, point });
    }
  }
  return out.sort((a, b) => a.point.at.getTime() - b.point.at.getTime());
}

/** One-off deadline points with `from < at <= to`, sorted by time. */
export function oneOffPointsBetween(profile: Profile, from: Date, to: Date): { deadline: OneOffDeadline; point: ReminderPoint }[] {
  const out: { deadline: OneOffDeadline; point: ReminderPoint }[] = [];
  for (const d of oneOffDue(profile)) {
    for (const point of d.points) if (inWindow(point.at, from, to)) out.push({ deadline: d.deadline, point });
  }
  return out.sort((a, b) => a.point.at.getTime() - b.point.at.getTime());
}

/** A reminder point with what it is about, for the scheduler. */
export interface ScheduledPoint {
  level: string;
  /** set for a periodic report */
  period?: Period;
  /** set for a one-off deadline */
  oneOffId?: string;
  point: ReminderPoint;
  /** unique and stable: `2026-Q4/commune/before-3`, `oneoff/ca-mau-ds-xa/overdue-0`; use it to send once */
  key: string;
}

/**
 * Every reminder point of the profile (all levels with a deadline, and the one-off deadlines) with
 * `from < at <= to`, sorted by time: what the scheduler asks at each tick with (last tick, now].
 */
export function allPointsBetween(profile: Profile, from: Date, to: Date): ScheduledPoint[] {
  const out: ScheduledPoint[] = [];
  for (const d of profile.reporting.deadlines) {
    for (const { period, point } of pointsDueBetween(profile, d.level, from, to)) {
      out.push({ level: d.level, period, point, key: `${periodKey(period)}/${d.level}/${point.id}` });
    }
  }
  for (const { deadline, point } of oneOffPointsBetween(profile, from, to)) {
    out.push({ level: deadline.level, oneOffId: deadline.id, point, key: `oneoff/${deadline.id}/${point.id}` });
  }
  return out.sort((a, b) => a.point.at.getTime() - b.point.at.getTime() || a.key.localeCompare(b.key));
}
