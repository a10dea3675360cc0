import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PROFILES_DIR,
  ProfileError,
  clearProfileCache,
  getProfile,
  listProfiles,
  loadProfileDir,
  loadProfileFile,
} from '../../src/app/profiles';
import { dueFor, levelIndex, teamRuleFor, type Profile } from '../../src/domain/profile';
import { dueAt } from '../../src/domain/calendar';
import { choosePeriod } from '../../src/app/reporting';
import { canonicalGroupName } from '../../src/domain/group-name';
import { INDICATOR_KEYS, MINIMAL_DEFAULT_SET, resolveIndicators } from '../../src/domain/indicators';

const PRESETS = ['bac-kan-2022', 'ca-mau-2023', 'lai-chau-2022', 'soc-trang-2022', 'two-tier-2025', 'yen-bai-2022'];

/** research/domain.md §7's minimal default set, which every preset carries */
const MINIMAL_DEFAULT = MINIMAL_DEFAULT_SET;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'profiles-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

function presetText(id: string): string {
  return fs.readFileSync(path.join(PROFILES_DIR, `${id}.yaml`), 'utf8');
}

function issuesOf(fn: () => unknown): ProfileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return e as ProfileError;
  }
  throw new Error('expected a ProfileError');
}

describe('preset loading', () => {
  it('ships the six presets, every one valid', () => {
    expect(listProfiles().map((p) => p.id)).toEqual(PRESETS);
    for (const id of PRESETS) expect(getProfile(id).id).toBe(id);
  });

  it('resolves the folder from the project root, not the cwd', () => {
    expect(path.isAbsolute(PROFILES_DIR)).toBe(true);
    expect(fs.existsSync(path.join(PROFILES_DIR, '..', 'package.json'))).toBe(true);
    const cwd = process.cwd();
    try {
      process.chdir(tmp);
      clearProfileCache();
      expect(listProfiles()).toHaveLength(PRESETS.length);
    } finally {
      process.chdir(cwd);
    }
  });

  it('caches: the same object twice', () => {
    expect(getProfile('ca-mau-2023')).toBe(getProfile('ca-mau-2023'));
  });

  it('names the known ids when asked for an unknown one', () => {
    expect(() => getProfile('ha-noi-2030')).toThrow(/ha-noi-2030.*ca-mau-2023.*two-tier-2025/s);
  });
});

describe('refusing a broken profile file', () => {
  it('names the path of a bad field', () => {
    const text = presetText('ca-mau-2023').replace('      day: 21\n', '      day: 40\n');
    const file = writeTmp('bad-day.yaml', text);
    const err = issuesOf(() => loadProfileFile(file));
    expect(err.profile).toBe(file);
    expect(err.issues.map((i) => i.path)).toEqual(['reporting.deadlines.1.day']);
    expect(err.message).toContain('reporting.deadlines.1.day');
    expect(err.message).toContain(file);
  });

  it('names a team on a level the profile does not have', () => {
    const text = presetText('yen-bai-2022').replace('  - level: village\n    kind: community', '  - level: hamlet\n    kind: community');
    const err = issuesOf(() => loadProfileFile(writeTmp('bad-level.yaml', text)));
    expect(err.issues.map((i) => i.path)).toEqual(['teams.1.level']);
  });

  it('names a malformed hour and a missing field', () => {
    const text = presetText('two-tier-2025').replace("hour: '08:00'", "hour: '8h'").replace(/^source: .*\n/m, '');
    const err = issuesOf(() => loadProfileFile(writeTmp('bad-hour.yaml', text)));
    expect(err.issues.map((i) => i.path).sort()).toEqual(['reporting.reminders.hour', 'source']);
  });

  it('refuses a YAML syntax error and an unreadable file', () => {
    expect(issuesOf(() => loadProfileFile(writeTmp('bad.yaml', 'id: x\n  levels: [\n'))).issues[0]!.path).toBe('(YAML)');
    expect(issuesOf(() => loadProfileFile(path.join(tmp, 'missing.yaml'))).issues[0]!.path).toBe('(tệp)');
  });

  it('loads a valid custom file, and a folder refuses a file whose id is not its name', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'dir-'));
    fs.writeFileSync(path.join(dir, 'my-province.yaml'), presetText('two-tier-2025'));
    expect(loadProfileFile(path.join(dir, 'my-province.yaml')).id).toBe('two-tier-2025');
    expect(issuesOf(() => loadProfileDir(dir)).issues[0]!.path).toBe('id');
  });
});

describe('what the presets say', () => {
  const all = () => listProfiles();

  it('uses the level keys province/district/commune/village, or province/commune/village for two tiers', () => {
    for (const p of all()) {
      const keys = p.levels.map((l) => l.key);
      expect(keys).toEqual(
        p.id === 'two-tier-2025' ? ['province', 'commune', 'village'] : ['province', 'district', 'commune', 'village'],
      );
    }
  });

  it('gives villages their local names', () => {
    const village = (id: string) => getProfile(id).levels.find((l) => l.key === 'village')!;
    expect(village('ca-mau-2023').name.vi).toBe('Ấp/Khóm');
    expect(village('ca-mau-2023').localNames).toEqual(['ấp', 'khóm']);
    expect(village('soc-trang-2022').localNames).toEqual(['ấp', 'khóm']);
    expect(village('lai-chau-2022').name.vi).toBe('Bản');
    expect(village('yen-bai-2022').localNames).toContain('tổ dân phố');
  });

  it('has the team rules of each seed', () => {
    const yb = getProfile('yen-bai-2022');
    for (const level of ['commune', 'village']) {
      const t = teamRuleFor(yb, level)!;
      expect(t.size).toEqual({ min: 5, max: 10 });
      expect(t.overflow).toBe('collaborator');
    }
    expect(teamRuleFor(yb, 'village')!.leader.position).toMatch(/Trưởng thôn/);
    expect(teamRuleFor(yb, 'commune')!.leader.position).toMatch(/Bí thư Đoàn/);
    expect(teamRuleFor(yb, 'district')).toBeUndefined();

    const cm = getProfile('ca-mau-2023');
    expect(cm.teams).toHaveLength(1);
    expect(teamRuleFor(cm, 'village')!.size).toEqual({ min: 4 });

    const st = teamRuleFor(getProfile('soc-trang-2022'), 'village')!;
    expect(st.size).toEqual({ max: 10 });
    expect(st.deputy.actsAsLeader).toBe(true);

    const lc = getProfile('lai-chau-2022');
    expect(teamRuleFor(lc, 'village')!.size.min).toBe(3);
    expect(teamRuleFor(lc, 'village')!.leader.position).toMatch(/Trưởng thôn/);
    for (const level of ['commune', 'district', 'province']) expect(teamRuleFor(lc, level)!.kind).toBe('steering');

    const tt = teamRuleFor(getProfile('two-tier-2025'), 'village')!;
    expect(tt.size).toEqual({ min: 4, max: 10 });

    const bk = teamRuleFor(getProfile('bac-kan-2022'), 'village')!;
    expect(bk.deputy.position).toMatch(/Bí thư Chi đoàn/);
  });

  it('routes membership to the commune chairman everywhere', () => {
    for (const p of all()) expect(p.approval.level).toBe('commune');
  });

  it('has the reporting cycles and deadline chains of SPEC §2', () => {
    const chain = (id: string) => {
      const p = getProfile(id);
      return [p.reporting.cycle, ...p.reporting.deadlines.map((d) => `${d.level}:${d.day}+${d.monthOffset}`)];
    };
    expect(chain('ca-mau-2023')).toEqual(['quarter', 'village:16+0', 'commune:21+0', 'district:26+0']);
    expect(chain('two-tier-2025')).toEqual(['quarter', 'village:16+0', 'commune:21+0']);
    expect(chain('yen-bai-2022')).toEqual(['month', 'village:15+0', 'commune:20+0', 'district:25+0']);
    expect(chain('bac-kan-2022')).toEqual(['month', 'village:15+0', 'commune:20+0', 'district:25+0']);
    expect(chain('lai-chau-2022')).toEqual(['month', 'village:15+0', 'commune:20+0', 'district:25+0']);
    // (chọn) the upper levels get later days than the hamlets' last day (issue 10): before day 5 and 10 of the next month
    expect(chain('soc-trang-2022')).toEqual(['month', 'village:last+0', 'commune:5+1', 'district:10+1']);
  });

  it('says so in reporting.note where it picked days the seed does not give', () => {
    for (const id of ['yen-bai-2022', 'bac-kan-2022', 'lai-chau-2022', 'soc-trang-2022']) {
      expect(getProfile(id).reporting.note).toMatch(/chọn|không (nêu|quy định)/);
    }
  });

  it('gives each level above a later due instant than the level below, so a roll-up is not late by construction', () => {
    for (const p of all()) {
      const ds = p.reporting.deadlines;
      for (const period of [{ cycle: p.reporting.cycle, year: 2026, index: 1 }, { cycle: p.reporting.cycle, year: 2026, index: 4 }]) {
        for (let i = 1; i < ds.length; i++) {
          expect(dueAt(p, ds[i]!.level, period)!.getTime()).toBeGreaterThan(dueAt(p, ds[i - 1]!.level, period)!.getTime());
        }
      }
    }
    // a chosen day says so, with its reason
    const st = getProfile('soc-trang-2022').reporting.deadlines;
    expect(st.find((d) => d.level === 'commune')!.source).toMatch(/^\(chọn\) .*xã trước ngày 5 tháng sau để kịp tổng hợp/);
    expect(st.find((d) => d.level === 'district')!.source).toMatch(/^\(chọn\) .*huyện trước ngày 10 tháng sau để kịp tổng hợp/);
  });

  it('Sóc Trăng: on 2 January a commune still works on December, a hamlet already on January', () => {
    const st = getProfile('soc-trang-2022');
    const jan2 = new Date('2027-01-02T03:00:00Z');
    expect(choosePeriod(st, '', jan2, 'commune')).toEqual({ cycle: 'month', year: 2026, index: 12 });
    expect(choosePeriod(st, '', jan2, 'district')).toEqual({ cycle: 'month', year: 2026, index: 12 });
    expect(choosePeriod(st, '', jan2, 'village')).toEqual({ cycle: 'month', year: 2027, index: 1 });
    expect(choosePeriod(st, '', new Date('2027-01-06T03:00:00Z'), 'commune')).toEqual({ cycle: 'month', year: 2027, index: 1 });
    // a period named on the command line wins
    expect(choosePeriod(st, 'T1/2027', jan2, 'commune')).toEqual({ cycle: 'month', year: 2027, index: 1 });
  });

  it('lists deadlines lowest level first, each level above due no earlier', () => {
    for (const p of all()) {
      const ds = p.reporting.deadlines;
      for (let i = 1; i < ds.length; i++) {
        expect(levelIndex(p, ds[i]!.level)).toBeLessThan(levelIndex(p, ds[i - 1]!.level));
        const day = (d: (typeof ds)[number]) => (d.day === 'last' ? 32 : d.day) + 31 * d.monthOffset;
        expect(day(ds[i]!)).toBeGreaterThanOrEqual(day(ds[i - 1]!));
      }
      // the lowest level with a team reports
      const lowest = p.levels[p.levels.length - 1]!.key;
      expect(dueFor(p, lowest)).toBeDefined();
    }
  });

  it('uses the SPEC §5 reminder defaults', () => {
    for (const p of all()) {
      const r = p.reporting.reminders;
      expect([r.daysBefore, r.overdueDaysAfter, r.hour, r.quietHours, r.skipHolidays, r.deadlineMovesOffHoliday]).toEqual([
        [3, 1], [0], '08:00', { from: '21:00', to: '07:00' }, true, false,
      ]);
    }
  });

  it('carries Cà Mau’s one-off member-list deadlines (III.1.d)', () => {
    const oneOff = getProfile('ca-mau-2023').reporting.oneOff;
    expect(oneOff.map((o) => [o.level, o.dueLocal])).toEqual([
      ['commune', '2023-09-15T24:00'],
      ['district', '2023-09-25T24:00'],
      ['province', '2023-10-01T00:00'],
    ]);
    for (const p of all()) if (p.id !== 'ca-mau-2023') expect(p.reporting.oneOff).toEqual([]);
  });

  it('has the group-name patterns of Sóc Trăng and Lai Châu, none elsewhere', () => {
    const names = (id: string) => getProfile(id).levels.map((l) => l.groupName);
    expect(names('soc-trang-2022')).toEqual(['CNCĐ_{name}', 'CNCĐ_{name}_{parent}', 'CNCĐ_{name}_{parent}', 'CNCĐ_{name}_{parent}_{parent.parent}']);
    expect(names('lai-chau-2022')).toEqual(['CNS_tỉnh {name}', 'CNS_{name}', 'CNS_{name}', 'CNS_{name}_{parent}']);
    for (const id of ['yen-bai-2022', 'bac-kan-2022', 'ca-mau-2023', 'two-tier-2025']) {
      expect(names(id).every((n) => n === undefined)).toBe(true);
    }
  });

  it('renders the seeds’ own examples of group names', () => {
    const render = (id: string, chain: string[]) => canonicalGroupName(getProfile(id).levels[chain.length - 1]!.groupName!, chain);
    const st = ['Sóc Trăng', 'Kế Sách', 'Nhơn Mỹ', 'Mỹ Phước'];
    // Sóc Trăng KH 2.7 examples
    expect([1, 2, 3, 4].map((n) => render('soc-trang-2022', st.slice(0, n)))).toEqual([
      'CNCĐ_Sóc Trăng',
      'CNCĐ_Kế Sách_Sóc Trăng',
      'CNCĐ_Nhơn Mỹ_Kế Sách',
      'CNCĐ_Mỹ Phước_Nhơn Mỹ_Kế Sách',
    ]);
    const lc = ['Lai Châu', 'Tam Đường', 'Bản Bo', 'Nà Bỏ'];
    expect([1, 2, 3, 4].map((n) => render('lai-chau-2022', lc.slice(0, n)))).toEqual([
      'CNS_tỉnh Lai Châu',
      'CNS_Tam Đường',
      'CNS_Bản Bo',
      'CNS_Nà Bỏ_Bản Bo',
    ]);
  });

  it('uses only keys of the indicator catalogue (src/domain/indicators.ts), each once, with the minimal default set', () => {
    for (const p of all()) {
      const keys = p.indicators.map((i) => i.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const k of keys) expect(INDICATOR_KEYS).toContain(k);
      for (const k of MINIMAL_DEFAULT) expect(keys).toContain(k);
      expect(() => resolveIndicators(p.indicators)).not.toThrow();
    }
  });

  it('has the seeds’ targets, each over an indicator the profile collects', () => {
    const target = (p: Profile, key: string) => p.indicators.find((i) => i.key === key)?.target;
    expect(target(getProfile('ca-mau-2023'), 'households_supported')).toMatchObject({ share: 0.8, of: 'households_total' });
    expect(target(getProfile('soc-trang-2022'), 'ocop_online')).toMatchObject({ share: 1, of: 'ocop_total' });
    for (const p of all()) {
      for (const i of p.indicators) {
        if (i.target) expect(p.indicators.map((x) => x.key)).toContain(i.target.of);
      }
    }
  });

  it('names a source for every rule, and a comment in the file', () => {
    for (const p of all()) {
      const sources = [
        p.source,
        p.approval.source,
        ...p.teams.map((t) => t.source),
        ...p.reporting.deadlines.map((d) => d.source),
        ...p.reporting.oneOff.map((d) => d.source),
        ...p.indicators.flatMap((i) => (i.target ? [i.target.source] : [])),
      ];
      for (const s of sources) expect(s.trim().length).toBeGreaterThan(5);
      const text = presetText(p.id);
      // every team, deadline and one-off entry is preceded by a comment line
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (/^\s+- (level|id): /.test(line)) {
          expect(`${p.id}:${i + 1}: ${lines[i - 1]}`).toMatch(/:\d+: \s*#/);
        }
      });
    }
  });
});
