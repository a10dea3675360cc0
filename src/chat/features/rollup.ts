/**
 * /tiendo (who reported, on time, late, missing), /tonghop (totals, ratios, targets, texts, best
 * and worst), /guilen (send the level's roll-up to the parent group) and /hanchot (deadlines).
 */
import type { Unit } from '../../db/schema';
import { policies } from '../../app/access';
import { choosePeriod, levelRollsUp, storeReport } from '../../app/reporting';
import { buildRollup, flattenRollup, type UnitRollup } from '../../app/rollups';
import { afterReportStored } from '../../app/reminders';
import { dueAt, nextDuePeriod } from '../../domain/calendar';
import { parentLevel, teamRuleFor, type Profile } from '../../domain/profile';
import type { Completeness } from '../../domain/rollup';
import { activeLinksOfUnit } from '../../store/chats';
import { identitiesOf } from '../../store/people';
import { leadersOfUnit, teamsOfUnit } from '../../store/teams';
import { rosterCheckSummary } from '../../app/member-reports';
import { rosterCheckLine } from './membership-text';
import { getUnit } from '../../store/units';
import type { Ctx } from '../context';
import type { Feature } from '../feature';
import type { Mention, Platform } from '../types';
import { dueWithDays, formatNumber, periodLabel } from '../format';
import { resolveUnit } from '../scope';

const MAX_LISTED = 30;

async function readTarget(ctx: Ctx, cmd: string, args: string): Promise<{ unit: Unit; profile: Profile; roll: UnitRollup } | undefined> {
  const unit = await resolveUnit(ctx, { cmd, args, body: '' });
  if (!unit) return undefined;
  const profile = ctx.svc.profile(unit.profile);
  const period = choosePeriod(profile, args, ctx.now);
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

/** Leader names for a unit, and mentions on platforms that have them. */
export async function leaderNames(ctx: Ctx, unitId: number, platform: Platform): Promise<{ names: string[]; mentions: Mention[] }> {
  const leaders = await leadersOfUnit(ctx.db, unitId);
  const mentions: Mention[] = [];
  for (const l of leaders) {
    const id = (await identitiesOf(ctx.db, l.personId)).find((i) => i.platform === platform);
    if (id) mentions.push({ userId: id.externalId, name: l.name });
  }
  return { names: leaders.map((l) => l.name), mentions };
}

async function completenessLines(ctx: Ctx, profile: Profile, c: Completeness, platform: Platform, mentions: Mention[]): Promise<string[]> {
  const lines = [
    ctx.t('rollup:level_line', {
      level: levelName(ctx, profile, c.level),
      actual: c.actual,
      expected: c.expected,
      onTime: c.onTime,
      late: c.late,
    }),
  ];
  const where = (path: string[]) => (path.length > 1 ? ` (${path.slice(0, -1).reverse().join(', ')})` : '');
  if (c.lateUnits.length) {
    lines.push(ctx.t('rollup:late_list', { names: c.lateUnits.slice(0, MAX_LISTED).map((u) => u.name + where(u.path)).join('; ') }));
  }
  if (c.missingUnits.length) {
    lines.push(ctx.t('rollup:missing_title', { count: c.missingUnits.length }));
    for (const u of c.missingUnits.slice(0, MAX_LISTED)) {
      const leaders = await leaderNames(ctx, Number(u.unitId), platform);
      mentions.push(...leaders.mentions);
      lines.push(`  • ${u.name}${where(u.path)}${leaders.names.length ? ' — ' + ctx.t('rollup:leader', { names: leaders.names.join(', ') }) : ''}`);
    }
    if (c.missingUnits.length > MAX_LISTED) lines.push(ctx.t('rollup:and_more', { count: c.missingUnits.length - MAX_LISTED }));
  }
  return lines;
}

/** The progress text of a unit's subtree, per reporting level below it. */
export async function progressText(ctx: Ctx, profile: Profile, roll: UnitRollup, platform: Platform): Promise<{ text: string; mentions: Mention[] }> {
  const mentions: Mention[] = [];
  const lines = [ctx.t('rollup:progress_title', { period: periodLabel(ctx.t, roll.period), unit: roll.unit.name })];
  // the unit's own report (or roll-up sent up), where its level has a deadline
  if (roll.dueAt) {
    const own = roll.status === 'missing' ? 'rollup:own_missing' : roll.status === 'late' ? 'rollup:own_late' : 'rollup:own_on_time';
    lines.push(ctx.t(own, { unit: roll.unit.name, due: dueWithDays(ctx.t, ctx.now, roll.dueAt, profile.timezone) }));
  }
  const depths = roll.result.byDepth.filter((c) => c.expected > 0);
  if (depths.length === 0 && !roll.dueAt) lines.push(ctx.t('rollup:nothing_expected'));
  for (const c of depths) {
    const due = c.level ? dueAt(profile, c.level, roll.period) : undefined;
    lines.push('');
    lines.push(...(await completenessLines(ctx, profile, c, platform, mentions)));
    if (due) lines.push('  ' + dueWithDays(ctx.t, ctx.now, due, profile.timezone));
  }
  return { text: lines.join('\n'), mentions };
}

function num(ctx: Ctx, n: number): string {
  return formatNumber(ctx.locale, n);
}

/** Totals, ratios recomputed from sums, targets, texts with unit names, best and worst. */
export function summaryText(ctx: Ctx, profile: Profile, roll: UnitRollup, draft: boolean): string {
  const r = roll.result;
  const lines = [ctx.t(draft ? 'rollup:summary_title_draft' : 'rollup:summary_title', { period: periodLabel(ctx.t, roll.period), unit: roll.unit.name })];
  for (const c of r.byDepth.filter((x) => x.expected > 0)) {
    lines.push(ctx.t('rollup:level_short', { level: levelName(ctx, profile, c.level), actual: c.actual, expected: c.expected, late: c.late }));
  }
  lines.push('');
  for (const ind of roll.indicators) {
    if (ind.type === 'text') continue;
    const total = r.totals[ind.key];
    const ratio = r.ratios[ind.key];
    if (total) {
      const share = r.shares[ind.key];
      const pct = share?.value !== undefined ? ` (${num(ctx, share.value * 100)}% ${ind.shareOf ? ctx.t('rollup:of', { label: shortOf(roll, ind.shareOf, ctx) }) : ''})` : '';
      lines.push(`• ${ind.short[ctx.locale]}: ${num(ctx, total.value)} ${ind.unit[ctx.locale]}${pct}`.trimEnd());
    } else if (ratio?.value !== undefined) {
      lines.push(`• ${ind.short[ctx.locale]}: ${num(ctx, ratio.value)} ${ind.unit[ctx.locale]}`.trimEnd());
    }
  }
  for (const tg of r.targets) {
    if (tg.achieved === undefined) continue;
    lines.push(
      ctx.t(tg.met ? 'rollup:target_met' : 'rollup:target_not_met', {
        label: shortOf(roll, tg.key, ctx),
        achieved: num(ctx, tg.achieved * 100),
        share: num(ctx, tg.share * 100),
        of: shortOf(roll, tg.of, ctx),
      }),
    );
  }
  for (const ind of roll.indicators) {
    const items = r.texts[ind.key];
    if (!items?.length) continue;
    lines.push('', `📝 ${ind.short[ctx.locale]}:`);
    for (const i of items.slice(0, MAX_LISTED)) lines.push(`  – ${i.path.length ? [...i.path].reverse().join(', ') : i.name}: ${i.text.replace(/\n/g, ' ')}`);
  }
  if (r.ranking && r.ranking.best.length) {
    lines.push('', ctx.t('rollup:best', { names: r.ranking.best.map((b) => `${b.name} (${num(ctx, b.value)})`).join(', ') }));
    if (r.ranking.worst.length) lines.push(ctx.t('rollup:worst', { names: r.ranking.worst.map((b) => `${b.name} (${num(ctx, b.value)})`).join(', ') }));
  }
  return lines.join('\n');
}

function shortOf(roll: UnitRollup, key: string, ctx: Ctx): string {
  return roll.indicators.find((i) => i.key === key)?.short[ctx.locale] ?? key;
}

async function sendUp(ctx: Ctx, args: string): Promise<void> {
  const unit = await resolveUnit(ctx, { cmd: 'guilen', args, body: '' });
  if (!unit) return;
  const profile = ctx.svc.profile(unit.profile);
  const period = choosePeriod(profile, args, ctx.now);
  if (!period) return ctx.reply(ctx.t('common:bad_period', { text: args }));
  const parent = unit.parent_id === null ? undefined : await getUnit(ctx.db, unit.parent_id);
  if (!parent || !parentLevel(profile, unit.level) || !levelRollsUp(profile, unit.level)) return ctx.reply(ctx.t('rollup:no_parent'));
  const roll = await buildRollup(ctx.db, profile, unit, period);
  const rep = await storeReport(ctx.db, {
    unit,
    teamId: null,
    period,
    values: flattenRollup(roll.result),
    personId: ctx.person!.id,
    at: ctx.now,
    profile,
    rollup: true,
  });
  const text = summaryText(ctx, profile, { ...roll, status: rep.late ? 'late' : 'on_time' }, false);
  const links = await activeLinksOfUnit(ctx.db, parent.id);
  for (const l of links) {
    ctx.send({ platform: l.platform as Platform, id: l.chat_id }, ctx.t('rollup:received', { unit: unit.name, period: periodLabel(ctx.t, period) }) + (rep.late ? ' ' + ctx.t('rollup:received_late') : '') + '\n\n' + text);
  }
  ctx.reply(
    ctx.t(links.length ? 'rollup:sent' : 'rollup:sent_no_group', { parent: parent.name, period: periodLabel(ctx.t, period), version: rep.version }) +
      (rep.late ? '\n' + ctx.t('report:saved_late') : ''),
  );
  ctx.out.push(...(await afterReportStored(ctx.db, profile, unit, period, ctx.now)));
}

export const rollups: Feature = {
  commands: [
    {
      names: ['tiendo', 'progress'],
      allow: policies.readProgress,
      run: async (ctx, args) => {
        const tg = await readTarget(ctx, 'tiendo', args);
        if (!tg) return;
        const { text, mentions } = await progressText(ctx, tg.profile, tg.roll, ctx.chat.platform);
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
        ctx.reply(summaryText(ctx, tg.profile, tg.roll, canSend) + (canSend ? '\n\n' + ctx.t('rollup:send_hint') : ''));
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
        if (profile.reporting.note) lines.push('', `ℹ️ ${profile.reporting.note}`);
        ctx.reply(lines.join('\n'));
      },
    },
  ],
};
