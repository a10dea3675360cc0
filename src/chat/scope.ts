/**
 * Where a command applies and whether the caller may run it: the group's linked unit, or in a
 * private chat the unit the person leads (asking which when there are several).
 */
import type { Unit } from '../db/schema';
import { rolesAt, unitsOfPerson, type RolesAt } from '../app/access';
import { permits, type Policy } from '../app/access/policies';
import { getUnit } from '../store/units';
import { fold } from '../domain/text';
import type { Ctx } from './context';

export interface Pending {
  cmd: string;
  args: string;
  body: string;
}

/** Units offered as numbered answers; more are chosen by typing the name or code. */
export const MAX_UNIT_CHOICES = 12;

/**
 * The units a person works for in a private chat (team leader or deputy, officer, approver,
 * observer), higher levels first, then by name: the same list for every command.
 */
export async function unitsForPrivateChat(ctx: Ctx): Promise<Unit[]> {
  if (!ctx.person) return [];
  const mine = await unitsOfPerson(ctx.db, ctx.person.id, { observers: true });
  const units = (await Promise.all(mine.map((m) => getUnit(ctx.db, m.unitId)))).filter((u): u is Unit => !!u && u.active === 1);
  const depth = (u: Unit) => u.path.split('/').filter(Boolean).length;
  return units.sort((a, b) => depth(a) - depth(b) || a.name.localeCompare(b.name, 'vi'));
}

/** The person's unit a typed answer names (code, or a unique part of the name), if exactly one. */
export async function unitNamedBy(ctx: Ctx, text: string): Promise<Unit | undefined> {
  const q = fold(text);
  if (!q) return undefined;
  const units = await unitsForPrivateChat(ctx);
  const byCode = units.filter((u) => u.code !== null && fold(u.code) === q);
  if (byCode.length === 1) return byCode[0];
  const exact = units.filter((u) => fold(u.name) === q || fold(u.short_name) === q);
  if (exact.length === 1) return exact[0];
  const part = units.filter((u) => fold(u.name).includes(q));
  return part.length === 1 ? part[0] : undefined;
}

/**
 * The unit a command applies to: the group's linked unit; in a private chat the one unit the
 * person works for, or a question listing them (numbered answers or the unit's name or code).
 */
export async function resolveUnit(ctx: Ctx, pending: Pending): Promise<Unit | undefined> {
  if (ctx.unit) return ctx.unit;
  if (ctx.isGroup) {
    ctx.reply(ctx.t('common:not_linked'));
    return undefined;
  }
  if (!ctx.person) return undefined;
  const units = await unitsForPrivateChat(ctx);
  if (units.length === 0) {
    ctx.reply(ctx.t('common:no_unit'));
    return undefined;
  }
  if (units.length === 1) return ctx.useUnit(units[0]!);
  await ctx.ask(
    units.length > MAX_UNIT_CHOICES ? ctx.t('common:choose_unit_more', { count: units.length }) : ctx.t('common:choose_unit'),
    'choose-unit',
    { ...pending },
    units.slice(0, MAX_UNIT_CHOICES).map((u) => ({ label: u.name, value: String(u.id) })),
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
