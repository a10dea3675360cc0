/** /thanhvien kiemtra: each group's roster against the people the platform reports in it. */
import type { Unit } from '../../../db/schema';
import { policies } from '../../../app/access';
import { rosterCheck } from '../../../app/member-reports';
import type { Ctx } from '../../context';
import { authorize } from '../../scope';

export async function checkGroups(ctx: Ctx, unit: Unit, teamIds: number[]): Promise<void> {
  if (!(await authorize(ctx, unit, policies.checkRoster))) return;
  const lines: string[] = [ctx.t('membership:check_title', { unit: unit.name })];
  let groups = 0;
  for (const id of teamIds) {
    for (const g of await rosterCheck(ctx.db, unit, id)) {
      groups++;
      const name = g.title ?? g.chatId;
      if (!g.reported) {
        lines.push(ctx.t('membership:check_not_reported', { group: name }));
        continue;
      }
      if (!g.notOnRoster.length && !g.notInGroup.length) lines.push(ctx.t('membership:check_ok', { group: name, count: g.rosterSize }));
      if (g.notInGroup.length) lines.push(ctx.t('membership:check_not_in_group', { group: name, names: g.notInGroup.join(', ') }));
      if (g.notOnRoster.length) lines.push(ctx.t('membership:check_not_on_roster', { group: name, names: g.notOnRoster.join(', ') }));
      if (g.unknown.length) lines.push(ctx.t('membership:check_unknown', { count: g.unknown.length }));
    }
  }
  if (groups === 0) lines.push(ctx.t('membership:check_no_group'));
  ctx.reply(lines.join('\n'));
}
