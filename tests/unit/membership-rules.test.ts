/**
 * Membership rules of every preset profile, accepting and refusing, with the Vietnamese message the
 * user sees (and the seed the rule comes from).
 */
import fc from 'fast-check';
import { getProfile } from '../../src/app/profiles';
import {
  checkJoin,
  checkRoleChange,
  displayPhone,
  holdsPosition,
  leaveWarnings,
  maskPhone,
  normalizePhone,
  parseProposalLine,
  parseRole,
  positionAlternatives,
  rosterWarnings,
  sizeBounds,
  type Seat,
} from '../../src/domain/membership';
import type { TeamRule } from '../../src/domain/profile';
import { translator } from '../../src/i18n';
import { violationText, warningText } from '../../src/chat/features/membership/text';

const vi = translator('vi');
const en = translator('en');
const PROFILES = ['yen-bai-2022', 'bac-kan-2022', 'ca-mau-2023', 'soc-trang-2022', 'lai-chau-2022', 'two-tier-2025'];

/** An occupation that holds a position text (its first alternative, as written). */
const holder = (position: string) => positionAlternatives(position)[0]!;

let phoneNo = 0;
const nextPhone = () => `+8491${String(++phoneNo).padStart(7, '0')}`;

/** A team that satisfies its rule: a leader, a deputy where allowed, members up to `size`. */
function team(rule: TeamRule, size: number, opts: { leader?: boolean; deputy?: boolean } = {}): Seat[] {
  const seats: Seat[] = [];
  if (opts.leader !== false) seats.push({ personId: 1000 + seats.length, phone: nextPhone(), name: 'Tổ Trưởng', role: 'leader' });
  if (opts.deputy !== false && rule.deputy.max > 0 && seats.length < size) seats.push({ personId: 1000 + seats.length, phone: nextPhone(), name: 'Tổ Phó', role: 'deputy' });
  while (seats.length < size) seats.push({ personId: 1000 + seats.length, phone: nextPhone(), name: `Thành Viên ${seats.length}`, role: 'member' });
  return seats;
}

const member = (name = 'Nguyễn Văn A') => ({ name, phone: '0912 345 678', role: 'member' as const, occupation: 'giáo viên' });
const messages = (rule: TeamRule, seats: Seat[], p: Parameters<typeof checkJoin>[2]) =>
  checkJoin(rule, seats, p).violations.map((v) => violationText(vi, v));

describe.each(PROFILES)('profile %s', (id) => {
  const profile = getProfile(id);
  describe.each(profile.teams.map((t) => [`${t.kind} team at ${t.level}`, t] as const))('%s', (_label, rule) => {
    const src = `(Quy định: ${rule.source})`;

    it('accepts a member into a team with room, with a valid number in any written form', () => {
      const seats = team(rule, Math.max(1, (rule.size.max ?? 6) - 1));
      for (const phone of ['0912345678', '0912 345 678', '091.234.5678', '+84 912 345 678', '84912345678']) {
        const r = checkJoin(rule, seats, { ...member(), phone });
        expect(r.violations).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.phone).toBe('+84912345678');
      }
    });

    it('size: refuses (or offers a collaborator place) over the maximum, counting pending joins', () => {
      const max = rule.size.max;
      if (max === undefined) {
        // no upper bound: a big team still takes members
        expect(checkJoin(rule, team(rule, 40), member()).ok).toBe(true);
        return;
      }
      const full = team(rule, max);
      const r = checkJoin(rule, full, member());
      expect(r.ok).toBe(false);
      const expected =
        rule.overflow === 'collaborator'
          ? `Tổ đã đủ tối đa ${max} thành viên (đang có ${max}, tính cả người chờ duyệt); người tham gia thêm thuộc nhóm cộng tác viên. ${src}`
          : `Tổ đã đủ tối đa ${max} thành viên (đang có ${max}, tính cả người chờ duyệt), không thể thêm. ${src}`;
      expect(r.violations.map((v) => violationText(vi, v))).toEqual([expected]);
      expect(r.offerCollaborator).toBe(rule.overflow === 'collaborator');

      // max − 1 on the roster plus one pending join is full too
      const withPending = [...team(rule, max - 1), { personId: null, phone: nextPhone(), name: 'Chờ Duyệt', role: 'member' as const, pending: true, requestId: 7 }];
      expect(checkJoin(rule, withPending, member()).violations.map((v) => v.code)).toEqual([rule.overflow === 'collaborator' ? 'size_max_collaborator' : 'size_max']);
      // one place left: accepted
      expect(checkJoin(rule, team(rule, max - 1), member()).ok).toBe(true);
      // collaborators are not counted in the size
      const withCollaborators = [...team(rule, max - 1), ...[1, 2, 3].map((i) => ({ personId: 2000 + i, phone: nextPhone(), name: `CTV ${i}`, role: 'collaborator' as const }))];
      expect(checkJoin(rule, withCollaborators, member()).ok).toBe(true);
    });

    it('collaborators: accepted even in a full team where the profile has a collaborator group, refused elsewhere', () => {
      const seats = team(rule, rule.size.max ?? 5);
      const r = checkJoin(rule, seats, { ...member(), role: 'collaborator' });
      if (rule.overflow === 'collaborator') expect(r.ok).toBe(true);
      else expect(r.violations.map((v) => violationText(vi, v))).toEqual([`Quy định của tỉnh không có nhóm cộng tác viên; hãy đề nghị làm thành viên. ${src}`]);
    });

    it('leader: exactly one — a second leader is refused naming the first', () => {
      const seats = team(rule, 3);
      const occupation = rule.leader.position ? holder(rule.leader.position) : 'giáo viên';
      const r = checkJoin(rule, seats, { ...member('Lê Văn Hai'), role: 'leader', occupation });
      expect(r.violations.map((v) => violationText(vi, v))).toEqual([
        `Tổ đã có tổ trưởng (Tổ Trưởng); mỗi tổ chỉ có ${rule.leader.count} tổ trưởng. Muốn thay tổ trưởng, dùng /vaitro. ${src}`,
      ]);
      // a team without a leader takes one
      expect(checkJoin(rule, team(rule, 3, { leader: false }), { ...member('Lê Văn Hai'), role: 'leader', occupation }).ok).toBe(true);
    });

    it('leader: the required position where the profile demands it', () => {
      const seats = team(rule, 3, { leader: false });
      const wrong = checkJoin(rule, seats, { ...member(), role: 'leader', occupation: 'giáo viên' });
      if (!rule.leader.position) {
        expect(wrong.ok).toBe(true);
        return;
      }
      expect(wrong.violations.map((v) => violationText(vi, v))).toEqual([
        `Tổ trưởng phải là ${rule.leader.position}. Ghi chức vụ này ở mục nghề nghiệp/chức vụ. ${src}`,
      ]);
      for (const alt of positionAlternatives(rule.leader.position)) {
        expect(checkJoin(rule, seats, { ...member(), role: 'leader', occupation: alt.toUpperCase() }).ok).toBe(true);
      }
    });

    it('deputy: none, at most the profile maximum, and the position where it is required', () => {
      const noDeputy = team(rule, 3, { deputy: false });
      const occupation = rule.deputy.position ? holder(rule.deputy.position) : 'giáo viên';
      const first = checkJoin(rule, noDeputy, { ...member(), role: 'deputy', occupation });
      if (rule.deputy.max === 0) {
        expect(first.violations.map((v) => violationText(vi, v))).toEqual([`Tổ này không có tổ phó theo quy định. ${src}`]);
        return;
      }
      expect(first.ok).toBe(true);
      const withDeputy = team(rule, 3);
      expect(checkJoin(rule, withDeputy, { ...member(), role: 'deputy', occupation }).violations.map((v) => violationText(vi, v))).toEqual([
        `Tổ đã đủ ${rule.deputy.max} tổ phó (Tổ Phó). ${src}`,
      ]);
      const pos = rule.deputy.position;
      const wrong = checkJoin(rule, noDeputy, { ...member(), role: 'deputy', occupation: 'kỹ sư' });
      if (!pos) expect(wrong.ok).toBe(true);
      else if (/khuyến nghị/.test(pos)) {
        // a recommendation (Yên Bái 3.1.c): accepted with a note
        expect(wrong.ok).toBe(true);
        expect(wrong.warnings.map((w) => warningText(vi, w))).toEqual([`Khuyến nghị tổ phó là ${pos}. ${src}`]);
      } else {
        expect(wrong.violations.map((v) => violationText(vi, v))).toEqual([`Tổ phó phải là ${pos}. Ghi chức vụ này ở mục nghề nghiệp/chức vụ. ${src}`]);
      }
    });

    it('phone: invalid and missing numbers are refused, naming the number', () => {
      const seats = team(rule, 2);
      for (const bad of ['0212345678', '012345678', '09123456789', '+8421234567', '0612345678', 'abc']) {
        expect(messages(rule, seats, { ...member(), phone: bad })).toEqual([
          `Số điện thoại "${bad}" không hợp lệ: cần số di động Việt Nam 10 chữ số bắt đầu bằng 03, 05, 07, 08, 09 (hoặc dạng +84…). ${src}`,
        ]);
      }
      expect(checkJoin(rule, seats, { ...member(), phone: '' }).violations.map((v) => v.code)).toEqual(['phone_invalid']);
      // a platform join request carries no number and is not refused for it
      expect(checkJoin(rule, seats, { ...member(), phone: null, personId: 77 }, { requirePhone: false }).ok).toBe(true);
    });

    it('no person twice in a team: the same number on the roster or pending', () => {
      const seats = team(rule, 2);
      const on = seats[1]!;
      expect(messages(rule, seats, { ...member(), phone: displayPhone(on.phone!) })).toEqual([`${on.name} đã có trong danh sách tổ. ${src}`]);
      const pending = [...seats, { personId: null, phone: '+84987654321', name: 'Trần Thị B', role: 'member' as const, pending: true, requestId: 9 }];
      expect(messages(rule, pending, { ...member(), phone: '0987654321' })).toEqual([`Trần Thị B đã được đề nghị và đang chờ duyệt. ${src}`]);
      expect(messages(rule, seats, { ...member(), phone: null, personId: on.personId })).toEqual([`${on.name} đã có trong danh sách tổ. ${src}`]);
    });

    it('a name is required', () => {
      expect(messages(rule, team(rule, 2), { ...member(''), name: '  ' })).toEqual([`Thiếu họ tên người được đề nghị. ${src}`]);
    });

    it('roster warnings: under the minimum, without a leader, over the maximum', () => {
      const min = rule.size.min;
      if (min !== undefined && min > 1) {
        const w = rosterWarnings(rule, team(rule, min - 1));
        expect(w.map((x) => warningText(vi, x))).toEqual([`Tổ có ${min - 1} thành viên, dưới mức tối thiểu ${min}. ${src}`]);
        expect(rosterWarnings(rule, team(rule, min))).toEqual([]);
      }
      const leaderless = team(rule, Math.max(min ?? 3, 3), { leader: false });
      expect(rosterWarnings(rule, leaderless).map((x) => warningText(vi, x))).toContain(`Tổ chưa có tổ trưởng. ${src}`);
      if (rule.size.max !== undefined) {
        const over = team(rule, rule.size.max + 1);
        expect(rosterWarnings(rule, over).map((x) => warningText(vi, x))).toEqual([
          `Tổ có ${rule.size.max + 1} thành viên, vượt mức tối đa ${rule.size.max}. ${src}`,
        ]);
      }
    });

    it('leaving never blocks, but tells what the team would lack', () => {
      const size = Math.max(rule.size.min ?? 3, 3);
      const seats = team(rule, size);
      const w = leaveWarnings(rule, seats, seats[0]!).map((x) => x.code);
      expect(w).toContain('no_leader');
      if (rule.size.min !== undefined) expect(w).toContain('under_min');
    });

    it('role change: member → leader needs the leader seat free (and the position)', () => {
      const seats = team(rule, 4);
      const m = seats.find((s) => s.role === 'member')!;
      const occupation = rule.leader.position ? holder(rule.leader.position) : null;
      expect(checkRoleChange(rule, seats, m, 'leader', occupation).violations.map((v) => v.code)).toEqual(['leader_taken']);
      const leader = seats.find((s) => s.role === 'leader')!;
      // the leader steps down to member: allowed (the size does not change)
      expect(checkRoleChange(rule, seats, leader, 'member', null).ok).toBe(true);
      const without = seats.filter((s) => s !== leader);
      expect(checkRoleChange(rule, without, m, 'leader', occupation).ok).toBe(true);
      expect(checkRoleChange(rule, seats, m, 'member', null).violations.map((v) => violationText(vi, v))).toEqual([`Người này đã là Thành viên. ${src}`]);
    });

    it('every rule message exists in English too', () => {
      const r = checkJoin(rule, team(rule, rule.size.max ?? 3), { name: '', phone: 'x', role: 'deputy', occupation: '' });
      for (const v of r.violations) expect(violationText(en, v)).not.toMatch(/membership:/);
    });
  });
});

describe('Yên Bái: over 10 → offered as collaborator (3.1.d)', () => {
  const rule = getProfile('yen-bai-2022').teams.find((t) => t.level === 'village')!;
  it('the 11th member is offered a collaborator place, and as collaborator is accepted', () => {
    const seats = team(rule, 10);
    const r = checkJoin(rule, seats, member());
    expect(r.offerCollaborator).toBe(true);
    expect(violationText(vi, r.violations[0]!)).toContain('Yên Bái 456/KH-BCĐ');
    expect(checkJoin(rule, seats, { ...member(), role: 'collaborator' }).ok).toBe(true);
    expect(sizeBounds(rule)).toBe('5–10');
  });
});

describe('Cà Mau: at least 4, no upper bound; Sóc Trăng: at most 10, refused', () => {
  it('bounds', () => {
    expect(sizeBounds(getProfile('ca-mau-2023').teams[0]!)).toBe('≥ 4');
    const st = getProfile('soc-trang-2022').teams[0]!;
    expect(sizeBounds(st)).toBe('≤ 10');
    expect(checkJoin(st, team(st, 10), member()).offerCollaborator).toBe(false);
  });
});

describe('required positions', () => {
  it('expands the profiles’ position texts', () => {
    expect(positionAlternatives('Trưởng thôn, bản, tổ dân phố')).toEqual(['truong thon', 'truong ban', 'truong to dan pho']);
    expect(positionAlternatives('Trưởng thôn, bản / Tổ trưởng tổ dân phố')).toEqual(['truong thon', 'truong ban', 'to truong to dan pho']);
    expect(positionAlternatives('Bí thư Chi đoàn Thanh niên thôn (khuyến nghị)')).toEqual(['bi thu chi doan thanh nien thon']);
  });
  it.each([
    ['Trưởng thôn', 'Trưởng thôn, bản / Tổ trưởng tổ dân phố', true],
    ['trưởng bản Nà Pồng', 'Trưởng thôn, bản / Tổ trưởng tổ dân phố', true],
    ['Tổ trưởng tổ dân phố số 3', 'Trưởng thôn / Tổ trưởng tổ dân phố', true],
    ['Trưởng ấp', 'Trưởng ban nhân dân khóm, ấp hoặc Bí thư Đoàn Thanh niên khóm, ấp', true],
    ['Bí thư Đoàn ấp', 'Trưởng ban nhân dân khóm, ấp hoặc Bí thư Đoàn Thanh niên khóm, ấp', true],
    ['Bí thư Đoàn xã', 'Bí thư Đoàn Thanh niên cấp xã', true],
    ['Bi thu Doan Thanh nien cap xa', 'Bí thư Đoàn Thanh niên cấp xã', true],
    ['giáo viên', 'Trưởng thôn, bản / Tổ trưởng tổ dân phố', false],
    ['Phó trưởng thôn', 'Trưởng thôn', false],
    ['', 'Trưởng thôn', false],
  ])('%s holds "%s": %s', (occupation, position, ok) => {
    expect(holdsPosition(occupation, position)).toBe(ok);
  });
});

describe('phone numbers', () => {
  it.each([
    ['0912345678', '+84912345678'],
    ['0312 345 678', '+84312345678'],
    ['05.1234.5678', '+84512345678'],
    ['070-123-4567', '+84701234567'],
    ['(+84) 88 123 4567', '+84881234567'],
    ['84 912 345 678', '+84912345678'],
    ['0084912345678', '+84912345678'],
  ])('%s → %s', (raw, e164) => expect(normalizePhone(raw)).toBe(e164));
  it.each(['0212345678', '0123456789', '091234567', '09123456789', '+849123456', '', 'không có'])('refuses %s', (raw) => {
    expect(normalizePhone(raw)).toBeUndefined();
  });
  it('renders and masks', () => {
    expect(displayPhone('+84912345678')).toBe('0912 345 678');
    expect(maskPhone('+84912345678')).toBe('•••• ••• 678');
  });
  it('property: any spacing of a valid number normalises to the same E.164 form', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('3', '5', '7', '8', '9'),
        fc.stringMatching(/^\d{8}$/),
        fc.constantFrom('0', '+84', '84', '+84 '),
        fc.array(fc.constantFrom(' ', '.', '-', ''), { minLength: 10, maxLength: 10 }),
        (first, rest, prefix, seps) => {
          const digits = first + rest;
          const spaced = digits.split('').map((d, i) => d + seps[i]).join('');
          const e164 = normalizePhone(prefix + spaced);
          return e164 === `+84${digits}` && normalizePhone(displayPhone(e164)) === e164;
        },
      ),
    );
  });
});

describe('one-line proposals and role words', () => {
  it('parses the documented form', () => {
    expect(parseProposalLine('Nguyễn Văn A | 0912345678 | thành viên | giáo viên')).toEqual({
      name: 'Nguyễn Văn A', phone: '0912345678', role: 'member', roleText: '', occupation: 'giáo viên',
    });
    expect(parseProposalLine('Lò Văn Páo; 0388 123 456; Tổ trưởng; Trưởng bản')).toMatchObject({ role: 'leader', occupation: 'Trưởng bản' });
    expect(parseProposalLine('Trần Thị B | 0912345678 | y tá')).toMatchObject({ role: 'member', occupation: 'y tá' });
    expect(parseProposalLine('Trần Thị B | 0912345678 | trưởng nhóm | y tá')).toMatchObject({ role: undefined, roleText: 'trưởng nhóm' });
    expect(parseProposalLine('chỉ có tên')).toBeUndefined();
  });
  it.each([
    ['tổ trưởng', 'leader'], ['To Truong', 'leader'], ['leader', 'leader'],
    ['tổ phó', 'deputy'], ['deputy', 'deputy'],
    ['thành viên', 'member'], ['TV', 'member'], ['member', 'member'],
    ['cộng tác viên', 'collaborator'], ['CTV', 'collaborator'], ['collaborator', 'collaborator'],
  ])('%s → %s', (text, role) => expect(parseRole(text)).toBe(role));
  it('unknown role words', () => expect(parseRole('trưởng nhóm')).toBeUndefined());
});
