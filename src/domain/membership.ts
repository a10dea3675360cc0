/**
 * Membership rules, pure: a team's seats (current members plus pending requests) and a proposal in,
 * the profile's rule failures out. Every failure carries the `source` of the profile rule it comes
 * from (the seed document), so the message the user sees can name it.
 *
 * Counting (SPEC §1, §6): collaborators are not counted in a team's size; pending joins are; a
 * pending role change counts with its new role; pending leaves are not subtracted (the approver may
 * still reject them).
 */
import type { TeamRole, TeamRule } from './profile';
import { fold } from './text';

// ---------------------------------------------------------------- phone numbers

/**
 * A Vietnamese mobile number in E.164 (+84…), or undefined. Accepts the 10-digit national form with
 * the 03/05/07/08/09 prefixes and the +84 / 84 / 0084 forms, with spaces, dots, dashes or brackets
 * between digits. Landlines (02x) and other lengths are refused.
 */
export function normalizePhone(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const s = raw.trim().replace(/[\s.\-()]/g, '');
  let nsn: string | undefined;
  if (/^\+84\d{9}$/.test(s)) nsn = s.slice(3);
  else if (/^0084\d{9}$/.test(s)) nsn = s.slice(4);
  else if (/^84\d{9}$/.test(s)) nsn = s.slice(2);
  else if (/^0\d{9}$/.test(s)) nsn = s.slice(1);
  if (!nsn || !/^[35789]/.test(nsn)) return undefined;
  return `+84${nsn}`;
}

/** "+84912345678" → "0912 345 678" (how Vietnamese write it). */
export function displayPhone(e164: string): string {
  const m = /^\+84(\d{3})(\d{3})(\d{3})$/.exec(e164);
  return m ? `0${m[1]} ${m[2]} ${m[3]}` : e164;
}

/** "+84912345678" → "•••• ••• 678": enough to tell two namesakes apart in a group, no more. */
export function maskPhone(e164: string): string {
  return `•••• ••• ${e164.slice(-3)}`;
}

// ---------------------------------------------------------------- roles

const ROLE_WORDS: Record<TeamRole, string[]> = {
  leader: ['to truong', 'truong to', 'leader', 'tt'],
  deputy: ['to pho', 'pho to', 'deputy', 'tp', 'pho'],
  member: ['thanh vien', 'thanhvien', 'tv', 'member'],
  collaborator: ['cong tac vien', 'congtacvien', 'ctv', 'collaborator'],
};

/** "tổ trưởng", "To truong", "leader", "CTV" … → the role, or undefined. */
export function parseRole(text: string): TeamRole | undefined {
  const f = fold(text);
  if (!f) return undefined;
  for (const [role, words] of Object.entries(ROLE_WORDS) as [TeamRole, string[]][]) {
    if (words.includes(f)) return role;
  }
  return undefined;
}

export const ROLES: readonly TeamRole[] = ['leader', 'deputy', 'member', 'collaborator'];

// ---------------------------------------------------------------- required positions

/**
 * The positions a profile's position text allows, expanded: "Trưởng thôn, bản, tổ dân phố" →
 * "trưởng thôn", "trưởng bản", "trưởng tổ dân phố"; alternatives are separated by "/" or "hoặc";
 * bracketed remarks ("(khuyến nghị)") are dropped. Folded.
 */
export function positionAlternatives(position: string): string[] {
  const out: string[] = [];
  const cleaned = position.replace(/\([^)]*\)/g, ' ');
  for (const alt of cleaned.split(/\s\/\s|\/|\bhoặc\b|\bor\b/i)) {
    const items = alt.split(',').map((x) => fold(x)).filter(Boolean);
    if (items.length === 0) continue;
    const first = items[0]!.split(' ');
    const head = first.slice(0, -1).join(' ');
    out.push(items[0]!);
    for (const tail of items.slice(1)) out.push(head ? `${head} ${tail}` : tail);
  }
  return [...new Set(out)];
}

/** Is a position text "recommended" rather than required ("(khuyến nghị)", "(recommended)")? */
export function positionIsRecommendation(position: string): boolean {
  const f = fold(position);
  return f.includes('khuyen nghi') || f.includes('recommended');
}

/**
 * Does what the person does (the occupation/affiliation given) hold one of the positions? Either the
 * text contains an allowed position, or it is a short form of one: same first and last word, its
 * words in order ("trưởng ấp" for "Trưởng ban nhân dân ấp", "bí thư đoàn xã" for "Bí thư Đoàn Thanh
 * niên cấp xã").
 */
export function holdsPosition(occupation: string | null | undefined, position: string): boolean {
  const o = fold(occupation ?? '');
  if (!o) return false;
  const ow = o.split(' ');
  return positionAlternatives(position).some((alt) => {
    const at = ` ${o} `.indexOf(` ${alt} `);
    // "phó trưởng thôn" (deputy head) and "nguyên trưởng thôn" (former head) do not hold the post
    if (at >= 0) return !/(^| )(pho|nguyen)$/.test(o.slice(0, at).trim());
    const aw = alt.split(' ');
    if (ow.length < 2 || ow[0] !== aw[0] || ow.at(-1) !== aw.at(-1)) return false;
    let j = 0;
    for (const w of aw) if (w === ow[j]) j++;
    return j === ow.length;
  });
}

// ---------------------------------------------------------------- seats and checks

/** A place in a team: a current member, or one a pending request would create. */
export interface Seat {
  personId?: number | null;
  /** E.164, when known */
  phone?: string | null;
  name: string;
  role: TeamRole;
  /** from a pending request rather than the roster */
  pending?: boolean;
  /** the request behind a pending seat */
  requestId?: number;
}

export type RuleCode =
  | 'name_missing'
  | 'phone_invalid'
  | 'duplicate'
  | 'duplicate_pending'
  | 'size_max'
  | 'size_max_collaborator'
  | 'collaborator_not_allowed'
  | 'leader_taken'
  | 'leader_none'
  | 'deputy_none'
  | 'deputy_max'
  | 'leader_position'
  | 'deputy_position'
  | 'same_role';

export interface Violation {
  code: RuleCode;
  params: Record<string, string | number>;
  /** the seed reference of the profile rule */
  source: string;
}

export type WarningCode =
  | 'under_min'
  | 'over_max'
  | 'no_leader'
  | 'too_many_leaders'
  | 'too_many_deputies'
  | 'position_recommended'
  | 'phone_in_use'
  | 'phone_in_use_unlisted';

export interface RuleWarning {
  code: WarningCode;
  params: Record<string, string | number>;
  /** the profile rule's seed reference; empty for a warning no rule of the profile gives */
  source: string;
}

/**
 * A proposed phone already belongs to someone known under another name (folded, so accents and
 * spacing do not count): a warning, not a refusal (it may be the same person), naming only the
 * units where that person serves, not who they are.
 */
export function phoneInUseWarning(proposedName: string, existing: { name: string; units: readonly string[] } | undefined): RuleWarning | undefined {
  if (!existing || fold(existing.name) === fold(proposedName)) return undefined;
  const units = [...new Set(existing.units)];
  return units.length
    ? { code: 'phone_in_use', params: { units: units.join(', ') }, source: '' }
    : { code: 'phone_in_use_unlisted', params: {}, source: '' };
}

export interface Proposal {
  name: string;
  /** as typed; normalised by the check */
  phone: string | null | undefined;
  role: TeamRole;
  occupation?: string | null;
  /** an existing person (a platform join request, a role change) */
  personId?: number | null;
}

export interface CheckOptions {
  /** a phone number is required (true for proposals typed by a leader; platform join requests have none) */
  requirePhone?: boolean;
  /** the approval label used in messages, e.g. "Chủ tịch UBND xã" (not used by the rules themselves) */
}

export interface JoinCheck {
  ok: boolean;
  /** E.164 when the number was valid */
  phone?: string;
  violations: Violation[];
  /** the only failure is the size bound and the profile turns overflow into collaborators */
  offerCollaborator: boolean;
  /** not blocking: e.g. the deputy's recommended position */
  warnings: RuleWarning[];
}

/** Members counted in a team's size: everyone but collaborators. */
export function countedSize(seats: readonly Seat[]): number {
  return seats.filter((s) => s.role !== 'collaborator').length;
}

const v = (rule: TeamRule, code: RuleCode, params: Record<string, string | number> = {}): Violation => ({ code, params, source: rule.source });

/**
 * A join (or, with `seats` not containing the person, a role change) against the team's rule.
 * Order of the violations: identity (name, phone, duplicates), then size, then composition.
 */
export function checkJoin(rule: TeamRule, seats: readonly Seat[], p: Proposal, opts: CheckOptions = {}): JoinCheck {
  const out: Violation[] = [];
  const warnings: RuleWarning[] = [];
  const name = p.name.trim();
  if (!name) out.push(v(rule, 'name_missing'));

  const phone = normalizePhone(p.phone);
  if (p.phone && p.phone.trim() && !phone) out.push(v(rule, 'phone_invalid', { phone: p.phone.trim() }));
  else if (!p.phone?.trim() && opts.requirePhone !== false && p.personId == null) out.push(v(rule, 'phone_invalid', { phone: '' }));

  const same = seats.find(
    (s) => (phone && s.phone === phone) || (p.personId != null && s.personId === p.personId),
  );
  if (same) out.push(v(rule, same.pending ? 'duplicate_pending' : 'duplicate', { name: same.name, ...(same.requestId ? { id: same.requestId } : {}) }));

  if (p.role === 'collaborator') {
    if (rule.overflow !== 'collaborator') out.push(v(rule, 'collaborator_not_allowed'));
  } else if (rule.size.max !== undefined && countedSize(seats) + 1 > rule.size.max) {
    out.push(v(rule, rule.overflow === 'collaborator' ? 'size_max_collaborator' : 'size_max', { max: rule.size.max, count: countedSize(seats) }));
  }

  if (p.role === 'leader') {
    const leaders = seats.filter((s) => s.role === 'leader');
    if (rule.leader.count === 0) out.push(v(rule, 'leader_none'));
    else if (leaders.length >= rule.leader.count) {
      out.push(v(rule, 'leader_taken', { count: rule.leader.count, names: leaders.map((s) => s.name).join(', ') }));
    }
    if (rule.leader.position && !holdsPosition(p.occupation, rule.leader.position)) {
      out.push(v(rule, 'leader_position', { position: rule.leader.position }));
    }
  }
  if (p.role === 'deputy') {
    const deputies = seats.filter((s) => s.role === 'deputy');
    if (rule.deputy.max === 0) out.push(v(rule, 'deputy_none'));
    else if (deputies.length >= rule.deputy.max) out.push(v(rule, 'deputy_max', { max: rule.deputy.max, names: deputies.map((s) => s.name).join(', ') }));
    const pos = rule.deputy.position;
    if (pos && !holdsPosition(p.occupation, pos)) {
      if (positionIsRecommendation(pos)) warnings.push({ code: 'position_recommended', params: { position: pos }, source: rule.source });
      else out.push(v(rule, 'deputy_position', { position: pos }));
    }
  }
  return {
    ok: out.length === 0,
    ...(phone ? { phone } : {}),
    violations: out,
    offerCollaborator: out.length === 1 && out[0]!.code === 'size_max_collaborator',
    warnings,
  };
}

/** A role change: the person's seat is taken out, then the new role is checked like a join. */
export function checkRoleChange(
  rule: TeamRule,
  seats: readonly Seat[],
  person: Seat,
  role: TeamRole,
  occupation: string | null | undefined,
): JoinCheck {
  if (person.role === role) {
    return { ok: false, violations: [v(rule, 'same_role', { role })], offerCollaborator: false, warnings: [] };
  }
  const others = seats.filter((s) => s !== person && !(person.personId != null && s.personId === person.personId && !s.pending));
  const r = checkJoin(rule, others, { name: person.name, phone: null, role, occupation, personId: person.personId ?? null }, { requirePhone: false });
  // the person is in the team already: a duplicate of themselves is not a failure
  const violations = r.violations.filter((x) => x.code !== 'duplicate');
  return { ...r, ok: violations.length === 0, violations, offerCollaborator: violations.length === 1 && violations[0]!.code === 'size_max_collaborator' };
}

/** What a team would lack once a member has left: never blocks a leave, tells the approver. */
export function leaveWarnings(rule: TeamRule, seats: readonly Seat[], leaving: Seat): RuleWarning[] {
  const after = seats.filter((s) => s !== leaving && !s.pending);
  return rosterWarnings(rule, after).filter((w) => w.code === 'under_min' || w.code === 'no_leader');
}

/** A team's standing against its rule (SPEC §6: under its minimum or without a leader is flagged). */
export function rosterWarnings(rule: TeamRule, seats: readonly Seat[]): RuleWarning[] {
  const out: RuleWarning[] = [];
  const size = countedSize(seats);
  const w = (code: WarningCode, params: Record<string, string | number> = {}) => out.push({ code, params, source: rule.source });
  if (rule.size.min !== undefined && size < rule.size.min) w('under_min', { min: rule.size.min, count: size });
  if (rule.size.max !== undefined && size > rule.size.max) w('over_max', { max: rule.size.max, count: size });
  const leaders = seats.filter((s) => s.role === 'leader').length;
  if (rule.leader.count > 0 && leaders === 0) w('no_leader');
  else if (leaders > rule.leader.count) w('too_many_leaders', { count: leaders, max: rule.leader.count });
  const deputies = seats.filter((s) => s.role === 'deputy').length;
  if (deputies > rule.deputy.max) w('too_many_deputies', { count: deputies, max: rule.deputy.max });
  return out;
}

/** "4–10", "≥ 4", "≤ 10", or "" when the profile sets no bound. */
export function sizeBounds(rule: TeamRule): string {
  const { min, max } = rule.size;
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}

// ---------------------------------------------------------------- one-line proposals

export interface ParsedProposal {
  name: string;
  phone: string;
  role: TeamRole | undefined;
  /** the role as typed, when it was not understood */
  roleText: string;
  occupation: string | null;
}

/**
 * "Nguyễn Văn A | 0912345678 | thành viên | giáo viên" (also with ";" or tabs between fields). The
 * role may be left out ("thành viên" is assumed) and the fields after the phone may come in either
 * order when one of them is a role word.
 */
export function parseProposalLine(line: string): ParsedProposal | undefined {
  const parts = line.split(/\s*[|;\t]\s*/).map((x) => x.trim());
  if (parts.length < 2 || !parts[0]) return undefined;
  const [name, phone, ...rest] = parts as [string, string, ...string[]];
  let role: TeamRole | undefined = 'member';
  let roleText = '';
  let occupation: string | null = null;
  const roleIdx = rest.findIndex((x) => parseRole(x) !== undefined);
  if (roleIdx >= 0) {
    role = parseRole(rest[roleIdx]!);
    rest.splice(roleIdx, 1);
    occupation = rest.filter(Boolean).join(', ') || null;
  } else if (rest.length >= 2) {
    // a role word we do not know, then the occupation
    role = undefined;
    roleText = rest[0]!;
    occupation = rest.slice(1).filter(Boolean).join(', ') || null;
  } else {
    occupation = rest.filter(Boolean).join(', ') || null;
  }
  return { name: name.replace(/\s+/g, ' '), phone, role, roleText, occupation };
}
