/**
 * Member-list reports (SPEC §6, Cà Mau 220/KH-UBND III.1.d) as roll-ups of rosters: counts per unit
 * by role and by team kind, teams flagged under their minimum or without a leader; and the roster
 * check: the platform's group members (where the platform reports them) against the roster.
 */
import type { Db } from '../db';
import type { Unit } from '../db/schema';
import { rosterWarnings, type Seat } from '../domain/membership';
import type { TeamRole } from '../domain/profile';
import { activeLinksOfUnit, chatMembers } from '../store/chats';
import { roster } from '../store/teams';
import { subtree } from '../store/units';
import { ruleOfTeam, type ProfileOf } from './membership';
import { getProfile } from './profiles';
import { underPath } from '../store/subtree';

export interface MemberCounts {
  teams: number;
  byRole: Record<TeamRole, number>;
  /** counted members (collaborators excluded) per team kind: community, steering */
  byKind: Record<string, number>;
  /** members counted in team size (every role but collaborators) */
  counted: number;
  underMin: number;
  noLeader: number;
}

export function emptyCounts(): MemberCounts {
  return { teams: 0, byRole: { leader: 0, deputy: 0, member: 0, collaborator: 0 }, byKind: {}, counted: 0, underMin: 0, noLeader: 0 };
}

export function addCounts(a: MemberCounts, b: MemberCounts): MemberCounts {
  const byKind = { ...a.byKind };
  for (const [k, n] of Object.entries(b.byKind)) byKind[k] = (byKind[k] ?? 0) + n;
  return {
    teams: a.teams + b.teams,
    byRole: {
      leader: a.byRole.leader + b.byRole.leader,
      deputy: a.byRole.deputy + b.byRole.deputy,
      member: a.byRole.member + b.byRole.member,
      collaborator: a.byRole.collaborator + b.byRole.collaborator,
    },
    byKind,
    counted: a.counted + b.counted,
    underMin: a.underMin + b.underMin,
    noLeader: a.noLeader + b.noLeader,
  };
}

export interface MemberRollup {
  root: Unit;
  /** every unit of the subtree, in tree order */
  units: Unit[];
  /** counts of each unit's own teams */
  own: Map<number, MemberCounts>;
  /** counts of each unit's whole subtree */
  total: Map<number, MemberCounts>;
  /** the root's children, in tree order */
  children: Unit[];
}

/** Three queries whatever the size: units, teams, and memberships grouped by team and role. */
export async function memberRollup(db: Db, root: Unit, profileOf: ProfileOf = getProfile): Promise<MemberRollup> {
  const units = await subtree(db, root);
  const byId = new Map(units.map((u) => [u.id, u]));
  const teams = await db
    .selectFrom('teams as t')
    .innerJoin('units as u', 'u.id', 't.unit_id')
    .select(['t.id', 't.unit_id', 't.kind'])
    .where(underPath(db, 'u.path', root.path))
    .where('u.active', '=', 1)
    .where('t.active', '=', 1)
    .execute();
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .innerJoin('units as u', 'u.id', 't.unit_id')
    .select(['m.team_id', 'm.role', (eb) => eb.fn.countAll<number>().as('n')])
    .where(underPath(db, 'u.path', root.path))
    .where('u.active', '=', 1)
    .where('t.active', '=', 1)
    .where('m.until', 'is', null)
    .groupBy(['m.team_id', 'm.role'])
    .execute();
  const perTeam = new Map<number, Record<TeamRole, number>>();
  for (const r of rows) {
    const c = perTeam.get(r.team_id) ?? { leader: 0, deputy: 0, member: 0, collaborator: 0 };
    c[r.role as TeamRole] = (c[r.role as TeamRole] ?? 0) + Number(r.n);
    perTeam.set(r.team_id, c);
  }
  const own = new Map<number, MemberCounts>();
  for (const t of teams) {
    const unit = byId.get(t.unit_id);
    if (!unit) continue;
    const roles = perTeam.get(t.id) ?? { leader: 0, deputy: 0, member: 0, collaborator: 0 };
    const counted = roles.leader + roles.deputy + roles.member;
    const c: MemberCounts = { ...emptyCounts(), teams: 1, byRole: roles, byKind: { [t.kind]: counted }, counted };
    const rule = ruleOfTeam(profileOf(unit.profile), unit, t);
    if (rule) {
      // the same flags as a roster's warnings, from counts alone
      const seats: Seat[] = [];
      for (const role of ['leader', 'deputy', 'member', 'collaborator'] as TeamRole[]) for (let i = 0; i < roles[role]; i++) seats.push({ name: '', role });
      const w = rosterWarnings(rule, seats).map((x) => x.code);
      if (w.includes('under_min')) c.underMin = 1;
      if (w.includes('no_leader')) c.noLeader = 1;
    }
    own.set(unit.id, addCounts(own.get(unit.id) ?? emptyCounts(), c));
  }
  // bottom-up: units are in path order, so children come after their parent; walk backwards
  const total = new Map<number, MemberCounts>();
  for (const u of [...units].reverse()) {
    const mine = addCounts(total.get(u.id) ?? emptyCounts(), own.get(u.id) ?? emptyCounts());
    total.set(u.id, mine);
    if (u.parent_id !== null && byId.has(u.parent_id) && u.id !== root.id) {
      total.set(u.parent_id, addCounts(total.get(u.parent_id) ?? emptyCounts(), mine));
    }
  }
  const children = units.filter((u) => u.parent_id === root.id);
  return { root, units, own, total, children };
}

// ---------------------------------------------------------------- roster ↔ group members

export interface GroupCheck {
  platform: string;
  chatId: string;
  title: string | null;
  /** the platform reported at least one member of this group (Zalo reports none) */
  reported: boolean;
  /** seen in the group, not on the roster (people holding a grant at the unit or above excluded) */
  notOnRoster: string[];
  /** on the roster with an identity on this platform, not seen in the group */
  notInGroup: string[];
  /** on the roster without an identity on this platform: the bot cannot tell */
  unknown: string[];
  rosterSize: number;
}

/** The team roster against the members each linked group of the unit reported. */
export async function rosterCheck(db: Db, unit: Unit, teamId: number): Promise<GroupCheck[]> {
  const entries = await roster(db, teamId);
  const links = (await activeLinksOfUnit(db, unit.id)).filter((l) => l.team_id === null || l.team_id === teamId);
  const personIds = entries.map((e) => e.personId);
  const chain = unit.path.split('/').filter(Boolean).map(Number);
  const granted = new Set(
    (await db.selectFrom('role_grants').select('person_id').where((eb) => eb.or([eb('unit_id', 'in', chain), eb('unit_id', 'is', null)])).execute()).map((r) => r.person_id),
  );
  const out: GroupCheck[] = [];
  for (const l of links) {
    const present = await chatMembers(db, l.platform, l.chat_id);
    const ids = personIds.length
      ? await db
          .selectFrom('identities')
          .select(['person_id', 'external_id'])
          .where('platform', '=', l.platform)
          .where('person_id', 'in', personIds)
          .execute()
      : [];
    const extOf = new Map<number, string[]>();
    for (const r of ids) extOf.set(r.person_id, [...(extOf.get(r.person_id) ?? []), r.external_id]);
    const presentIds = new Set(present.map((m) => m.external_id));
    const rosterExt = new Set(ids.map((r) => r.external_id));
    const presentPersons = present.length
      ? await db
          .selectFrom('identities')
          .select(['person_id', 'external_id'])
          .where('platform', '=', l.platform)
          .where('external_id', 'in', present.map((m) => m.external_id))
          .execute()
      : [];
    const personOfExt = new Map(presentPersons.map((r) => [r.external_id, r.person_id]));
    out.push({
      platform: l.platform,
      chatId: l.chat_id,
      title: l.title,
      reported: present.length > 0,
      notOnRoster: present
        .filter((m) => !rosterExt.has(m.external_id))
        .filter((m) => {
          const pid = personOfExt.get(m.external_id);
          return pid === undefined || !granted.has(pid);
        })
        .map((m) => m.display_name),
      notInGroup: entries.filter((e) => extOf.has(e.personId) && !extOf.get(e.personId)!.some((x) => presentIds.has(x))).map((e) => e.name),
      unknown: entries.filter((e) => !extOf.has(e.personId)).map((e) => e.name),
      rosterSize: entries.length,
    });
  }
  return out;
}

/** Figures for a progress line: groups that reported members, and the differences found. */
export interface RosterCheckSummary {
  groups: number;
  reported: number;
  notOnRoster: number;
  notInGroup: number;
}

export async function rosterCheckSummary(db: Db, unit: Unit, teamIds: number[]): Promise<RosterCheckSummary> {
  const s: RosterCheckSummary = { groups: 0, reported: 0, notOnRoster: 0, notInGroup: 0 };
  for (const id of teamIds) {
    for (const g of await rosterCheck(db, unit, id)) {
      s.groups++;
      if (!g.reported) continue;
      s.reported++;
      s.notOnRoster += g.notOnRoster.length;
      s.notInGroup += g.notInGroup.length;
    }
  }
  return s;
}
