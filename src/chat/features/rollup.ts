/**
 * /tiendo (who reported, on time, late, missing), /tonghop (totals, ratios, targets, texts, best
 * and worst), /guilen (send the level's roll-up to the parent group) and /hanchot (deadlines).
 */
import type { Unit } from '../../db/schema';
import { policies } from '../../app/access';
import { choosePeriod, levelRollsUp, storeReport } from '../../app/reporting';
import { buildRollup, planSendUp, type SendUpPlan, type UnitRollup } from '../../app/rollups';
import { afterReportStored } from '../../app/reminders';
import { localParts, nextDuePeriod, periodKey } from '../../domain/calendar';
import { parentLevel, teamRuleFor, type Profile } from '../../domain/profile';
import { otherChats, privateNames, routeFor, unreachedLine } from '../deliver';
import { teamsOfUnit } from '../../store/teams';
import { rosterCheckSummary } from '../../app/member-reports';
import { rosterCheckLine } from './membership/text';
import { getUnit } from '../../store/units';
import type { Ctx, DialogState } from '../context';
import type { Feature } from '../feature';
import { CAPABILITIES } from '../types';
import { dueWithDays, fitToLimit, periodLabel, roomOf } from '../../i18n/format';
import { authorize, resolveUnit } from '../scope';
import { changeLines, confirmText, leadersFor, progressText, summaryText, upwardText } from './rollup-text';

export { leaderNames } from './rollup-text';

async function readTarget(ctx: Ctx, cmd: string, args: string): Promise<{ unit: Unit; profile: Profile; roll: UnitRollup } | undefined> {
  const unit = await resolveUnit(ctx, { cmd, args, body: '' });
  if (!unit) return undefined;
  const profile = ctx.svc.profile(unit.profile);
  const period = choosePeriod(profile, args, ctx.now, unit.level);
  if (!period) {
    ctx.reply(ctx.t('common:bad_period', { text: args }));
    return undefined;
  }
  return { unit, profile, roll: await buildRollup(ctx.db, profile, unit, period) };
}

function levelName(ctx: Ctx, profile: Profile, key: string | undefined): string {
  const l = profile.levels.find((x) => x.key === key);
  return l ? l.name[ctx.locale] : '';
}

const SEND = 'rollup-send';

/** The unit /guilen acts for, its parent, and whether the caller may send it; undefined after a reply. */
async function sendTarget(ctx: Ctx, unit: Unit, args: string): Promise<{ profile: Profile; parent: Unit; roll: UnitRollup } | undefined> {
  const profile = ctx.svc.profile(unit.profile);
  // the command was checked by the core; the answer to the question is checked again here
  if (!(await authorize(ctx, unit, policies.sendUp))) return undefined;
  const period = choosePeriod(profile, args, ctx.now, unit.level);
  if (!period) {
    ctx.reply(ctx.t('common:bad_period', { text: args }));
    return undefined;
  }
  const parent = unit.parent_id === null ? undefined : await getUnit(ctx.db, unit.parent_id);
  if (!parent || !parentLevel(profile, unit.level) || !levelRollsUp(profile, unit.level)) {
    ctx.reply(ctx.t('rollup:no_parent'));
    return undefined;
  }
  return { profile, parent, roll: await buildRollup(ctx.db, profile, unit, period) };
}

/**
 * /guilen: nothing new since the last version → say so; units missing or a deadline below still
 * ahead → ask first (the answer continues in `send`); otherwise send.
 */
async function sendUp(ctx: Ctx, args: string): Promise<void> {
  const unit = await resolveUnit(ctx, { cmd: 'guilen', args, body: '' });
  if (!unit) return;
  const tg = await sendTarget(ctx, unit, args);
  if (!tg) return;
  const { profile, parent, roll } = tg;
  const plan = planSendUp(roll);
  if (plan.unchanged) {
    const prev = plan.previous!;
    const at = localParts(prev.sentUpAt ?? prev.submittedAt, profile.timezone);
    return ctx.reply(ctx.t('rollup:unchanged', { period: periodLabel(ctx.t, roll.period), version: prev.version, parent: parent.name, time: at.time, date: at.date }));
  }
  const depths = roll.result.byDepth.filter((c) => c.expected > 0);
  const leaders = await leadersFor(ctx, depths, ctx.chat.platform);
  const question = confirmText(ctx, profile, roll, parent, leaders, roomOf(ctx.caps));
  if (!question) return send(ctx, tg, plan);
  await ctx.ask(
    question,
    SEND,
    { unitId: unit.id, period: periodKey(roll.period) },
    [
      { label: ctx.t('rollup:confirm_yes'), value: 'yes', words: ['ok', 'gui', 'gui len', 'dong y', 'co'] },
      { label: ctx.t('rollup:confirm_no'), value: 'no', words: ['chua', 'chua gui', 'khong', 'huy'] },
    ],
  );
}

/** Stores the roll-up as a new version and posts it to the parent's groups. */
async function send(ctx: Ctx, tg: { profile: Profile; parent: Unit; roll: UnitRollup }, plan: SendUpPlan): Promise<void> {
  const { profile, parent, roll } = tg;
  const unit = roll.unit;
  const rep = await storeReport(ctx.db, {
    unit,
    teamId: null,
    period: roll.period,
    values: plan.values,
    personId: ctx.person!.id,
    at: ctx.now,
    profile,
    rollup: true,
  });
  const sent = { ...roll, status: rep.late ? ('late' as const) : ('on_time' as const) };
  const depths = roll.result.byDepth.filter((c) => c.expected > 0);
  // the parent's groups, or its officers and leaders in private where it has none (app/delivery)
  const where = await routeFor(ctx, parent, 'officers');
  for (const chat of otherChats(ctx, where)) {
    const leaders = await leadersFor(ctx, depths, chat.platform);
    ctx.send(chat, upwardText(ctx, profile, sent, plan, rep.version, rep.late, leaders, roomOf(CAPABILITIES[chat.platform])));
  }
  const period = periodLabel(ctx.t, roll.period);
  const how = where.groups.length ? '' : where.privates.length ? '_private' : '_no_group';
  const params = { parent: parent.name, period, version: rep.version, names: privateNames(where) };
  const lines = [
    plan.previous ? ctx.t(`rollup:sent_update${how}`, { ...params, previous: plan.previous.version }) : ctx.t(`rollup:sent${how}`, params),
  ];
  const unreached = unreachedLine(ctx, where);
  if (unreached) lines.push(unreached);
  if (plan.previous) lines.push(...changeLines(ctx, roll, plan, 10));
  if (rep.late) lines.push(ctx.t('report:saved_late'));
  ctx.reply(fitToLimit(roomOf(ctx.caps), () => lines.join('\n'), 0));
  ctx.out.push(...(await afterReportStored(ctx.db, profile, unit, roll.period, ctx.now, ctx.svc.delivery)));
}

/** The answer to the question before an incomplete send-up. */
async function answerSend(ctx: Ctx, state: DialogState, value: string): Promise<void> {
  await ctx.endDialog();
  if (value !== 'yes') return ctx.reply(ctx.t('rollup:not_sent'));
  const unit = await getUnit(ctx.db, Number(state.data.unitId));
  if (!unit) return;
  ctx.useUnit(unit);
  const tg = await sendTarget(ctx, unit, String(state.data.period ?? ''));
  if (!tg) return;
  const plan = planSendUp(tg.roll);
  if (plan.unchanged) return ctx.reply(ctx.t('rollup:unchanged_now', { version: plan.previous!.version }));
  return send(ctx, tg, plan);
}

export const rollups: Feature = {
  commands: [
    {
      names: ['tiendo', 'progress'],
      allow: policies.readProgress,
      run: async (ctx, args) => {
        const tg = await readTarget(ctx, 'tiendo', args);
        if (!tg) return;
        const { text, mentions } = await progressText(ctx, tg.profile, tg.roll, ctx.chat.platform, roomOf(ctx.caps, 300));
        // where the platform reports group members: the roster against the group, in the same line-up
        const teams = await teamsOfUnit(ctx.db, tg.unit.id);
        const roster = teams.length ? rosterCheckLine(ctx.t, await rosterCheckSummary(ctx.db, tg.unit, teams.map((x) => x.id))) : undefined;
        ctx.reply(roster ? `${text}\n\n${roster}` : text, { mentions });
      },
    },
    {
      names: ['tonghop', 'summary'],
      allow: policies.readProgress,
      run: async (ctx, args) => {
        const tg = await readTarget(ctx, 'tonghop', args);
        if (!tg) return;
        const canSend = !!parentLevel(tg.profile, tg.unit.level) && levelRollsUp(tg.profile, tg.unit.level);
        const plan = canSend ? planSendUp(tg.roll) : undefined;
        const hint = !plan ? '' : plan.unchanged ? ctx.t('rollup:send_hint_unchanged', { version: plan.previous!.version }) : plan.previous ? ctx.t('rollup:send_hint_update', { version: plan.previous.version }) : ctx.t('rollup:send_hint');
        const leaders = await leadersFor(ctx, tg.roll.result.byDepth, ctx.chat.platform);
        const title = canSend && !plan?.unchanged ? 'draft' : 'plain';
        const text = summaryText(ctx, tg.profile, tg.roll, { title, leaders }, roomOf(ctx.caps, ctx.caps.lengthOf(hint) + 2));
        ctx.reply(hint ? `${text}\n\n${hint}` : text);
      },
    },
    { names: ['guilen', 'sendup'], allow: policies.sendUp, run: sendUp },
    {
      names: ['hanchot', 'deadlines'],
      allow: policies.anyone,
      run: async (ctx, args) => {
        const unit = await resolveUnit(ctx, { cmd: 'hanchot', args, body: '' });
        if (!unit) return;
        const profile = ctx.svc.profile(unit.profile);
        const lines = [ctx.t('rollup:deadlines_title', { profile: profile.name[ctx.locale] })];
        for (const d of profile.reporting.deadlines) {
          const next = nextDuePeriod(profile, d.level, ctx.now);
          if (!next) continue;
          lines.push(
            ctx.t('rollup:deadline_line', {
              level: levelName(ctx, profile, d.level),
              period: periodLabel(ctx.t, next.period),
              due: dueWithDays(ctx.t, ctx.now, next.dueAt, profile.timezone),
            }),
          );
        }
        // profile.reporting.note explains the profile's choices to its maintainers: not shown here
        lines.push('', ctx.t('rollup:deadlines_hint'));
        ctx.reply(lines.join('\n'));
      },
    },
  ],
  flows: {
    [SEND]: { onOption: answerSend },
  },
};
