/**
 * Where a command applies and whether the caller may run it: the group's linked unit, or in a
 * private chat the unit the person leads (asking which when there are several).
 */
import type { Unit } from '../db/schema';
import { rolesAt, unitsOfPerson, type RolesAt } from '../app/access';
import { permits, type Policy } from '../app/access/policies';
import { getUnit } from '../store/units';
import type { Ctx } from './context';

export interface Pending {
  cmd: string;
  args: string;
  body: string;
}

export async function resolveUnit(ctx: Ctx, pending: Pending): Promise<Unit | undefined> {
  if (ctx.unit) return ctx.unit;
  if (ctx.isGroup) {
    ctx.reply(ctx.t('common:not_linked'));
    return undefined;
  }
  if (!ctx.person) return undefined;
  const mine = await unitsOfPerson(ctx.db, ctx.person.id);
  const units = (await Promise.all(mine.map((m) => getUnit(ctx.db, m.unitId)))).filter((u): u is Unit => !!u);
  if (units.length === 0) {
    ctx.reply(ctx.t('common:no_unit'));
    return undefined;
  }
  if (units.length === 1) return ctx.useUnit(units[0]!);
  await ctx.ask(
    ctx.t('common:choose_unit'),
    'choose-unit',
    { ...pending },
    units.slice(0, 12).map((u) => ({ label: u.name, value: String(u.id) })),
  );
  return undefined;
}

/**
 * The caller's roles at `unit` when the rule allows; otherwise a refusal naming who may, and
 * undefined. `rule` is a named policy; a bare predicate with its who-key is still accepted.
 */
export async function authorize(ctx: Ctx, unit: Unit, rule: Policy): Promise<RolesAt | undefined>;
export async function authorize(ctx: Ctx, unit: Unit, allowed: (r: RolesAt) => boolean, whoKey: string): Promise<RolesAt | undefined>;
export async function authorize(
  ctx: Ctx,
  unit: Unit,
  rule: Policy | ((r: RolesAt) => boolean),
  whoKey?: string,
): Promise<RolesAt | undefined> {
  if (!ctx.person) return undefined;
  const r = await rolesAt(ctx.db, ctx.person.id, unit);
  const ok = typeof rule === 'function' ? r.admin || rule(r) : permits(rule, r, unit, ctx.svc.profile(unit.profile));
  if (ok) return r;
  ctx.reply(ctx.t('common:denied', { who: ctx.t(typeof rule === 'function' ? whoKey! : rule.who, { unit: unit.name }) }));
  return undefined;
}

/** Does the caller pass `rule` at `unit`? (no reply) */
export async function allowed(ctx: Ctx, unit: Unit, rule: Policy): Promise<boolean> {
  if (!ctx.person) return false;
  return permits(rule, await rolesAt(ctx.db, ctx.person.id, unit), unit, ctx.svc.profile(unit.profile));
}
