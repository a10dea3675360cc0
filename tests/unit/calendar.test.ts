import fc from 'fast-check';
import { getProfile, listProfiles } from '../../src/app/profiles';
import {
  addLocalDays,
  allPointsBetween,
  comparePeriods,
  daysLeft,
  dueAt,
  isLate,
  localDate,
  localInstant,
  localParts,
  nextDuePeriod,
  nextPeriod,
  oneOffDue,
  oneOffPointsBetween,
  parsePeriodKey,
  parsePeriodText,
  periodContaining,
  periodContains,
  periodEnd,
  periodKey,
  periodMonths,
  periodsBetween,
  periodStart,
  pointsDueBetween,
  previousPeriod,
  reminderPoints,
  shiftPeriod,
  startOfLocalDay,
  type Period,
  type ReminderPoint,
} from '../../src/domain/calendar';
import { isPublicHoliday } from '../../src/domain/holidays';
import { parseProfile, type Profile, type ProfileInput } from '../../src/domain/profile';

const TZ = 'Asia/Ho_Chi_Minh';
const H = 3600_000;

/** Vietnam wall time → instant, by plain UTC arithmetic (UTC+7, no DST), independent of luxon. */
function vn(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text)!;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) - 7 * H);
}
/** instant → Vietnam wall time "YYYY-MM-DDTHH:mm" */
function wall(d: Date): string {
  return new Date(d.getTime() + 7 * H).toISOString().slice(0, 16);
}
const show = (pts: ReminderPoint[]) => pts.map((p) => `${p.id} ${wall(p.at)}`);

/** A variant of a preset, validated like a file. */
function variant(id: string, change: (p: ProfileInput) => void): Profile {
  const raw = structuredClone(getProfile(id)) as ProfileInput;
  change(raw);
  return parseProfile(`${id}-variant`, raw);
}

const month = (year: number, index: number): Period => ({ cycle: 'month', year, index });
const quarter = (year: number, index: number): Period => ({ cycle: 'quarter', year, index });

// ─────────────────────────── the whole of 2026, every preset ───────────────────────────

/** What each preset should say: the seeds' deadline days (and the chosen ones), written out again here. */
type DueDay = number | 'last' | { day: number; nextMonth: true };
const CHAINS: Record<string, { cycle: 'month' | 'quarter'; due: Record<string, DueDay>; none: string[] }> = {
  'yen-bai-2022': { cycle: 'month', due: { village: 15, commune: 20, district: 25 }, none: ['province'] },
  'bac-kan-2022': { cycle: 'month', due: { village: 15, commune: 20, district: 25 }, none: ['province'] },
  'ca-mau-2023': { cycle: 'quarter', due: { village: 16, commune: 21, district: 26 }, none: ['province'] },
  // (chọn) commune before day 5 and district before day 10 of the next month: after the hamlets' last day
  'soc-trang-2022': { cycle: 'month', due: { village: 'last', commune: { day: 5, nextMonth: true }, district: { day: 10, nextMonth: true } }, none: ['province'] },
  'lai-chau-2022': { cycle: 'month', due: { village: 15, commune: 20, district: 25 }, none: ['province'] },
  'two-tier-2025': { cycle: 'quarter', due: { village: 16, commune: 21 }, none: ['province'] },
};

/**
 * Points that public holidays move in 2026 (Tết 16–20/2, 30/4, 1/5; 1/1/2027). Everything else is at
 * 08:00 on the due day − 3, − 1 and the due day itself.
 * - "before day 20" of February: the 17th and 19th fall in Tết; moving them forward would pass the
 *   deadline, so they move back to the last working day before Tết (15th) and merge; the overdue
 *   notice moves to the first working day after Tết.
 * - Sóc Trăng April ("last day"): the 30th is a holiday → before-1 moves back to the 29th; the overdue
 *   notice on 1/5 moves to 2/5. December: the overdue notice on 1/1/2027 moves to 2/1. The commune
 *   and district are due in the next month (before days 5 and 10), clear of those holidays.
 */
const TET_FEB_20 = ['before-1 2026-02-15T08:00', 'overdue-0 2026-02-21T08:00'];
const ST_APRIL = ['before-3 2026-04-28T08:00', 'before-1 2026-04-29T08:00', 'overdue-0 2026-05-02T08:00'];
const ST_DECEMBER = ['before-3 2026-12-29T08:00', 'before-1 2026-12-31T08:00', 'overdue-0 2027-01-02T08:00'];
const MOVED: Record<string, string[]> = {
  'yen-bai-2022 2026-02 commune': TET_FEB_20,
  'bac-kan-2022 2026-02 commune': TET_FEB_20,
  'lai-chau-2022 2026-02 commune': TET_FEB_20,
  'soc-trang-2022 2026-04 village': ST_APRIL,
  'soc-trang-2022 2026-12 village': ST_DECEMBER,
  // the commune's August roll-up (before 5/9): before-3 on 2/9 (National Day) moves to 3/9
  'soc-trang-2022 2026-08 commune': ['before-3 2026-09-03T08:00', 'before-1 2026-09-04T08:00', 'overdue-0 2026-09-05T08:00'],
};

function expectedDue(period: Period, day: DueDay): Date {
  const last = periodMonths(period).last;
  // Date.UTC rolls day 1 of month 13 over to January of the next year
  const ms =
    day === 'last' ? Date.UTC(period.year, last, 1) : typeof day === 'number' ? Date.UTC(period.year, last - 1, day) : Date.UTC(period.year, last, day.day);
  return new Date(ms - 7 * H);
}

function nominalPoints(due: Date): string[] {
  const at = (days: number) => wall(new Date(due.getTime() + days * 24 * H + 8 * H));
  return [`before-3 ${at(-3)}`, `before-1 ${at(-1)}`, `overdue-0 ${at(0)}`];
}

const rows2026: [string, string, string][] = [];
for (const [id, chain] of Object.entries(CHAINS)) {
  const n = chain.cycle === 'month' ? 12 : 4;
  for (let i = 1; i <= n; i++) {
    for (const level of Object.keys(chain.due)) rows2026.push([id, periodKey({ cycle: chain.cycle, year: 2026, index: i }), level]);
  }
}

describe('every preset over the whole of 2026', () => {
  it('covers every preset', () => {
    expect(Object.keys(CHAINS).sort()).toEqual(listProfiles().map((p) => p.id));
  });

  it.each(rows2026)('%s %s %s: due instant and reminder points', (id, key, level) => {
    const profile = getProfile(id);
    const period = parsePeriodKey(key)!;
    const due = expectedDue(period, CHAINS[id]!.due[level]!);
    expect(dueAt(profile, level, period)).toEqual(due);
    const pts = reminderPoints(profile, level, period);
    expect(show(pts)).toEqual(MOVED[`${id} ${key} ${level}`] ?? nominalPoints(due));
    for (const p of pts) expect(p.dueAt).toEqual(due);
  });

  it('moves only the points listed above: no other nominal point of 2026 falls on a holiday', () => {
    for (const [id, key, level] of rows2026) {
      if (MOVED[`${id} ${key} ${level}`]) continue;
      const due = dueAt(getProfile(id), level, parsePeriodKey(key)!)!;
      for (const p of nominalPoints(due)) expect(isPublicHoliday(p.split(' ')[1]!.slice(0, 10))).toBe(false);
    }
  });

  it('has no deadline for levels that do not report upward', () => {
    for (const [id, chain] of Object.entries(CHAINS)) {
      for (const level of chain.none) {
        const p = { cycle: chain.cycle, year: 2026, index: 1 };
        expect(dueAt(getProfile(id), level, p)).toBeUndefined();
        expect(reminderPoints(getProfile(id), level, p)).toEqual([]);
        expect(pointsDueBetween(getProfile(id), level, vn('2026-01-01'), vn('2027-01-01'))).toEqual([]);
        expect(nextDuePeriod(getProfile(id), level, vn('2026-01-01'))).toBeUndefined();
      }
    }
  });

  it('Cà Mau 2026, written out (III.3.c: before days 16, 21, 26 of the quarter-end month)', () => {
    const cm = getProfile('ca-mau-2023');
    const table: [string, string, string, string, string, string][] = [
      // period, level, due (local), before-3, before-1, overdue-0
      ['2026-Q1', 'village', '2026-03-16T00:00', '2026-03-13T08:00', '2026-03-15T08:00', '2026-03-16T08:00'],
      ['2026-Q1', 'commune', '2026-03-21T00:00', '2026-03-18T08:00', '2026-03-20T08:00', '2026-03-21T08:00'],
      ['2026-Q1', 'district', '2026-03-26T00:00', '2026-03-23T08:00', '2026-03-25T08:00', '2026-03-26T08:00'],
      ['2026-Q2', 'village', '2026-06-16T00:00', '2026-06-13T08:00', '2026-06-15T08:00', '2026-06-16T08:00'],
      ['2026-Q2', 'commune', '2026-06-21T00:00', '2026-06-18T08:00', '2026-06-20T08:00', '2026-06-21T08:00'],
      ['2026-Q2', 'district', '2026-06-26T00:00', '2026-06-23T08:00', '2026-06-25T08:00', '2026-06-26T08:00'],
      ['2026-Q3', 'village', '2026-09-16T00:00', '2026-09-13T08:00', '2026-09-15T08:00', '2026-09-16T08:00'],
      ['2026-Q3', 'commune', '2026-09-21T00:00', '2026-09-18T08:00', '2026-09-20T08:00', '2026-09-21T08:00'],
      ['2026-Q3', 'district', '2026-09-26T00:00', '2026-09-23T08:00', '2026-09-25T08:00', '2026-09-26T08:00'],
      ['2026-Q4', 'village', '2026-12-16T00:00', '2026-12-13T08:00', '2026-12-15T08:00', '2026-12-16T08:00'],
      ['2026-Q4', 'commune', '2026-12-21T00:00', '2026-12-18T08:00', '2026-12-20T08:00', '2026-12-21T08:00'],
      ['2026-Q4', 'district', '2026-12-26T00:00', '2026-12-23T08:00', '2026-12-25T08:00', '2026-12-26T08:00'],
    ];
    for (const [key, level, due, b3, b1, o0] of table) {
      const period = parsePeriodKey(key)!;
      expect(wall(dueAt(cm, level, period)!)).toBe(due);
      expect(show(reminderPoints(cm, level, period))).toEqual([`before-3 ${b3}`, `before-1 ${b1}`, `overdue-0 ${o0}`]);
    }
  });
});

// ─────────────────────────── edges ───────────────────────────

describe('deadline edges', () => {
  const cm = getProfile('ca-mau-2023');
  const q4 = quarter(2026, 4);

  it('"before day 16" of December 2026 is due at 2026-12-16T00:00+07:00', () => {
    expect(dueAt(cm, 'village', q4)!.toISOString()).toBe('2026-12-15T17:00:00.000Z');
  });

  it('a report at 23:59:59 on the 15th is on time, at 00:00:00 on the 16th late', () => {
    const due = dueAt(cm, 'village', q4)!;
    expect(isLate(due, localInstant('2026-12-15T23:59:59', TZ))).toBe(false);
    expect(isLate(due, new Date(due.getTime() - 1))).toBe(false);
    expect(isLate(due, localInstant('2026-12-16T00:00:00', TZ))).toBe(true);
    expect(isLate(due, localInstant('2027-01-05T10:00', TZ))).toBe(true);
    expect(isLate(undefined, localInstant('2027-01-05T10:00', TZ))).toBe(false);
  });

  it('"the last day" of February is the 28th in 2026 and the 29th in leap 2028', () => {
    const st = getProfile('soc-trang-2022');
    expect(wall(dueAt(st, 'village', month(2026, 2))!)).toBe('2026-03-01T00:00');
    expect(isLate(dueAt(st, 'village', month(2026, 2)), vn('2026-02-28T23:59:59'))).toBe(false);
    expect(wall(dueAt(st, 'village', month(2028, 2))!)).toBe('2028-03-01T00:00');
    expect(isLate(dueAt(st, 'village', month(2028, 2)), vn('2028-02-29T23:59:59'))).toBe(false);
    expect(isLate(dueAt(st, 'village', month(2028, 2)), vn('2028-03-01T00:00'))).toBe(true);
    expect(show(reminderPoints(st, 'village', month(2028, 2)))).toEqual([
      'before-3 2028-02-27T08:00',
      'before-1 2028-02-29T08:00',
      'overdue-0 2028-03-01T08:00',
    ]);
  });

  it('clamps day N to the month length, and honours monthOffset', () => {
    const p = variant('yen-bai-2022', (x) => {
      x.reporting.deadlines = [
        { level: 'village', day: 31, source: 'test' },
        { level: 'commune', day: 5, monthOffset: 1, source: 'test' },
      ];
    });
    expect(wall(dueAt(p, 'village', month(2026, 2))!)).toBe('2026-02-28T00:00');
    expect(wall(dueAt(p, 'village', month(2028, 2))!)).toBe('2028-02-29T00:00');
    expect(wall(dueAt(p, 'village', month(2026, 4))!)).toBe('2026-04-30T00:00');
    expect(wall(dueAt(p, 'village', month(2026, 5))!)).toBe('2026-05-31T00:00');
    expect(wall(dueAt(p, 'commune', month(2026, 12))!)).toBe('2027-01-05T00:00');
    // with an offset the open period may be the previous one
    expect(nextDuePeriod(p, 'commune', vn('2027-01-03T10:00'))).toEqual({ period: month(2026, 12), dueAt: vn('2027-01-05') });
  });

  it('moves a deadline off a holiday only when the profile says so', () => {
    const moving = variant('yen-bai-2022', (x) => {
      x.reporting.reminders = { ...x.reporting.reminders!, deadlineMovesOffHoliday: true };
    });
    // before day 20 of Feb 2026: the last day to report (19th) is in Tết (16–20) → the first working
    // day after it (21st) becomes the last day: due at 00:00 on the 22nd
    expect(wall(dueAt(moving, 'commune', month(2026, 2))!)).toBe('2026-02-22T00:00');
    expect(wall(dueAt(getProfile('yen-bai-2022'), 'commune', month(2026, 2))!)).toBe('2026-02-20T00:00');
    // untouched when the last day is a working day
    expect(wall(dueAt(moving, 'village', month(2026, 2))!)).toBe('2026-02-15T00:00');
    // "the last day" of April is 30/4, a holiday, and 1/5 too → last day 2/5, due 3/5 00:00
    const st = variant('soc-trang-2022', (x) => {
      x.reporting.reminders = { ...x.reporting.reminders!, deadlineMovesOffHoliday: true };
    });
    expect(wall(dueAt(st, 'village', month(2026, 4))!)).toBe('2026-05-03T00:00');
    // before-3 (30/4, holiday) moves forward to 2/5 08:00, still before the moved deadline, and
    // merges with before-1 (2/5 08:00)
    expect(show(reminderPoints(st, 'village', month(2026, 4)))).toEqual(['before-1 2026-05-02T08:00', 'overdue-0 2026-05-03T08:00']);
  });

  it('moves a point out of quiet hours to the next allowed minute', () => {
    const late = variant('ca-mau-2023', (x) => {
      x.reporting.reminders = { ...x.reporting.reminders!, hour: '22:30' };
    });
    // 22:30 is quiet (21:00–07:00): the 13th at 22:30 → 07:00 on the 14th; the 15th at 22:30 → 07:00
    // on the 16th, which is past the deadline (16th 00:00), so before-1 is dropped; overdue → 17th 07:00
    const pts = reminderPoints(late, 'village', quarter(2026, 4));
    expect(show(pts)).toEqual(['before-3 2026-12-14T07:00', 'overdue-0 2026-12-17T07:00']);
    expect(pts[0]!.nominal).toEqual(vn('2026-12-13T22:30'));

    const morning = variant('ca-mau-2023', (x) => {
      x.reporting.reminders = { ...x.reporting.reminders!, quietHours: { from: '06:00', to: '09:15' } };
    });
    expect(show(reminderPoints(morning, 'village', quarter(2026, 4)))).toEqual([
      'before-3 2026-12-13T09:15',
      'before-1 2026-12-15T09:15',
      'overdue-0 2026-12-16T09:15',
    ]);
  });

  it('moves a reminder that would fall on Tết, and leaves it when skipHolidays is off', () => {
    // a monthly deadline "before day 21" of February 2027: Tết 2027 is 5–9 Feb; put the reminder days on it
    const p = variant('two-tier-2025', (x) => {
      x.reporting.cycle = 'month';
      x.reporting.deadlines = [{ level: 'village', day: 10, source: 'test' }];
      x.reporting.reminders = { ...x.reporting.reminders!, daysBefore: [5, 4, 1], overdueDaysAfter: [0, 2] };
    });
    // nominal: 5th, 6th, 9th (all Tết), overdue 10th, 12th. Forward to the 10th would reach the
    // deadline (10th 00:00) → back to the 4th; all three merge into before-1 on the 4th.
    expect(show(reminderPoints(p, 'village', month(2027, 2)))).toEqual([
      'before-1 2027-02-04T08:00',
      'overdue-0 2027-02-10T08:00',
      'overdue-2 2027-02-12T08:00',
    ]);
    const onTet = variant('two-tier-2025', (x) => {
      x.reporting.cycle = 'month';
      x.reporting.deadlines = [{ level: 'village', day: 12, source: 'test' }];
    });
    // before day 12: nominal 9th (Tết) → 10th; 11th stays
    expect(show(reminderPoints(onTet, 'village', month(2027, 2)))).toEqual([
      'before-3 2027-02-10T08:00',
      'before-1 2027-02-11T08:00',
      'overdue-0 2027-02-12T08:00',
    ]);
    const noSkip = variant('two-tier-2025', (x) => {
      x.reporting.cycle = 'month';
      x.reporting.deadlines = [{ level: 'village', day: 12, source: 'test' }];
      x.reporting.reminders = { ...x.reporting.reminders!, skipHolidays: false };
    });
    expect(show(reminderPoints(noSkip, 'village', month(2027, 2)))[0]).toBe('before-3 2027-02-09T08:00');
  });

  it('never puts an overdue notice before a deadline that is not at midnight', () => {
    const p = variant('ca-mau-2023', (x) => {
      x.reporting.oneOff = [
        { id: 'chieu', title: { vi: 'Thử', en: 'Test' }, level: 'commune', dueLocal: '2026-12-10T17:00', source: 'test' },
      ];
    });
    const [d] = oneOffDue(p);
    expect(show(d!.points)).toEqual(['before-3 2026-12-07T08:00', 'before-1 2026-12-09T08:00', 'overdue-0 2026-12-10T17:00']);
  });
});

describe('one-off deadlines (Cà Mau III.1.d)', () => {
  it('computes the due instants and reminder points of the member lists', () => {
    const cm = getProfile('ca-mau-2023');
    const due = oneOffDue(cm);
    expect(due.map((d) => [d.deadline.id, d.deadline.level, wall(d.dueAt)])).toEqual([
      ['ds-thanh-vien-xa', 'commune', '2023-09-16T00:00'],
      ['ds-thanh-vien-huyen', 'district', '2023-09-26T00:00'],
      ['ds-thanh-vien-tinh', 'province', '2023-10-01T00:00'],
    ]);
    // 2/9/2023 is National Day but no point falls on it
    expect(show(due[0]!.points)).toEqual(['before-3 2023-09-13T08:00', 'before-1 2023-09-15T08:00', 'overdue-0 2023-09-16T08:00']);
    expect(show(due[2]!.points)).toEqual(['before-3 2023-09-28T08:00', 'before-1 2023-09-30T08:00', 'overdue-0 2023-10-01T08:00']);
    expect(isLate(due[0]!.dueAt, vn('2023-09-15T23:00'))).toBe(false);
    const window = oneOffPointsBetween(cm, vn('2023-09-15T00:00'), vn('2023-09-26T08:00'));
    expect(window.map((w) => `${w.deadline.id} ${w.point.id}`)).toEqual([
      'ds-thanh-vien-xa before-1',
      'ds-thanh-vien-xa overdue-0',
      'ds-thanh-vien-huyen before-3',
      'ds-thanh-vien-huyen before-1',
      'ds-thanh-vien-huyen overdue-0',
    ]);
  });

  it('has none in the other presets', () => {
    for (const p of listProfiles()) if (p.id !== 'ca-mau-2023') expect(oneOffDue(p)).toEqual([]);
  });
});

// ─────────────────────────── the scheduler's questions ───────────────────────────

describe('points in a window (from, to]', () => {
  const cm = getProfile('ca-mau-2023');

  it('excludes from and includes to', () => {
    const at = vn('2026-12-13T08:00');
    expect(pointsDueBetween(cm, 'village', at, vn('2026-12-14')).map((x) => x.point.id)).toEqual([]);
    expect(pointsDueBetween(cm, 'village', new Date(at.getTime() - 1), at).map((x) => [periodKey(x.period), x.point.id])).toEqual([
      ['2026-Q4', 'before-3'],
    ]);
    expect(pointsDueBetween(cm, 'village', at, at)).toEqual([]);
  });

  it('lists every level’s points of a quarter with stable keys', () => {
    const keys = allPointsBetween(cm, vn('2026-10-01'), vn('2027-01-01')).map((x) => x.key);
    expect(keys).toEqual([
      '2026-Q4/village/before-3',
      '2026-Q4/village/before-1',
      '2026-Q4/village/overdue-0',
      '2026-Q4/commune/before-3',
      '2026-Q4/commune/before-1',
      '2026-Q4/commune/overdue-0',
      '2026-Q4/district/before-3',
      '2026-Q4/district/before-1',
      '2026-Q4/district/overdue-0',
    ]);
    const ca2023 = allPointsBetween(cm, vn('2023-09-01'), vn('2023-10-02')).map((x) => x.key);
    expect(ca2023).toContain('oneoff/ds-thanh-vien-xa/before-3');
    expect(ca2023).toContain('2023-Q3/village/overdue-0');
  });

  it('a scheduler ticking every 6 hours through 2026 sees every point exactly once', () => {
    for (const id of ['two-tier-2025', 'soc-trang-2022']) {
      const p = getProfile(id);
      const whole = allPointsBetween(p, vn('2026-01-01'), vn('2027-01-01')).map((x) => x.key);
      const seen: string[] = [];
      for (let t = vn('2026-01-01').getTime(); t < vn('2027-01-01').getTime(); t += 6 * H) {
        seen.push(...allPointsBetween(p, new Date(t), new Date(t + 6 * H)).map((x) => x.key));
      }
      expect(seen).toEqual(whole);
      expect(new Set(seen).size).toBe(seen.length);
      const n = p.reporting.deadlines.length * (p.reporting.cycle === 'month' ? 12 : 4) * 3;
      // Sóc Trăng: 2025-12's overdue notices (1/1/2026 → 2/1) fall in this window, 2026-12's (→ 2/1/2027) do not
      expect(whole.length).toBe(n);
    }
  });

  it('finds the period still awaiting reports', () => {
    const yb = getProfile('yen-bai-2022');
    expect(nextDuePeriod(yb, 'district', vn('2026-11-24T23:59'))).toEqual({ period: month(2026, 11), dueAt: vn('2026-11-25') });
    expect(nextDuePeriod(yb, 'district', vn('2026-11-25T00:00'))).toEqual({ period: month(2026, 12), dueAt: vn('2026-12-25') });
    expect(nextDuePeriod(cm, 'village', vn('2026-12-20'))!.period).toEqual(quarter(2027, 1));
  });
});

// ─────────────────────────── periods ───────────────────────────

describe('periods', () => {
  it('keys and parses keys', () => {
    expect(periodKey(month(2026, 11))).toBe('2026-11');
    expect(periodKey(month(2026, 3))).toBe('2026-03');
    expect(periodKey(quarter(2026, 4))).toBe('2026-Q4');
    expect(parsePeriodKey('2026-11')).toEqual(month(2026, 11));
    expect(parsePeriodKey('2026-Q4')).toEqual(quarter(2026, 4));
    for (const bad of ['2026-13', '2026-Q5', '2026-1', 'T11/2026', '']) expect(parsePeriodKey(bad)).toBeUndefined();
    expect(() => periodKey(month(2026, 13))).toThrow();
  });

  it.each([
    ['T11/2026', month(2026, 11)],
    ['t11/2026', month(2026, 11)],
    ['tháng 11/2026', month(2026, 11)],
    ['Tháng 11 năm 2026', month(2026, 11)],
    ['thang 3-2026', month(2026, 3)],
    ['11/2026', month(2026, 11)],
    ['1/2027', month(2027, 1)],
    ['2026-11', month(2026, 11)],
    ['  T 11 / 2026 ', month(2026, 11)],
    ['Q4/2026', quarter(2026, 4)],
    ['q4-2026', quarter(2026, 4)],
    ['quý 4/2026', quarter(2026, 4)],
    ['Quý IV/2026', quarter(2026, 4)],
    ['quy 4 2026', quarter(2026, 4)],
    ['quý 1 năm 2027', quarter(2027, 1)],
    ['2026-Q4', quarter(2026, 4)],
    ['2026 q2', quarter(2026, 2)],
  ])('parsePeriodText(%j)', (text, expected) => {
    expect(parsePeriodText(text)).toEqual(expected);
  });

  it.each(['', 'hôm nay', 'T13/2026', 'T0/2026', 'Q5/2026', 'quý 0/2026', '11/26', '2026', 'T11', '2026-11-05', 'abc 11/2026', 'Q4/20266'])(
    'parsePeriodText(%j) is undefined',
    (text) => {
      expect(parsePeriodText(text)).toBeUndefined();
    },
  );

  it('steps, compares and enumerates across year ends', () => {
    expect(nextPeriod(month(2026, 12))).toEqual(month(2027, 1));
    expect(previousPeriod(month(2027, 1))).toEqual(month(2026, 12));
    expect(nextPeriod(quarter(2026, 4))).toEqual(quarter(2027, 1));
    expect(previousPeriod(quarter(2026, 1))).toEqual(quarter(2025, 4));
    expect(shiftPeriod(month(2026, 11), -23)).toEqual(month(2024, 12));
    expect(periodsBetween(month(2026, 11), month(2027, 2)).map(periodKey)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(periodsBetween(quarter(2026, 4), quarter(2026, 3))).toEqual([]);
    expect(comparePeriods(quarter(2026, 4), quarter(2027, 1))).toBeLessThan(0);
    expect(() => comparePeriods(quarter(2026, 4), month(2026, 4))).toThrow();
  });

  it('has local start and exclusive end', () => {
    expect(wall(periodStart(quarter(2026, 4), TZ))).toBe('2026-10-01T00:00');
    expect(wall(periodEnd(quarter(2026, 4), TZ))).toBe('2027-01-01T00:00');
    expect(periodStart(month(2026, 11), TZ).toISOString()).toBe('2026-10-31T17:00:00.000Z');
    expect(wall(periodEnd(month(2026, 2), TZ))).toBe('2026-03-01T00:00');
  });

  it('periodContaining is the local calendar month or quarter', () => {
    expect(periodContaining('month', vn('2026-12-31T23:59:59'), TZ)).toEqual(month(2026, 12));
    expect(periodContaining('month', vn('2027-01-01T00:00'), TZ)).toEqual(month(2027, 1));
    // 2026-12-31T17:00Z is already 1/1/2027 in Vietnam
    expect(periodContaining('quarter', new Date('2026-12-31T17:00:00Z'), TZ)).toEqual(quarter(2027, 1));
    expect(periodContaining('quarter', new Date('2026-12-31T16:59:59Z'), TZ)).toEqual(quarter(2026, 4));
    expect(periodContaining('quarter', vn('2026-05-15T12:00'), TZ)).toEqual(quarter(2026, 2));
  });
});

// ─────────────────────────── local time helpers ───────────────────────────

describe('local time helpers', () => {
  it('reads an instant in local time', () => {
    expect(localParts(new Date('2026-12-15T17:00:00Z'), TZ)).toEqual({
      date: '16/12/2026',
      time: '00:00',
      isoDate: '2026-12-16',
      weekday: 3, // a Wednesday
      year: 2026,
      month: 12,
      day: 16,
      hour: 0,
      minute: 0,
    });
    expect(localDate(new Date('2026-12-15T16:59:59Z'), TZ)).toBe('2026-12-15');
  });

  it('builds instants from local wall times, 24:00 included', () => {
    expect(localInstant('2026-12-13T08:00', TZ)).toEqual(vn('2026-12-13T08:00'));
    expect(localInstant('2026-12-15T23:59:59', TZ)).toEqual(vn('2026-12-15T23:59:59'));
    expect(localInstant('2026-12-15T24:00', TZ)).toEqual(vn('2026-12-16T00:00'));
    expect(localInstant('2026-12-31T24:00', TZ)).toEqual(vn('2027-01-01T00:00'));
    expect(localInstant('2026-12-13', TZ)).toEqual(vn('2026-12-13T00:00'));
    for (const bad of ['2026-02-30T08:00', '2026-12-13T25:00', '2026-12-13T24:30', '13/12/2026']) {
      expect(() => localInstant(bad, TZ)).toThrow();
    }
    expect(() => localInstant('2026-12-13T08:00', 'Not/AZone')).toThrow();
  });

  it('counts whole local days left', () => {
    const due = vn('2026-12-16T00:00');
    expect(daysLeft(vn('2026-12-13T08:00'), due, TZ)).toBe(3);
    expect(daysLeft(vn('2026-12-15T23:59'), due, TZ)).toBe(1);
    expect(daysLeft(vn('2026-12-16T00:00'), due, TZ)).toBe(0);
    expect(daysLeft(vn('2026-12-20T08:00'), due, TZ)).toBe(-4);
    // 00:30 local on the 13th is still the 12th in UTC: local days count
    expect(daysLeft(vn('2026-12-13T00:30'), due, TZ)).toBe(3);
  });

  it('starts days and adds days in local time', () => {
    expect(startOfLocalDay(vn('2026-12-13T00:30'), TZ)).toEqual(vn('2026-12-13T00:00'));
    expect(startOfLocalDay(vn('2026-12-13T23:59'), TZ)).toEqual(vn('2026-12-13T00:00'));
    expect(addLocalDays(vn('2026-12-30T08:00'), 3, TZ)).toEqual(vn('2027-01-02T08:00'));
    expect(addLocalDays(vn('2026-03-01T08:00'), -1, TZ)).toEqual(vn('2026-02-28T08:00'));
  });
});

// ─────────────────────────── no level is special ───────────────────────────

describe('levels are data', () => {
  it('works for the two-tier profile through the same code', () => {
    const tt = getProfile('two-tier-2025');
    expect(wall(dueAt(tt, 'commune', quarter(2026, 4))!)).toBe('2026-12-21T00:00');
    expect(dueAt(tt, 'district', quarter(2026, 4))).toBeUndefined();
    expect(allPointsBetween(tt, vn('2026-10-01'), vn('2027-01-01'))).toHaveLength(6);
  });

  it('works for a five-level profile with keys no code knows', () => {
    const base = structuredClone(getProfile('two-tier-2025')) as ProfileInput;
    const raw: ProfileInput = {
      ...base,
      id: 'five-levels',
      levels: ['vung', 'tinh', 'xa', 'thon', 'nhom'].map((key) => ({ key, name: { vi: key, en: key } })),
      teams: [{ ...base.teams[0]!, level: 'nhom' }],
      approval: { ...base.approval, level: 'xa' },
      reporting: {
        ...base.reporting,
        cycle: 'month',
        deadlines: [
          { level: 'nhom', day: 5, source: 't' },
          { level: 'thon', day: 10, source: 't' },
          { level: 'xa', day: 15, source: 't' },
          { level: 'tinh', day: 'last', source: 't' },
        ],
        oneOff: [],
      },
      indicators: [{ key: 'people_supported' }],
    };
    const p = parseProfile('five', raw);
    expect(['nhom', 'thon', 'xa', 'tinh', 'vung'].map((l) => (dueAt(p, l, month(2026, 6)) ? wall(dueAt(p, l, month(2026, 6))!) : '-'))).toEqual([
      '2026-06-05T00:00',
      '2026-06-10T00:00',
      '2026-06-15T00:00',
      '2026-07-01T00:00',
      '-',
    ]);
    expect(allPointsBetween(p, vn('2026-06-01T12:00'), vn('2026-07-01T12:00'))).toHaveLength(12);
  });
});

// ─────────────────────────── properties ───────────────────────────

describe('properties', () => {
  const instant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true });
  const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const periodArb = fc.oneof(
    fc.record({ cycle: fc.constant<'month'>('month'), year: fc.integer({ min: 2022, max: 2032 }), index: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ cycle: fc.constant<'quarter'>('quarter'), year: fc.integer({ min: 2022, max: 2032 }), index: fc.integer({ min: 1, max: 4 }) }),
  );

  it('periodContaining(t) contains t, and keys round-trip', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom<'month' | 'quarter'>('month', 'quarter'), (t, cycle) => {
        const p = periodContaining(cycle, t, TZ);
        expect(periodContains(p, t, TZ)).toBe(true);
        expect(periodStart(p, TZ).getTime()).toBeLessThanOrEqual(t.getTime());
        expect(periodEnd(p, TZ).getTime()).toBeGreaterThan(t.getTime());
        expect(parsePeriodKey(periodKey(p))).toEqual(p);
        expect(parsePeriodText(periodKey(p))).toEqual(p);
      }),
    );
  });

  it('shifting forth and back is the identity; next starts where this ends', () => {
    fc.assert(
      fc.property(periodArb, fc.integer({ min: -60, max: 60 }), (p, n) => {
        expect(shiftPeriod(shiftPeriod(p, n), -n)).toEqual(p);
        expect(periodStart(nextPeriod(p), TZ)).toEqual(periodEnd(p, TZ));
        expect(periodsBetween(p, shiftPeriod(p, Math.abs(n)))).toHaveLength(Math.abs(n) + 1);
      }),
    );
  });

  it('reminder points: before < due ≤ overdue, sorted, unique, never in quiet hours, never on a holiday', () => {
    const settings = fc.record({
      daysBefore: fc.uniqueArray(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 4 }),
      overdueDaysAfter: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }),
      hour: hhmm,
      quiet: fc.tuple(hhmm, hhmm),
      skipHolidays: fc.boolean(),
      deadlineMovesOffHoliday: fc.boolean(),
      day: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constant<'last'>('last')),
      monthOffset: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(settings, periodArb, (s, period) => {
        // a quiet range covering (almost) the whole day is a configuration error, not tested here
        const [qf, qt] = s.quiet;
        const minutes = (x: string) => +x.slice(0, 2) * 60 + +x.slice(3);
        fc.pre(((minutes(qt) - minutes(qf) + 1440) % 1440) <= 12 * 60);
        const p = variant('ca-mau-2023', (x) => {
          x.reporting.cycle = period.cycle;
          x.reporting.deadlines = [{ level: 'village', day: s.day, monthOffset: s.monthOffset, source: 't' }];
          x.reporting.reminders = {
            ...x.reporting.reminders!,
            daysBefore: s.daysBefore,
            overdueDaysAfter: s.overdueDaysAfter,
            hour: s.hour,
            quietHours: { from: qf, to: qt },
            skipHolidays: s.skipHolidays,
            deadlineMovesOffHoliday: s.deadlineMovesOffHoliday,
          };
        });
        const due = dueAt(p, 'village', period)!;
        const pts = reminderPoints(p, 'village', period);
        const overdue = pts.filter((x) => x.kind === 'overdue');
        expect(overdue.length).toBeGreaterThanOrEqual(1);
        for (const x of pts) {
          if (x.kind === 'before') expect(x.at.getTime()).toBeLessThan(due.getTime());
          else expect(x.at.getTime()).toBeGreaterThanOrEqual(due.getTime());
          for (const o of overdue) if (x.kind === 'before') expect(x.at.getTime()).toBeLessThanOrEqual(o.at.getTime());
          const m = minutes(localParts(x.at, TZ).time);
          const quiet = minutes(qf) === minutes(qt) ? false : minutes(qf) < minutes(qt) ? m >= minutes(qf) && m < minutes(qt) : m >= minutes(qf) || m < minutes(qt);
          expect(quiet).toBe(false);
          if (s.skipHolidays) expect(isPublicHoliday(localDate(x.at, TZ))).toBe(false);
          expect(x.at.getTime()).toBeGreaterThanOrEqual(x.nominal.getTime() - 40 * 24 * H);
        }
        const times = pts.map((x) => x.at.getTime());
        expect([...times].sort((a, b) => a - b)).toEqual(times);
        expect(new Set(times).size).toBe(times.length);
        expect(new Set(pts.map((x) => x.id)).size).toBe(pts.length);
      }),
      { numRuns: 300 },
    );
  });

  it('a report is late exactly from the due instant on', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -5 * 24 * 3600, max: 5 * 24 * 3600 }), (due, s) => {
        const at = new Date(due.getTime() + s * 1000);
        expect(isLate(due, at)).toBe(s >= 0);
      }),
    );
  });

  it('points in (a, b] ∪ (b, c] are the points in (a, c]', () => {
    const yb = getProfile('yen-bai-2022');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2025-06-01T00:00:00Z'), max: new Date('2027-06-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 60 * 24 }),
        fc.integer({ min: 1, max: 60 * 24 }),
        (a, m1, m2) => {
          const b = new Date(a.getTime() + m1 * 60_000);
          const c = new Date(b.getTime() + m2 * 60_000);
          const keys = (x: Date, y: Date) => allPointsBetween(yb, x, y).map((k) => k.key);
          expect([...keys(a, b), ...keys(b, c)]).toEqual(keys(a, c));
        },
      ),
      { numRuns: 100 },
    );
  });
});
