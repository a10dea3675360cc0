/**
 * /moky (/reopen) [kỳ] <đơn vị>: reopen a period for a unit below after the level above has sent
 * its roll-up up, so the unit can amend; the parent's next /guilen then includes the amendment.
 * Run in the parent's group (the unit named by code or name among the units below, diacritics
 * ignored), in the unit's own group, or privately (any unit by code or name). Allowed to the officers and team leaders of
 * the level that sent up or any level above, and admins. Audited; the unit's group is told.
 */
import type { Unit } from '../../db/schema';
import { policies } from '../../app/access';
import { mayReopen, reopenPeriod } from '../../app/reopen';
import { choosePeriod } from '../../app/reporting';
import { localParts, parsePeriodKey, parsePeriodText, periodKey } from '../../domain/calendar';
import { fold } from '../../domain/text';
import { chatsOf } from '../../app/delivery';
import { otherChats, routeFor, unreachedLine } from '../deliver';
import { ancestorsOf, childrenOf, getUnit, isInSubtree, searchUnits, unitsByCode } from '../../store/units';
import type { Ctx } from '../context';
import type { Feature } from '../feature';
import { periodLabel } from '../../i18n/format';

const CHOOSE = 'reopen-choose';

const isPeriod = (text: string) => !!(parsePeriodText(text) ?? parsePeriodKey(text.trim()));

/** "[kỳ] <đơn vị>" or "<đơn vị> [kỳ]": the period words (up to 3) at either end, the unit the rest. */
export function splitReopenArgs(args: string): { period: string; query: string } {
  const tokens = args.trim().split(/\s+/).filter(Boolean);
  for (let n = Math.min(3, tokens.length); n >= 1; n--) {
    const head = tokens.slice(0, n).join(' ');
    if (isPeriod(head)) return { period: head, query: tokens.slice(n).join(' ') };
    const tail = tokens.slice(-n).join(' ');
    if (isPeriod(tail)) return { period: tail, query: tokens.slice(0, -n).join(' ') };
  }
  return { period: '', query: tokens.join(' ') };
}

/** Units the query names: below the group's unit when in a linked group, else anywhere. */
async function findUnits(ctx: Ctx, query: string): Promise<Unit[]> {
  const q = fold(query);
  const byCode = /\s/.test(query) ? [] : await unitsByCode(ctx.db, query);
  const above = ctx.unit;
  if (!above) return byCode.length ? byCode : searchUnits(ctx.db, query, 30);
  // the group's own unit, named in its own group
  if (byCode.some((u) => u.id === above.id) || above.search_name === q || fold(above.short_name) === q) return [above];
  const below = (u: Unit) => u.id !== above.id && isInSubtree(u, above);
  const codes = byCode.filter(below);
  if (codes.length) return codes;
  // the children first, exact (folded) names before partial ones; then deeper units
  const children = await childrenOf(ctx.db, above.id);
  const exact = children.filter((u) => u.search_name === q || fold(u.short_name) === q);
  if (exact.length) return exact;
  const partial = children.filter((u) => u.search_name.includes(q));
  if (partial.length) return partial;
  return (await searchUnits(ctx.db, query, 30)).filter(below);
}

async function reopen(ctx: Ctx, unit: Unit, periodText: string): Promise<void> {
  if (!ctx.person) return;
  const profile = ctx.svc.profile(unit.profile);
  const parent = unit.parent_id === null ? undefined : await getUnit(ctx.db, unit.parent_id);
  if (!parent) return ctx.reply(ctx.t('reopen:no_parent', { unit: unit.name }));
  if (!(await mayReopen(ctx.db, ctx.person.id, unit, (id) => ctx.svc.profile(id)))) {
    return ctx.reply(ctx.t('common:denied', { who: ctx.t('reopen:who', { unit: unit.name, parent: parent.name }) }));
  }
  const period = choosePeriod(profile, periodText, ctx.now);
  if (!period) return ctx.reply(ctx.t('common:bad_period', { text: periodText }));
  const params = { unit: unit.name, parent: parent.name, period: periodLabel(ctx.t, period) };
  const r = await reopenPeriod(ctx.db, unit, periodKey(period), ctx.person.id, ctx.now);
  if (!r.ok) {
    const at = r.why === 'already' ? localParts(r.at, profile.timezone) : undefined;
    return ctx.reply(ctx.t(`reopen:${r.why}`, { ...params, time: at?.time, date: at?.date }));
  }
  // the unit's groups, or its leaders in private where it has none (app/delivery)
  const where = await routeFor(ctx, unit, 'leaders');
  const links = chatsOf(where);
  for (const chat of otherChats(ctx, where)) ctx.send(chat, ctx.t('reopen:unit_told', { ...params, who: ctx.person.display_name }));
  const unreached = unreachedLine(ctx, where);
  ctx.reply(ctx.t('reopen:done', params) + (links.length ? '' : '\n' + ctx.t('reopen:unit_no_group', params)) + (unreached ? '\n' + unreached : ''));
}

export const reopening: Feature = {
  commands: [
    {
      names: ['moky', 'reopen'],
      // checked at the unit the arguments name, by mayReopen (the level that sent up, or above)
      allow: policies.reopen,
      at: 'args',
      run: async (ctx, args) => {
        if (!ctx.person) return;
        const { period, query } = splitReopenArgs(args);
        if (!query) return ctx.reply(ctx.t('reopen:usage'));
        const found = await findUnits(ctx, query);
        if (found.length === 0) {
          return ctx.reply(ctx.unit ? ctx.t('reopen:not_found_below', { query, unit: ctx.unit.name }) : ctx.t('reopen:not_found', { query }));
        }
        const allowed: Unit[] = [];
        for (const u of found) if (await mayReopen(ctx.db, ctx.person.id, u, (id) => ctx.svc.profile(id))) allowed.push(u);
        if (allowed.length <= 1) return reopen(ctx, allowed[0] ?? found[0]!, period); // refuses, naming who may
        const options = await Promise.all(
          allowed.slice(0, 8).map(async (u) => {
            const up = (await ancestorsOf(ctx.db, u)).slice(1).map((a) => a.short_name).reverse().join(', ');
            return { label: up ? `${u.name} (${up})` : u.name, value: String(u.id) };
          }),
        );
        await ctx.ask(ctx.t('reopen:choose', { query }), CHOOSE, { period }, options);
      },
    },
  ],
  flows: {
    [CHOOSE]: {
      onOption: async (ctx, state, value) => {
        await ctx.endDialog();
        const unit = await getUnit(ctx.db, Number(value));
        if (unit) await reopen(ctx, unit, String(state.data.period ?? ''));
      },
    },
  },
};
