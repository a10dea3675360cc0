/** Chat features' door to app/delivery: where a unit's message goes, with this chat's settings. */
import type { Unit } from '../db/schema';
import { chatsOf, recipientsForUnit, type Audience, type Route } from '../app/delivery';
import type { Ctx } from './context';
import type { ChatRef } from './types';

export type { Route } from '../app/delivery';

export function routeFor(ctx: Ctx, unit: Pick<Unit, 'id' | 'level' | 'profile'>, audience: Audience, teamId?: number | null): Promise<Route> {
  return recipientsForUnit(ctx.db, unit, audience, { policy: ctx.svc.delivery, profile: (id) => ctx.svc.profile(id), ...(teamId !== undefined ? { teamId } : {}) });
}

/** The route's chats except the one this event came from (the asker hears the answer instead). */
export function otherChats(ctx: Ctx, r: Route): ChatRef[] {
  return chatsOf(r).filter((c) => !(c.platform === ctx.chat.platform && c.id === ctx.chat.id));
}

/** "Chưa nhận được vì chưa mở chat riêng với bot: …" for the officer, or nothing. */
export function unreachedLine(ctx: Ctx, r: Route): string | undefined {
  if (r.unreached.length === 0) return undefined;
  return ctx.t('common:not_reached_private', { names: r.unreached.map((p) => p.name).join(', ') });
}

/** "Nguyễn Văn A, Trần Thị B" — who got it in private. */
export function privateNames(r: Route): string {
  return [...new Set(r.privates.map((p) => p.name))].join(', ');
}
