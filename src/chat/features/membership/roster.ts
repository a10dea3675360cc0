/** /thanhvien: the roster with size, flags and pending requests; above the teams, counts per child unit. */
import { rolesAt, type RolesAt } from '../../../app/access';
import { approvalUnitOf, seatsOf } from '../../../app/membership';
import { memberRollup } from '../../../app/member-reports';
import { rosterWarnings } from '../../../domain/membership';
import { fold } from '../../../domain/text';
import { teamsOfUnit } from '../../../store/teams';
import type { Ctx } from '../../context';
import { checkGroups } from './roster-check';
import { rollupText, rosterText } from './text';
import { checked, leadsTeam, scopeOf } from './which-team';

export async function showMembers(ctx: Ctx, args: string): Promise<void> {
  const c = await checked(ctx);
  if (!c || !ctx.person) return;
  const { unit, r } = c;
  const profile = ctx.svc.profile(unit.profile);
  const tz = profile.timezone;
  const f = fold(args);
  const teams = await teamsOfUnit(ctx.db, unit.id);
  const shown = ctx.link?.team_id ? teams.filter((t) => t.id === ctx.link!.team_id) : teams;

  if (['kiemtra', 'kiem tra', 'check'].includes(f)) return checkGroups(ctx, unit, shown.map((t) => t.id));

  const approver = mayDecideHere(await rolesAt(ctx.db, ctx.person.id, await approvalUnitOf(ctx.db, unit, profile)));
  const parts: string[] = [];
  for (const team of shown) {
    const s = await scopeOf(ctx, team.id);
    if (!s) continue;
    const { seats, roster: entries, pending } = await seatsOf(ctx.db, team.id);
    parts.push(
      rosterText(ctx.t, {
        teamName: team.name,
        unitName: unit.name,
        rule: s.rule,
        entries,
        warnings: rosterWarnings(s.rule, seats.filter((x) => !x.pending)),
        pending,
        showPhones: !ctx.isGroup && (r.admin || approver || leadsTeam(ctx, s, entries)),
        tz,
      }),
    );
  }
  const roll = await memberRollup(ctx.db, unit, (id) => ctx.svc.profile(id));
  const kids = roll.children.map((u) => ({ unit: u, counts: roll.total.get(u.id)! })).filter((c) => c.counts.teams > 0);
  if (kids.length > 0) {
    const lines = rollupText(ctx.t, unit, roll.total.get(unit.id)!, kids.slice(0, 80)).split('\n');
    if (kids.length > 80) lines.push(ctx.t('membership:more_units', { count: kids.length - 80 }));
    parts.push(lines.join('\n'));
  }
  if (parts.length === 0) return ctx.reply(ctx.t('membership:no_team', { unit: unit.name }));
  if (!ctx.isGroup && !r.admin && !approver) parts.push(ctx.t('membership:phones_note'));
  ctx.reply(parts.join('\n\n'));
}

function mayDecideHere(r: RolesAt): boolean {
  return r.admin || r.grantsHere.has('approver');
}
