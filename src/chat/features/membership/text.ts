/** Renderings for membership: rule failures with their source (once per message), roles, requests, rosters, counts. */
import type { Unit } from '../../../db/schema';
import type { MemberCounts, RosterCheckSummary } from '../../../app/member-reports';
import { localParts } from '../../../domain/calendar';
import { displayPhone, maskPhone, sizeBounds, type JoinCheck, type RuleWarning, type Violation } from '../../../domain/membership';
import type { TeamRole, TeamRule } from '../../../domain/profile';
import type { Request } from '../../../store/requests';
import type { RosterEntry } from '../../../store/teams';
import type { T } from '../../../i18n';

export function roleLabel(t: T, role: TeamRole | string): string {
  return t(`membership:role_${role}`);
}

/** Role names inside rule parameters are shown in the reader's language. */
function params(t: T, p: Record<string, string | number>): Record<string, string | number> {
  return p.role !== undefined ? { ...p, role: roleLabel(t, String(p.role)) } : p;
}

/**
 * "Tổ đã đủ 10 thành viên … (Quy định: Yên Bái 456/KH-BCĐ mục 3.1.a …)"; in a message listing
 * several, pass `withSource: false` and end the message with `sourceLine` (the source said once).
 */
export function violationText(t: T, v: Violation, withSource = true): string {
  const base = t(`membership:rule_${v.code}`, params(t, v.params));
  return withSource ? `${base} ${t('membership:source', { source: v.source })}` : base;
}

type AnyWarning = RuleWarning | { code: string; params?: Record<string, string | number>; source?: string };

export function warningText(t: T, w: AnyWarning, withSource = true): string {
  const base = t(`membership:warn_${w.code}`, params(t, w.params ?? {}));
  return withSource && w.source ? `${base} ${t('membership:source', { source: w.source })}` : base;
}

/** The rule source(s) of a message's bullets, once: "(Quy định: …)", or nothing when none has one. */
export function sourceLine(t: T, items: readonly (AnyWarning | Violation)[]): string[] {
  const sources = [...new Set(items.map((x) => ('source' in x ? x.source : undefined)).filter((x): x is string => !!x))];
  return sources.length ? [t('membership:source', { source: sources.join('; ') })] : [];
}

/** A refusal: its title, one bullet per broken rule, the rules' source once. */
export function rulesReply(t: T, title: string, check: JoinCheck): string {
  return [title, ...check.violations.map((v) => '• ' + violationText(t, v, false)), ...sourceLine(t, check.violations)].join('\n');
}

export function dateOf(iso: string, tz: string): string {
  return localParts(new Date(iso), tz).date;
}

/** What a request asks, in one line: "thêm Nguyễn Văn A (thành viên)". */
export function requestWhat(t: T, r: Request): string {
  const p = r.payload;
  if (r.kind === 'join') return t('membership:what_join', { name: p.name, role: roleLabel(t, p.role) });
  if (r.kind === 'leave') return t(p.self ? 'membership:what_leave_self' : 'membership:what_leave', { name: p.name, role: roleLabel(t, p.role) });
  return t('membership:what_role', { name: p.name, from: roleLabel(t, p.fromRole ?? 'member'), to: roleLabel(t, p.role) });
}

export interface RequestView {
  teamName: string;
  unitName: string;
  proposer: string;
  approvers: string[];
  /** full number (private chat of someone allowed), masked (groups), or none */
  phone: 'full' | 'masked' | 'none';
  withCommands: boolean;
}

/** The request as posted to the approver. */
export function requestText(t: T, r: Request, v: RequestView): string {
  const p = r.payload;
  const lines = [t('membership:req_title', { id: r.id, what: requestWhat(t, r) })];
  lines.push(t('membership:req_team', { team: v.teamName, unit: v.unitName }));
  const who = [p.name, roleLabel(t, r.kind === 'role' ? (p.fromRole ?? p.role) : p.role), p.occupation].filter(Boolean).join(' — ');
  lines.push(t('membership:req_person', { who }));
  if (p.phone && v.phone !== 'none') lines.push(t('membership:req_phone', { phone: v.phone === 'full' ? displayPhone(p.phone) : maskPhone(p.phone) }));
  else if (!p.phone && r.kind === 'join') lines.push(t('membership:req_no_phone'));
  if (p.platformJoin) lines.push(t('membership:req_platform_join'));
  if (p.note) lines.push(t('membership:req_note', { note: p.note }));
  lines.push(t('membership:req_by', { name: v.proposer }));
  for (const w of p.warnings ?? []) lines.push('⚠️ ' + (r.kind === 'leave' ? t('membership:if_approved') + ' ' : '') + warningText(t, w, false));
  lines.push(...sourceLine(t, p.warnings ?? []));
  if (v.approvers.length) lines.push(t('membership:req_approvers', { names: v.approvers.join(', ') }));
  if (v.withCommands) lines.push(t('membership:req_how', { id: r.id }));
  return lines.join('\n');
}

export interface RosterView {
  teamName: string;
  unitName: string;
  rule: TeamRule;
  entries: RosterEntry[];
  warnings: RuleWarning[];
  pending: Request[];
  showPhones: boolean;
  tz: string;
}

/** A team's roster: numbered (the numbers /roitv and /vaitro take), size against the bounds, flags. */
export function rosterText(t: T, v: RosterView): string {
  const counted = v.entries.filter((e) => e.role !== 'collaborator');
  const collab = v.entries.filter((e) => e.role === 'collaborator');
  const bounds = sizeBounds(v.rule);
  const lines = [t('membership:roster_title', { team: v.teamName, unit: v.unitName })];
  lines.push(bounds ? t('membership:roster_size', { count: counted.length, bounds }) : t('membership:roster_size_free', { count: counted.length }));
  const line = (e: RosterEntry) => {
    const n = v.entries.indexOf(e) + 1;
    const parts = [`${n}. ${e.name}`, roleLabel(t, e.role)];
    if (e.occupation) parts.push(e.occupation);
    parts.push(t('membership:since', { date: dateOf(e.since, v.tz) }));
    if (v.showPhones && e.phone) parts.push(displayPhone(e.phone));
    return parts.join(' — ');
  };
  if (v.entries.length === 0) lines.push(t('membership:roster_empty'));
  lines.push(...counted.map(line));
  if (collab.length) {
    lines.push(t('membership:roster_collaborators', { count: collab.length }));
    lines.push(...collab.map(line));
  }
  for (const w of v.warnings) lines.push('⚠️ ' + warningText(t, w, false));
  lines.push(...sourceLine(t, v.warnings));
  if (v.pending.length) {
    lines.push(t('membership:roster_pending', { count: v.pending.length }));
    for (const r of v.pending) lines.push(`  #${r.id} ${requestWhat(t, r)}`);
  }
  return lines.join('\n');
}

/** "Ấp Tân Thành: 6 (1 tổ trưởng, 1 tổ phó, 4 thành viên; 2 CTV) ⚠️ 1 tổ thiếu người" */
export function countsLine(t: T, name: string, c: MemberCounts): string {
  if (c.teams === 0) return t('membership:counts_no_team', { name });
  let s = t('membership:counts_line', {
    name,
    counted: c.counted,
    teams: c.teams,
    leader: c.byRole.leader,
    deputy: c.byRole.deputy,
    member: c.byRole.member,
  });
  if (c.byRole.collaborator) s += t('membership:counts_collab', { count: c.byRole.collaborator });
  const kinds = Object.entries(c.byKind).filter(([, n]) => n > 0);
  if (kinds.length > 1) s += ' ' + kinds.map(([k, n]) => t(`membership:kind_${k}`, { count: n })).join(', ');
  if (c.underMin) s += ' ' + t('membership:counts_under_min', { count: c.underMin });
  if (c.noLeader) s += ' ' + t('membership:counts_no_leader', { count: c.noLeader });
  return s;
}

export function rollupText(t: T, root: Unit, total: MemberCounts, children: { unit: Unit; counts: MemberCounts }[]): string {
  const lines = [t('membership:rollup_title', { unit: root.name })];
  lines.push(countsLine(t, t('membership:rollup_total'), total));
  for (const c of children) lines.push('• ' + countsLine(t, c.unit.name, c.counts));
  return lines.join('\n');
}

/** The roster-check part of a progress line, or undefined when there is nothing to say. */
export function rosterCheckLine(t: T, s: RosterCheckSummary): string | undefined {
  if (s.reported === 0 || (s.notInGroup === 0 && s.notOnRoster === 0)) return undefined;
  return t('membership:progress_roster', { notInGroup: s.notInGroup, notOnRoster: s.notOnRoster });
}
