/** Which team and unit a membership command is about, and whether the caller leads that team. */
import type { Unit } from '../../../db/schema';
import { rolesAt, type RolesAt } from '../../../app/access';
import { teamScope, type TeamScope } from '../../../app/membership';
import { teamsOfUnit, type RosterEntry } from '../../../store/teams';
import type { Ctx } from '../../context';

/** The team a command in this chat is about: the group's team, the caller's, or the unit's first. */
export async function teamFor(ctx: Ctx, unit: Unit, r?: RolesAt): Promise<number | undefined> {
  const teams = await teamsOfUnit(ctx.db, unit.id);
  if (teams.length === 0) return undefined;
  if (ctx.link?.team_id && teams.some((t) => t.id === ctx.link!.team_id)) return ctx.link.team_id;
  const mine = r?.teamIds.find((id) => teams.some((t) => t.id === id));
  return mine ?? teams[0]!.id;
}

export async function scopeOf(ctx: Ctx, teamId: number): Promise<TeamScope | undefined> {
  return teamScope(ctx.db, teamId, (id) => ctx.svc.profile(id));
}

/** Does the caller lead this very team (leader, or deputy where the profile lets deputies act)? */
export function leadsTeam(ctx: Ctx, s: TeamScope, entries: RosterEntry[]): boolean {
  const me = entries.find((e) => e.personId === ctx.person?.id);
  return !!me && (me.role === 'leader' || (me.role === 'deputy' && s.rule.deputy.actsAsLeader));
}

/** The caller's roles at the unit the core resolved and checked the command's rule at. */
export async function checked(ctx: Ctx): Promise<{ unit: Unit; r: RolesAt } | undefined> {
  const unit = ctx.unit;
  if (!unit || !ctx.person) return undefined;
  return { unit, r: await rolesAt(ctx.db, ctx.person.id, unit) };
}
