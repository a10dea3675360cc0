/**
 * Vietnamese public holidays, from the `date-holidays` package (country VN). The package computes
 * the lunar holidays itself: Tết Nguyên Đán (New Year's Eve + 4 days, the 5 days of Labour Code
 * 2019 art. 112) and the Hùng Kings' day (10/3 lunar).
 *
 * What counts here (a choice; the seeds say nothing):
 * - only days of type "public" are holidays; observances (Teachers' Day, Women's Day…) are not;
 * - weekends are NOT holidays. Team members are volunteers who often work at weekends (Cà Mau asks
 *   for "2 days a week", not which days), so a reminder on a Saturday is fine; only public
 *   holidays move reminder points (and deadlines, where the profile says so);
 * - the extra National Day day (1/9 or 3/9) and make-up days off (nghỉ bù) are fixed by the
 *   government each year and are not in the package, so they are not holidays here.
 *
 * Dates are local calendar dates "YYYY-MM-DD" (Vietnam has a single time zone). Pure: no I/O and no
 * wall clock; results are cached per year.
 */
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/** A local calendar date, "YYYY-MM-DD". */
export type LocalDate = string;

export interface PublicHoliday {
  date: LocalDate;
  name: string;
}

const VN_TZ = 'Asia/Ho_Chi_Minh';
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

let hd: Holidays | undefined;
const byYear = new Map<number, Map<LocalDate, string>>();

function holidaysOf(year: number): Map<LocalDate, string> {
  let days = byYear.get(year);
  if (days) return days;
  hd ??= new Holidays('VN', { types: ['public'] });
  days = new Map();
  // single-day holidays first, so 17/2/2026 is named "Tết Nguyên Đán" rather than the span's "Giao thừa…"
  const list = hd
    .getHolidays(year)
    .filter((h) => h.type === 'public')
    .sort((a, b) => a.end.getTime() - a.start.getTime() - (b.end.getTime() - b.start.getTime()));
  for (const h of list) {
    // a holiday spans [start, end): Tết's "Giao thừa" entry covers five days
    let day = DateTime.fromJSDate(h.start, { zone: VN_TZ }).startOf('day');
    const end = DateTime.fromJSDate(h.end, { zone: VN_TZ });
    while (day < end) {
      const key = day.toISODate()!;
      if (day.year === year && !days.has(key)) days.set(key, h.name);
      day = day.plus({ days: 1 });
    }
  }
  byYear.set(year, days);
  return days;
}

function checkDate(date: LocalDate): DateTime {
  const m = LOCAL_DATE.exec(date);
  const d = m ? DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]! }, { zone: 'UTC' }) : undefined;
  if (!d || !d.isValid) throw new Error(`ngày không hợp lệ: "${date}" (cần YYYY-MM-DD)`);
  return d;
}

/** Is this local date a public holiday (Tết included)? Weekends are not holidays. */
export function isPublicHoliday(date: LocalDate): boolean {
  const d = checkDate(date);
  return holidaysOf(d.year).has(date);
}

/** The holiday's name ("Tết Nguyên Đán", …) or undefined. */
export function holidayName(date: LocalDate): string | undefined {
  const d = checkDate(date);
  return holidaysOf(d.year).get(date);
}

/** Every public holiday day of a year, sorted, one entry per day off. */
export function publicHolidays(year: number): PublicHoliday[] {
  return [...holidaysOf(year).entries()]
    .map(([date, name]) => ({ date, name }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** The date itself when it is a working day, otherwise the first working day after it. */
export function nextWorkingDay(date: LocalDate): LocalDate {
  let d = checkDate(date);
  let key = date;
  while (holidaysOf(d.year).has(key)) {
    d = d.plus({ days: 1 });
    key = d.toISODate()!;
  }
  return key;
}

/** The first working day strictly after the date. */
export function workingDayAfter(date: LocalDate): LocalDate {
  return nextWorkingDay(checkDate(date).plus({ days: 1 }).toISODate()!);
}

/** The date itself when it is a working day, otherwise the last working day before it. */
export function previousWorkingDay(date: LocalDate): LocalDate {
  let d = checkDate(date);
  let key = date;
  while (holidaysOf(d.year).has(key)) {
    d = d.minus({ days: 1 });
    key = d.toISODate()!;
  }
  return key;
}
