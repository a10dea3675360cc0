/** /lienket: link a group chat to a unit (and its team), and check the group's title. */
import type { Unit } from '../../db/schema';
import { leads, rolesAt } from '../../app/access';
import { canonicalGroupName, groupNameMatches } from '../../domain/group-name';
import { teamRuleFor } from '../../domain/profile';
import { audit } from '../../store/audit';
import { getLink, upsertLink } from '../../store/chats';
import { teamsOfUnit } from '../../store/teams';
import { ancestorsOf, getUnit, searchUnits, unitsByCode } from '../../store/units';
import type { Ctx } from '../context';
import type { Feature } from '../feature';
import { authorize } from '../scope';

async function mayLink(ctx: Ctx, unit: Unit): Promise<boolean> {
  if (!ctx.person) return false;
  const r = await rolesAt(ctx.db, ctx.person.id, unit);
  return r.admin || r.grants.has('officer') || leads(r, teamRuleFor(ctx.svc.profile(unit.profile), unit.level)?.deputy.actsAsLeader ?? false);
}

/** The title the profile asks for, when it asks for one. */
export async function expectedTitle(ctx: Ctx, unit: Unit): Promise<string | undefined> {
  const profile = ctx.svc.profile(unit.profile);
  const pattern = profile.levels.find((l) => l.key === unit.level)?.groupName;
  if (!pattern) return undefined;
  const chain = [...(await ancestorsOf(ctx.db, unit)).map((u) => u.short_name), unit.short_name];
  return canonicalGroupName(pattern, chain);
}

/** Tells the group when its title differs from the profile's pattern. */
export async function checkTitle(ctx: Ctx, unit: Unit, title: string | undefined): Promise<void> {
  const expected = await expectedTitle(ctx, unit);
  if (expected && title !== undefined && !groupNameMatches(title, expected)) {
    ctx.reply(ctx.t('link:title_mismatch', { title, expected }));
  }
}

async function link(ctx: Ctx, unit: Unit): Promise<void> {
  const ok = await authorize(
    ctx,
    unit,
    (r) => r.grants.has('officer') || leads(r, teamRuleFor(ctx.svc.profile(unit.profile), unit.level)?.deputy.actsAsLeader ?? false),
    'common:who_leader_officer_admin',
  );
  if (!ok) return;
  const previous = await getLink(ctx.db, ctx.chat.platform, ctx.chat.id);
  const teams = await teamsOfUnit(ctx.db, unit.id);
  await upsertLink(
    ctx.db,
    {
      platform: ctx.chat.platform,
      chatId: ctx.chat.id,
      unitId: unit.id,
      teamId: teams.length === 1 ? teams[0]!.id : null,
      title: ctx.event.chat.title ?? null,
      linkedBy: ctx.person?.id ?? null,
    },
    ctx.now,
  );
  await audit(ctx.db, { actor: ctx.person?.id ?? null, action: 'chat.link', subject: `unit:${unit.id}`, details: { platform: ctx.chat.platform, previousUnit: previous?.unit_id ?? null } }, ctx.now);
  const profile = ctx.svc.profile(unit.profile);
  const level = profile.levels.find((l) => l.key === unit.level);
  ctx.useUnit(unit);
  ctx.reply(
    ctx.t('link:linked', {
      unit: unit.name,
      level: level ? level.name[ctx.locale] : unit.level,
      profile: profile.name[ctx.locale],
    }),
  );
  await checkTitle(ctx, unit, ctx.event.chat.title);
}

export const linking: Feature = {
  commands: [
    {
      names: ['lienket', 'link'],
      run: async (ctx, args) => {
        if (!ctx.isGroup) return ctx.reply(ctx.t('link:group_only'));
        if (!args) return ctx.reply(ctx.t('link:usage'));
        const byCode = /\s/.test(args) ? [] : await unitsByCode(ctx.db, args);
        const found = byCode.length ? byCode : await searchUnits(ctx.db, args, 30);
        if (found.length === 0) return ctx.reply(ctx.t('link:not_found', { query: args }));
        const allowed: Unit[] = [];
        for (const u of found) if (await mayLink(ctx, u)) allowed.push(u);
        if (allowed.length === 0) return link(ctx, found[0]!); // refuses, naming who may
        if (allowed.length === 1) return link(ctx, allowed[0]!);
        const options = await Promise.all(
          allowed.slice(0, 8).map(async (u) => {
            const up = (await ancestorsOf(ctx.db, u)).slice(1).map((a) => a.short_name).reverse().join(', ');
            return { label: up ? `${u.name} (${up})` : u.name, value: String(u.id) };
          }),
        );
        await ctx.ask(ctx.t('link:choose', { query: args }), 'link-choose', {}, options);
      },
    },
  ],
  flows: {
    'link-choose': {
      onOption: async (ctx, _state, value) => {
        await ctx.endDialog();
        const unit = await getUnit(ctx.db, Number(value));
        if (unit) await link(ctx, unit);
      },
    },
  },
};
