/**
 * How roll-ups read: progress, the summary (draft and sent up), what changed since the version
 * sent before, and the question before sending an incomplete roll-up. Every text is shaped to the
 * length limit of the platform it goes to: lists of units shrink and end with "… và N đơn vị khác".
 *
 * Rules the wording keeps: every percentage shows its numerator and denominator; the totals beside
 * it are over the units that reported (the same base); the whole-unit base (unit list, roster) is
 * shown apart and labelled; team and member counts come from the roster; units are called by their
 * own kind (ấp, khóm, phường), not the level's name.
 */
import type { Unit } from '../../db/schema';
import type { UnitRollup, SendUpPlan } from '../../app/rollups';
import { ROSTER_KEYS } from '../../app/rollups';
import { dueAt } from '../../domain/calendar';
import type { ResolvedIndicator } from '../../domain/indicators';
import type { Profile } from '../../domain/profile';
import { comparePlaces, kindsLabel, type Completeness, type UnitRef } from '../../domain/rollup';
import { identitiesOf } from '../../store/people';
import { leadersOfUnit } from '../../store/teams';
import type { Ctx } from '../context';
import type { Mention, Platform } from '../types';
import { dueWithDays, fitToLimit, formatNumber, formatPercent, periodLabel, type Room } from '../../i18n/format';

/** Most units listed by name in one list, before any shortening to fit a message (≤ LIST_LIMIT of app/rollups). */
export const MAX_LISTED = 30;

/** Leader names per unit id, fetched once for the units a text may list. */
export type Leaders = Map<string, { names: string[]; mentions: Mention[] }>;

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

/** Leaders of the missing and late units a roll-up may name (at most MAX_LISTED per list). */
export async function leadersFor(ctx: Ctx, depths: readonly Completeness[], platform: Platform): Promise<Leaders> {
  const out: Leaders = new Map();
  for (const c of depths) {
    for (const u of [...[...c.missingUnits].sort(byPlace).slice(0, MAX_LISTED), ...[...c.lateUnits].sort(byPlace).slice(0, MAX_LISTED)]) {
      if (!out.has(u.unitId)) out.set(u.unitId, await leaderNames(ctx, Number(u.unitId), platform));
    }
  }
  return out;
}

function levelName(ctx: Ctx, profile: Profile, key: string | undefined): string {
  const l = profile.levels.find((x) => x.key === key);
  return l ? l.name[ctx.locale] : '';
}

const upperFirst = (s: string) => (s ? s[0]!.toLocaleUpperCase('vi') + s.slice(1) : s);
/** "Hộ được hướng dẫn" → "hộ được hướng dẫn", but "VNeID mức 2" stays. */
const lowerFirst = (s: string) => (s.length > 1 && s[1] === s[1]!.toLocaleLowerCase('vi') ? s[0]!.toLocaleLowerCase('vi') + s.slice(1) : s);

/**
 * What the counted units are called: their own kinds ("Ấp, khóm", "Xã, phường"), most frequent
 * first; the level's name where a unit's kind is unknown (and in English, the kinds being Vietnamese).
 */
export function kindLabel(ctx: Ctx, profile: Profile, c: Completeness): string {
  if (ctx.locale === 'vi' && c.kinds) {
    return upperFirst(kindsLabel(c.kinds, profile.levels.find((l) => l.key === c.level)?.localNames));
  }
  return levelName(ctx, profile, c.level);
}

/** "Khóm 2 (Phường Tân Hưng Đông, tổ trưởng Dương Hữu Tuấn)": where it lies below this level, and its leaders. */
function unitWords(ctx: Ctx, u: UnitRef, leaders: Leaders): string {
  const l = leaders.get(u.unitId);
  const notes = [...(u.path.length > 1 ? [u.path.slice(0, -1).reverse().join(', ')] : []), ...(l?.names.length ? [ctx.t('rollup:leader', { names: l.names.join(', ') })] : [])];
  return notes.length ? `${u.name} (${notes.join(', ')})` : u.name;
}

const byPlace = comparePlaces;

/**
 * "Ấp Cái Keo (tổ trưởng Lê Văn Quân); Ấp X …", in name order, at most `max`, then "… và N đơn vị
 * khác" (`count` units in all: a roll-up's lists may hold only the first ones).
 */
function unitList(ctx: Ctx, units: readonly UnitRef[], count: number, leaders: Leaders, max: number): string {
  const shown = [...units].sort(byPlace).slice(0, Math.max(0, max)).map((u) => unitWords(ctx, u, leaders));
  const rest = Math.max(count, units.length) - shown.length;
  if (rest > 0) shown.push(ctx.t('rollup:and_more_inline', { count: rest }));
  return shown.join('; ');
}

/** The completeness line of one level, with the missing and late units named. */
function completenessBlock(ctx: Ctx, profile: Profile, c: Completeness, leaders: Leaders, max: number): string[] {
  const lines = [
    ctx.t('rollup:level_line', { level: kindLabel(ctx, profile, c), actual: c.actual, expected: c.expected, onTime: c.onTime, late: c.late }),
  ];
  if (c.missing > 0) lines.push(ctx.t('rollup:missing_list', { count: c.missing, names: unitList(ctx, c.missingUnits, c.missing, leaders, max) }));
  if (c.late > 0) lines.push(ctx.t('rollup:late_list', { count: c.late, names: unitList(ctx, c.lateUnits, c.late, leaders, max) }));
  return lines;
}

/** The progress text of a unit's subtree, per reporting level below it. */
export async function progressText(ctx: Ctx, profile: Profile, roll: UnitRollup, platform: Platform, room: Room): Promise<{ text: string; mentions: Mention[] }> {
  const depths = roll.result.byDepth.filter((c) => c.expected > 0);
  const leaders = await leadersFor(ctx, depths, platform);
  const render = (max: number) => {
    const lines = [ctx.t('rollup:progress_title', { period: periodLabel(ctx.t, roll.period), unit: roll.unit.name })];
    // the unit's own report (or roll-up sent up), where its level has a deadline
    if (roll.dueAt) {
      const own = roll.status === 'missing' ? 'rollup:own_missing' : roll.status === 'late' ? 'rollup:own_late' : 'rollup:own_on_time';
      lines.push(ctx.t(own, { unit: roll.unit.name, due: dueWithDays(ctx.t, ctx.now, roll.dueAt, profile.timezone) }));
    }
    if (depths.length === 0 && !roll.dueAt) lines.push(ctx.t('rollup:nothing_expected'));
    for (const c of depths) {
      const due = c.level ? dueAt(profile, c.level, roll.period) : undefined;
      lines.push('');
      lines.push(...completenessBlock(ctx, profile, c, leaders, max));
      if (due) lines.push('  ' + dueWithDays(ctx.t, ctx.now, due, profile.timezone));
    }
    return lines.join('\n');
  };
  const text = fitToLimit(room, render, MAX_LISTED);
  // mention only the leaders whose names made it into the text
  const mentions = [...leaders.values()].flatMap((l) => l.mentions).filter((m) => text.includes(m.name));
  return { text, mentions };
}

function num(ctx: Ctx, n: number): string {
  return formatNumber(ctx.locale, n);
}

function withUnit(ctx: Ctx, value: string, ind: ResolvedIndicator | undefined): string {
  const u = ind?.unit[ctx.locale];
  return u ? `${value} ${u}` : value;
}

function indicator(roll: UnitRollup, key: string): ResolvedIndicator | undefined {
  return roll.indicators.find((i) => i.key === key);
}

function label(ctx: Ctx, roll: UnitRollup, key: string): string {
  return indicator(roll, key)?.short[ctx.locale] ?? key;
}

/** The denominator a count is shown against: its target's, else its coverage share's. */
function ratioBase(ind: ResolvedIndicator): string | undefined {
  return ind.target?.of ?? ind.shareOf;
}

/** The figures over the units that reported, each percentage with its numerator and denominator. */
function figureLines(ctx: Ctx, roll: UnitRollup): string[] {
  const r = roll.result;
  const lines: string[] = [];
  const roster = new Set<string>(ROSTER_KEYS);
  for (const ind of roll.indicators) {
    if (ind.type === 'text' || roster.has(ind.key)) continue;
    const total = r.totals[ind.key];
    const ratio = r.ratios[ind.key];
    if (total) {
      const of = ratioBase(ind);
      const pair = of ? r.pairs[`${ind.key}/${of}`] : undefined;
      if (!pair || !pair.denominator) {
        lines.push(ctx.t('rollup:value_line', { label: ind.short[ctx.locale], value: withUnit(ctx, num(ctx, total.value), ind) }));
        continue;
      }
      const share = {
        num: num(ctx, pair.numerator),
        den: withUnit(ctx, num(ctx, pair.denominator), indicator(roll, of!) ?? ind),
        pct: formatPercent(ctx.locale, pair.numerator / pair.denominator),
      };
      if (pair.numerator === total.value) lines.push(ctx.t('rollup:share_line', { label: ind.short[ctx.locale], ...share }));
      else
        lines.push(
          ctx.t('rollup:share_line_partial', {
            label: ind.short[ctx.locale],
            value: withUnit(ctx, num(ctx, total.value), ind),
            count: pair.contributors,
            of: lowerFirst(label(ctx, roll, of!)),
            ...share,
          }),
        );
    } else if (ratio?.value !== undefined) {
      lines.push(
        ctx.t('rollup:ratio_line', {
          label: ind.short[ctx.locale],
          value: withUnit(ctx, formatNumber(ctx.locale, Math.round(ratio.value * 10) / 10), ind),
          num: num(ctx, ratio.numerator),
          den: num(ctx, ratio.denominator),
        }),
      );
    }
  }
  for (const tg of r.targets) {
    if (tg.achieved === undefined) continue;
    const ind = indicator(roll, tg.key);
    lines.push(
      ctx.t(tg.met ? 'rollup:target_met' : 'rollup:target_not_met', {
        label: lowerFirst(label(ctx, roll, tg.key)),
        share: formatPercent(ctx.locale, tg.share),
        of: lowerFirst(label(ctx, roll, tg.of)),
        required: num(ctx, Math.ceil(tg.required - 1e-9)),
        num: num(ctx, tg.numerator),
        den: withUnit(ctx, num(ctx, tg.denominator), ind),
        pct: formatPercent(ctx.locale, tg.achieved),
      }),
    );
  }
  return lines;
}

/** The whole-unit base: the unit list's households (where they differ) and the roster's counts. */
function wholeUnitLines(ctx: Ctx, roll: UnitRollup): string[] {
  const r = roll.result;
  const lines: string[] = [];
  const roster = new Set<string>(ROSTER_KEYS);
  for (const ind of roll.indicators) {
    if (roster.has(ind.key)) {
      const t = r.totals[ind.key];
      if (t) lines.push(ctx.t('rollup:roster_line', { label: ind.short[ctx.locale], value: withUnit(ctx, num(ctx, t.value), ind) }));
      continue;
    }
    const reg = r.registry[ind.key];
    if (!reg || r.totals[ind.key]?.value === reg.value) continue;
    lines.push(ctx.t('rollup:registry_line', { label: ind.short[ctx.locale], value: withUnit(ctx, num(ctx, reg.value), ind), count: reg.units }));
  }
  if (lines.length === 0) return [];
  return [ctx.t(r.tree.missing > 0 ? 'rollup:whole_title_missing' : 'rollup:whole_title', { unit: roll.unit.name }), ...lines];
}

function rankingLines(ctx: Ctx, roll: UnitRollup): string[] {
  const rk = roll.result.ranking;
  if (!rk || rk.best.length === 0) return [];
  const ind = indicator(roll, rk.key);
  const name = lowerFirst(label(ctx, roll, rk.key));
  const value = (v: number) => (rk.per ? formatPercent(ctx.locale, v) : withUnit(ctx, num(ctx, v), ind));
  const list = (xs: { name: string; value: number }[]) => xs.map((b) => `${b.name} (${value(b.value)})`).join(', ');
  const lines = [ctx.t(rk.per ? 'rollup:best_share' : 'rollup:best', { label: name, names: list(rk.best) })];
  if (rk.worst.length) lines.push(ctx.t(rk.per ? 'rollup:worst_share' : 'rollup:worst', { label: name, names: list(rk.worst) }));
  return lines;
}

/** The figures heading: over which units they are added up. */
function figuresTitle(ctx: Ctx, profile: Profile, roll: UnitRollup): string | undefined {
  const depths = roll.result.byDepth.filter((c) => c.expected > 0);
  const leaf = depths.at(-1);
  if (!leaf) return undefined;
  const kind = kindLabel(ctx, profile, leaf);
  return ctx.t(leaf.missing > 0 ? 'rollup:figures_title_missing' : 'rollup:figures_title', {
    actual: leaf.actual,
    expected: leaf.expected,
    kind: kind.toLocaleLowerCase(ctx.locale),
  });
}

export interface SummaryOptions {
  /** the title: a draft, what was sent, or no suffix */
  title: 'draft' | 'sent' | 'plain';
  leaders: Leaders;
  /** lines before the summary (the upward header, what changed) */
  head?: (max: number) => string[];
}

/** Completeness with names, the figures, targets, whole-unit base, texts, best and worst. */
export function summaryText(ctx: Ctx, profile: Profile, roll: UnitRollup, opts: SummaryOptions, room: Room): string {
  const r = roll.result;
  const render = (max: number) => {
    const lines: string[] = [...(opts.head?.(max) ?? [])];
    const titleKey = opts.title === 'draft' ? 'rollup:summary_title_draft' : 'rollup:summary_title';
    lines.push(ctx.t(titleKey, { period: periodLabel(ctx.t, roll.period), unit: roll.unit.name }));
    for (const c of r.byDepth.filter((x) => x.expected > 0)) lines.push(...completenessBlock(ctx, profile, c, opts.leaders, max));
    const figures = figureLines(ctx, roll);
    if (figures.length) {
      lines.push('');
      const title = figuresTitle(ctx, profile, roll);
      if (title) lines.push(title);
      lines.push(...figures);
    }
    const whole = wholeUnitLines(ctx, roll);
    if (whole.length) lines.push('', ...whole);
    for (const ind of roll.indicators) {
      const items = r.texts[ind.key];
      if (!items?.length) continue;
      lines.push('', `📝 ${ind.short[ctx.locale]}:`);
      for (const i of items.slice(0, max)) lines.push(`  – ${i.path.length ? [...i.path].reverse().join(', ') : i.name}: ${i.text.replace(/\n/g, ' ')}`);
      if (items.length > max) lines.push('  ' + ctx.t('rollup:and_more', { count: items.length - max }));
    }
    const ranking = rankingLines(ctx, roll);
    if (ranking.length) lines.push('', ...ranking);
    return lines.join('\n');
  };
  return fitToLimit(room, render, MAX_LISTED);
}

/** "🔄 Thay đổi so với bản 1: thêm …; Hộ được hướng dẫn: 100 → 130 hộ". */
export function changeLines(ctx: Ctx, roll: UnitRollup, plan: SendUpPlan, max: number): string[] {
  if (!plan.previous) return [];
  const lines = [ctx.t('rollup:changes_title', { version: plan.previous.version })];
  if (plan.added.length) {
    const names = plan.added.slice(0, max).map((u) => u.name);
    if (plan.added.length > names.length) names.push(ctx.t('rollup:and_more_inline', { count: plan.added.length - names.length }));
    lines.push(ctx.t('rollup:change_added', { count: plan.added.length, names: names.join('; ') }));
  }
  const shown = plan.changes.slice(0, Math.max(max, 3));
  for (const ch of shown) {
    const ind = indicator(roll, ch.key);
    const name = label(ctx, roll, ch.key);
    if (typeof ch.before === 'string' || typeof ch.after === 'string' || ind?.type === 'text') {
      lines.push(ctx.t('rollup:change_text', { label: name }));
      continue;
    }
    const fmt = (v: number | undefined) => (v === undefined ? ctx.t('rollup:change_none') : num(ctx, v));
    lines.push(ctx.t('rollup:change_value', { label: name, before: fmt(ch.before), after: withUnit(ctx, fmt(ch.after), ind) }));
  }
  if (plan.changes.length > shown.length) lines.push(ctx.t('rollup:and_more', { count: plan.changes.length - shown.length }));
  return lines;
}

/** The posted roll-up: who sent which version, what changed, then the summary. */
export function upwardText(ctx: Ctx, profile: Profile, roll: UnitRollup, plan: SendUpPlan, version: number, late: boolean, leaders: Leaders, room: Room): string {
  const period = periodLabel(ctx.t, roll.period);
  const head = (max: number) => {
    const first = plan.previous
      ? ctx.t('rollup:received_update', { unit: roll.unit.name, period, version, previous: plan.previous.version })
      : ctx.t('rollup:received', { unit: roll.unit.name, period, version });
    const lines = [first + (late ? ' ' + ctx.t('rollup:received_late') : '')];
    const changes = changeLines(ctx, roll, plan, max);
    if (changes.length) lines.push(...changes);
    lines.push('');
    return lines;
  };
  return summaryText(ctx, profile, roll, { title: 'sent', leaders, head }, room);
}

/**
 * Why a send-up asks first: the levels below with units missing, or whose deadline has not come;
 * undefined when nothing needs asking.
 */
export function confirmText(ctx: Ctx, profile: Profile, roll: UnitRollup, parent: Unit, leaders: Leaders, room: Room): string | undefined {
  const depths = roll.result.byDepth.filter((c) => c.expected > 0);
  const pending = depths.filter((c) => {
    const due = c.level ? dueAt(profile, c.level, roll.period) : undefined;
    return c.missing > 0 || (due !== undefined && ctx.now.getTime() < due.getTime());
  });
  if (pending.length === 0) return undefined;
  const missing = pending.some((c) => c.missing > 0);
  const render = (max: number) => {
    const lines = [ctx.t(missing ? 'rollup:confirm_missing' : 'rollup:confirm_early', { period: periodLabel(ctx.t, roll.period), parent: parent.name })];
    for (const c of pending) {
      lines.push('');
      lines.push(...completenessBlock(ctx, profile, c, leaders, max));
      const due = c.level ? dueAt(profile, c.level, roll.period) : undefined;
      if (due) lines.push(ctx.t('rollup:confirm_due', { level: kindLabel(ctx, profile, c).toLocaleLowerCase(ctx.locale), due: dueWithDays(ctx.t, ctx.now, due, profile.timezone) }));
    }
    lines.push('', ctx.t(missing ? 'rollup:confirm_missing_effect' : 'rollup:confirm_early_effect'), ctx.t('rollup:confirm_q', { parent: parent.name }));
    return lines.join('\n');
  };
  // room for the numbered answers on platforms without buttons
  return fitToLimit({ ...room, max: room.max - 200 }, render, MAX_LISTED);
}
