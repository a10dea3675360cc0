/** /lienket: link a group chat to a unit (and its team), and check the group's title. */
import type { Unit } from '../../db/schema';
import { policies } from '../../app/access';
import { canonicalGroupName, groupNameMatches } from '../../domain/group-name';
import { audit } from '../../store/audit';
import { getLink, upsertLink } from '../../store/chats';
import { teamsOfUnit } from '../../store/teams';
import { ancestorsOf, getUnit, searchUnits, unitsByCode } from '../../store/units';
import type { Ctx } from '../context';
import type { Feature } from '../feature';
import { allowed, authorize } from '../scope';

const CONFIRM = 'link-confirm';

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

/**
 * Links the group to `unit`. A group already linked to another unit is not rewired at once: the
 * caller needs the right to link at both units, and answers a confirmation that names both.
 */
async function link(ctx: Ctx, unit: Unit): Promise<void> {
  if (!(await authorize(ctx, unit, policies.linkGroup))) return;
  const previous = await getLink(ctx.db, ctx.chat.platform, ctx.chat.id);
  const from = previous && previous.unit_id !== unit.id ? await getUnit(ctx.db, previous.unit_id) : undefined;
  if (!from) return linkNow(ctx, unit, previous?.unit_id ?? null);
  if (!(await allowed(ctx, from, policies.linkGroup))) {
    await audit(ctx.db, { actor: ctx.person?.id ?? null, action: 'chat.relink_denied', subject: `unit:${from.id}`, details: { platform: ctx.chat.platform, to: unit.id } }, ctx.now);
    return ctx.reply(ctx.t('link:relink_denied', { from: from.name, to: unit.name, who: ctx.t(policies.linkGroup.who, { unit: from.name }) }));
  }
  const lines = [ctx.t('link:relink_confirm', { from: from.name, to: unit.name })];
  const expected = await expectedTitle(ctx, unit);
  const title = ctx.event.chat.title;
  if (expected && title !== undefined && !groupNameMatches(title, expected)) lines.push(ctx.t('link:relink_title', { title, to: unit.name, expected }));
  await ctx.ask(lines.join('\n'), CONFIRM, { unitId: unit.id, fromUnitId: from.id }, [
    { label: ctx.t('link:btn_move', { to: unit.short_name }), value: 'yes', words: ['ok', 'co', 'dong y', 'chuyen'] },
    { label: ctx.t('link:btn_keep', { from: from.short_name }), value: 'no', words: ['khong', 'giu', 'no'] },
  ]);
}

async function linkNow(ctx: Ctx, unit: Unit, previousUnit: number | null): Promise<void> {
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
  await audit(ctx.db, { actor: ctx.person?.id ?? null, action: 'chat.link', subject: `unit:${unit.id}`, details: { platform: ctx.chat.platform, previousUnit } }, ctx.now);
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
      allow: policies.linkGroup,
      // checked at the unit named (and at the unit the group is linked to now, when re-linking)
      at: 'args',
      run: async (ctx, args) => {
        if (!ctx.isGroup) return ctx.reply(ctx.t('link:group_only'));
        if (!args) return ctx.reply(ctx.t('link:usage'));
        const byCode = /\s/.test(args) ? [] : await unitsByCode(ctx.db, args);
        const found = byCode.length ? byCode : await searchUnits(ctx.db, args, 30);
        if (found.length === 0) return ctx.reply(ctx.t('link:not_found', { query: args }));
        const mine: Unit[] = [];
        for (const u of found) if (await allowed(ctx, u, policies.linkGroup)) mine.push(u);
        if (mine.length === 0) return link(ctx, found[0]!); // refuses, naming who may
        if (mine.length === 1) return link(ctx, mine[0]!);
        const options = await Promise.all(
          mine.slice(0, 8).map(async (u) => {
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
    [CONFIRM]: {
      onOption: async (ctx, state, value) => {
        await ctx.endDialog();
        const [unit, from] = await Promise.all([getUnit(ctx.db, Number(state.data.unitId)), getUnit(ctx.db, Number(state.data.fromUnitId))]);
        if (!unit || !from) return;
        if (value !== 'yes') return ctx.reply(ctx.t('link:kept', { from: from.name }));
        // asked again: the link may have changed, or the person's rights, since the question
        const now = await getLink(ctx.db, ctx.chat.platform, ctx.chat.id);
        if (now?.unit_id !== from.id) return ctx.reply(ctx.t('common:button_expired'));
        if (!(await authorize(ctx, unit, policies.linkGroup)) || !(await authorize(ctx, from, policies.linkGroup))) return;
        await linkNow(ctx, unit, from.id);
      },
    },
  },
};
