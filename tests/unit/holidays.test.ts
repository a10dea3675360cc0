import {
  holidayName,
  isPublicHoliday,
  nextWorkingDay,
  previousWorkingDay,
  publicHolidays,
  workingDayAfter,
} from '../../src/domain/holidays';

describe('Vietnamese public holidays (date-holidays, country VN)', () => {
  it('computes Tết from the lunar calendar: 17 Feb 2026 and 6 Feb 2027', () => {
    expect(holidayName('2026-02-17')).toBe('Tết Nguyên Đán');
    expect(holidayName('2027-02-06')).toBe('Tết Nguyên Đán');
    expect(isPublicHoliday('2026-02-17')).toBe(true);
    expect(isPublicHoliday('2027-02-06')).toBe(true);
  });

  it('gives Tết five days off: New Year’s Eve and four days', () => {
    const tet2026 = ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20'];
    for (const d of tet2026) expect(isPublicHoliday(d)).toBe(true);
    expect(isPublicHoliday('2026-02-15')).toBe(false);
    expect(isPublicHoliday('2026-02-21')).toBe(false);
    const tet2027 = ['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09'];
    for (const d of tet2027) expect(isPublicHoliday(d)).toBe(true);
    expect(isPublicHoliday('2027-02-10')).toBe(false);
  });

  it.each([
    ['2026-01-01', true],
    ['2026-04-26', true], // Giỗ Tổ Hùng Vương, 10/3 lunar
    ['2026-04-30', true],
    ['2026-05-01', true],
    ['2026-09-02', true],
    ['2027-04-16', true], // Giỗ Tổ 2027
    ['2026-11-20', false], // Teachers' Day is an observance, not a day off
    ['2026-03-07', false], // a Saturday: weekends are not holidays here
    ['2026-03-08', false], // a Sunday
    ['2026-12-16', false],
  ])('%s is a public holiday: %s', (date, expected) => {
    expect(isPublicHoliday(date)).toBe(expected);
  });

  it('lists the days off of a year, one entry per day, sorted', () => {
    const days = publicHolidays(2026).map((h) => h.date);
    expect(days).toEqual([
      '2026-01-01',
      '2026-02-16',
      '2026-02-17',
      '2026-02-18',
      '2026-02-19',
      '2026-02-20',
      '2026-04-26',
      '2026-04-30',
      '2026-05-01',
      '2026-09-02',
    ]);
  });

  it('finds working days around holidays', () => {
    expect(nextWorkingDay('2026-02-17')).toBe('2026-02-21');
    expect(nextWorkingDay('2026-02-21')).toBe('2026-02-21');
    expect(previousWorkingDay('2026-02-18')).toBe('2026-02-15');
    expect(previousWorkingDay('2026-02-15')).toBe('2026-02-15');
    expect(nextWorkingDay('2026-04-30')).toBe('2026-05-02');
    expect(workingDayAfter('2026-02-15')).toBe('2026-02-21');
    expect(workingDayAfter('2026-03-06')).toBe('2026-03-07');
    // across a year boundary
    expect(nextWorkingDay('2027-01-01')).toBe('2027-01-02');
    expect(previousWorkingDay('2027-01-01')).toBe('2026-12-31');
  });

  it('refuses a malformed date', () => {
    expect(() => isPublicHoliday('17/02/2026')).toThrow(/YYYY-MM-DD/);
    expect(() => isPublicHoliday('2026-02-30')).toThrow();
  });
});
