/**
 * Reports in chat: /baocao with "label: value" lines, the guided dialog, /mau (a template to copy
 * and send back, or to answer by replying), the confirmation of the normalised echo, and amending.
 * Nothing is stored until the leader confirms.
 */
import type { Unit } from '../../db/schema';
import { leads, type RolesAt } from '../../app/access';
import { closedBy, periodState, readPeriod, reportSpec, storeReport, type ReportSpec } from '../../app/reporting';
import { afterReportStored } from '../../app/reminders';
import { parsePeriodKey, periodKey, splitPeriodPrefix, titlePeriodText, type Period } from '../../domain/calendar';
import { parseReport, templateLines, type ParseError, type ParseResult } from '../../domain/report/parse';
import { getIndicator, type ResolvedIndicator } from '../../domain/indicators';
import { teamRuleFor, type Profile } from '../../domain/profile';
import { fold } from '../../domain/text';
import { getUnit } from '../../store/units';
import type { Ctx, DialogState } from '../context';
import type { Feature } from '../feature';
import { dueWithDays, periodLabel, valueLines } from '../format';
import { authorize, resolveUnit } from '../scope';

const CONFIRM = 'report-confirm';
const GUIDED = 'report-guided';

/** Leaders submit for their team's unit; at levels without teams, the unit's officers do. */
export function maySubmit(ctx: Ctx, unit: Unit): (r: RolesAt) => boolean {
  const rule = teamRuleFor(ctx.svc.profile(unit.profile), unit.level);
  return (r) => leads(r, rule?.deputy.actsAsLeader ?? false) || r.grantsHere.has('officer') || (!rule && r.grants.has('officer'));
}

interface Target {
  unit: Unit;
  period: Period;
  spec: ReportSpec;
  /** the unit's latest version for the period (0 = none yet) */
  version: number;
}

/** Unit, permission and period for a report command; undefined after telling the user why not. */
async function target(ctx: Ctx, cmd: string, args: string, body: string): Promise<Target | undefined> {
  const unit = await resolveUnit(ctx, { cmd, args, body });
  if (!unit) return undefined;
  if (!(await authorize(ctx, unit, maySubmit(ctx, unit), 'common:who_leader'))) return undefined;
  const profile = ctx.svc.profile(unit.profile);
  const period = periodOrSay(ctx, profile, cmd, args, body);
  if (!period) return undefined;
  const state = await periodState(ctx.db, unit, periodKey(period));
  if (state.closedBy) {
    ctx.reply(ctx.t('report:closed', { period: periodLabel(ctx.t, period), parent: state.closedBy.name }));
    return undefined;
  }
  return { unit, period, spec: reportSpec(profile, unit, period), version: state.version };
}

/**
 * The period a report command's arguments start with ("T11/2026", "tháng 11", "quý 4", "2026-Q4", none
 * = the open one); undefined after telling the user what to type (a month for a quarterly profile
 * names the quarter to use).
 */
function periodOrSay(ctx: Ctx, profile: Profile, cmd: string, args: string, body = ''): Period | undefined {
  const text = splitPeriodPrefix(args).period;
  // none on the command line: the one a title line of the report names ("BÁO CÁO THÁNG 11"), a month
  // read as its quarter where the profile reports by quarter
  const title = text ? undefined : titlePeriodText(commandText(args, body));
  if (title) {
    const t = readPeriod(profile, title, ctx.now);
    if (t.ok) return t.period;
    if (t.reason === 'wrong_cycle' && t.suggested.cycle === 'quarter') return t.suggested;
  }
  const r = readPeriod(profile, text, ctx.now);
  if (r.ok) return r.period;
  if (r.reason === 'unreadable') {
    ctx.reply(ctx.t('common:bad_period', { text }));
    return undefined;
  }
  const command = '/' + (cmd === 'mau' ? (ctx.locale === 'vi' ? 'mau' : 'template') : ctx.locale === 'vi' ? 'baocao' : 'report');
  ctx.reply(
    ctx.t(r.suggested.cycle === 'quarter' ? 'report:wrong_cycle_quarter' : 'report:wrong_cycle_month', {
      typed: periodLabel(ctx.t, r.typed),
      period: periodLabel(ctx.t, r.suggested),
      example: `${command} ${periodArg(r.suggested)}`,
    }),
  );
  return undefined;
}

/** `T11/2026`, `Q4/2026`: the period as the template's command line writes it. */
function periodArg(p: Period): string {
  return p.cycle === 'month' ? `T${p.index}/${p.year}` : `Q${p.index}/${p.year}`;
}

/** The report text of a command: the rest of the command line (line 1, as the user counts) and the lines below. */
function commandText(args: string, body: string): string {
  const rest = splitPeriodPrefix(args).rest;
  return body ? `${rest}\n${body}` : rest;
}

const TYPED = new WeakMap<readonly ResolvedIndicator[], ResolvedIndicator[]>();

/**
 * The indicators typed in at this unit's level: without the counts the team roster gives (teams and
 * members) where the level has teams. Cached per resolved list, so the parser's label index is too.
 */
function typedIndicators(ctx: Ctx, tg: Target): ResolvedIndicator[] {
  let list = TYPED.get(tg.spec.indicators);
  if (!list) {
    const roster = !!teamRuleFor(ctx.svc.profile(tg.unit.profile), tg.unit.level);
    list = tg.spec.indicators.filter((i) => !(roster && i.fromRoster));
    TYPED.set(tg.spec.indicators, list);
  }
  return list;
}

function errorLine(ctx: Ctx, e: ParseError, indicators: readonly ResolvedIndicator[], unit?: Unit): string {
  const ind = (key?: string) => (key ? (indicators.find((i) => i.key === key) ?? getIndicator(key)) : undefined);
  const label = (key?: string) => ind(key)?.short[ctx.locale] ?? key ?? '';
  let boundLabel = label(e.boundKey);
  if (e.code === 'above_bound' && (e.boundFrom === 'unit' || !e.boundKey)) {
    const of = e.boundKey ?? e.key;
    const kind = (unit?.kind ?? ctx.t('report:unit_word')).toLowerCase();
    boundLabel = of === 'households_total' ? ctx.t('report:bound_unit_households', { kind }) : ctx.t('report:bound_unit', { label: label(of).toLowerCase(), kind });
  }
  const params = {
    line: e.line,
    text: e.text,
    label: label(e.key),
    suggestion: e.suggestion ? label(e.suggestion) : '',
    bound: e.bound,
    boundLabel,
    first: e.firstLine,
    value: e.value,
    unit: ind(e.key)?.unit[ctx.locale] ?? '',
  };
  let key = `report:err_${e.code}`;
  if (e.code === 'unknown_label' && e.key) key = 'report:err_not_collected';
  else if (e.code === 'unknown_label' && e.suggestion) key = 'report:err_unknown_label_suggest';
  return '• ' + ctx.t(key, params);
}

/** What the parser set aside without refusing the report: lines of indicators not typed here, lines left empty. */
function noteLines(ctx: Ctx, tg: Target, r: ParseResult, typed: readonly ResolvedIndicator[]): string[] {
  const roster = typed.length !== tg.spec.indicators.length;
  const out: string[] = [];
  for (const sk of r.skipped) {
    const ind = getIndicator(sk.key);
    const label = ind?.short[ctx.locale] ?? sk.key;
    const fromRoster = roster && ind?.fromRoster && tg.spec.indicators.some((i) => i.key === sk.key);
    out.push('ℹ️ ' + ctx.t(fromRoster ? 'report:skipped_roster' : 'report:skipped_not_collected', { line: sk.line, text: sk.text, label }));
  }
  const empty = r.ignored.filter((i) => i.reason === 'empty' && i.key && !r.missingRequired.includes(i.key));
  if (empty.length) {
    const items = empty.slice(0, 6).map((i) => ctx.t('report:empty_item', { line: i.line, label: getIndicator(i.key!)?.short[ctx.locale] ?? i.key }));
    if (empty.length > 6) items.push(ctx.t('report:empty_more', { count: empty.length - 6 }));
    out.push('ℹ️ ' + ctx.t('report:skipped_empty', { count: empty.length, items: items.join(', ') }));
  }
  return out;
}

/**
 * Parse, then list every bad line; or keep what was read and ask for the missing required indicators
 * one by one; or show the normalised echo and ask to confirm. Lines of indicators not typed here and
 * lines left empty are named, then set aside.
 */
async function check(ctx: Ctx, tg: Target, body: string): Promise<void> {
  const typed = typedIndicators(ctx, tg);
  const r = parseReport(body, { indicators: typed, bounds: tg.spec.bounds });
  const notes = noteLines(ctx, tg, r, typed);
  if (r.errors.length > 0) {
    const lines = r.errors.map((e) => errorLine(ctx, e, typed, tg.unit));
    ctx.reply(
      [ctx.t('report:has_errors', { count: r.errors.length }), ...lines, ...(notes.length ? ['', ...notes] : []), '', ctx.t('report:fix_and_resend')].join('\n'),
      {
        context: { flow: 'report', data: { unitId: tg.unit.id, period: periodKey(tg.period) } },
        replyHint: ctx.t('report:reply_hint_send'),
      },
    );
    return;
  }
  // nothing read at all; labels left empty with required ones among them go on to the follow-up
  const hasEmptyLines = r.ignored.some((i) => i.reason === 'empty');
  if (Object.keys(r.values).length === 0 && (!hasEmptyLines || r.missingRequired.length === 0)) {
    ctx.reply([...notes, ctx.t('report:empty')].join('\n'));
    return;
  }
  if (r.missingRequired.length > 0) {
    const names = r.missingRequired.map((k) => getIndicator(k)?.short[ctx.locale] ?? k).join(', ');
    const ask = Object.keys(r.values).length ? 'report:missing_ask' : 'report:missing_ask_nothing';
    ctx.reply([...notes, ctx.t(ask, { count: r.missingRequired.length, names })].join('\n'));
    await askIndicator(ctx, tg, 0, r.values, r.missingRequired);
    return;
  }
  if (notes.length) ctx.reply(notes.join('\n'));
  await confirmValues(ctx, tg, r.values);
}

async function confirmValues(ctx: Ctx, tg: Target, values: Record<string, number | string>): Promise<void> {
  const lines = [
    ctx.t('report:echo_title', { period: periodLabel(ctx.t, tg.period), unit: tg.unit.name }),
    ...valueLines(ctx.locale, tg.spec.indicators, values),
  ];
  if (tg.spec.dueAt && ctx.now.getTime() >= tg.spec.dueAt.getTime()) {
    lines.push('', ctx.t('report:will_be_late', { due: dueWithDays(ctx.t, ctx.now, tg.spec.dueAt, ctx.profile?.timezone ?? 'Asia/Ho_Chi_Minh') }));
  }
  if (tg.version > 0) lines.push('', ctx.t('report:will_amend', { version: tg.version + 1 }));
  lines.push('', ctx.t('report:confirm_q'));
  await ctx.ask(
    lines.join('\n'),
    CONFIRM,
    { unitId: tg.unit.id, period: periodKey(tg.period), values },
    [
      { label: ctx.t('common:yes'), value: 'yes', words: ['ok', 'dong y', 'xac nhan', 'gui'] },
      { label: ctx.t('common:no'), value: 'no', words: ['huy', 'khong'] },
    ],
    ctx.t('report:reply_hint_confirm'),
  );
}

async function startGuided(ctx: Ctx, tg: Target): Promise<void> {
  ctx.reply(
    ctx.t('report:guided_intro', {
      period: periodLabel(ctx.t, tg.period),
      unit: tg.unit.name,
      count: typedIndicators(ctx, tg).length,
    }) + (tg.version > 0 ? '\n' + ctx.t('report:guided_amend', { version: tg.version }) : ''),
  );
  await askIndicator(ctx, tg, 0, {});
}

/** The indicators a guided dialog asks, in order: every typed one, or only `keys` (a follow-up for missing ones). */
function guidedList(ctx: Ctx, tg: Target, keys?: readonly string[]): ResolvedIndicator[] {
  const typed = typedIndicators(ctx, tg);
  return keys ? keys.map((k) => typed.find((i) => i.key === k)).filter((i): i is ResolvedIndicator => !!i) : typed;
}

async function askIndicator(ctx: Ctx, tg: Target, i: number, values: Record<string, number | string>, keys?: readonly string[]): Promise<void> {
  const list = guidedList(ctx, tg, keys);
  const ind = list[i];
  if (!ind) {
    if (Object.keys(values).length === 0) {
      await ctx.endDialog();
      ctx.reply(ctx.t('report:empty'));
      return;
    }
    return confirmValues(ctx, tg, values);
  }
  const question = ctx.t(ind.type === 'text' ? 'report:ask_text' : ind.required ? 'report:ask_number_required' : 'report:ask_number', {
    n: i + 1,
    total: list.length,
    label: ind.labels[ctx.locale],
    unit: ind.unit[ctx.locale],
  });
  await ctx.ask(
    question,
    GUIDED,
    { unitId: tg.unit.id, period: periodKey(tg.period), version: tg.version, i, values, ...(keys ? { keys: [...keys] } : {}) },
    undefined,
    ctx.t('report:reply_hint_value'),
  );
}

async function targetFromState(ctx: Ctx, data: Record<string, unknown>): Promise<Target | undefined> {
  const unit = ctx.unit?.id === Number(data.unitId) ? ctx.unit : await getUnit(ctx.db, Number(data.unitId));
  const period = parsePeriodKey(String(data.period));
  if (!unit || !period) return undefined;
  ctx.useUnit(unit);
  return { unit, period, spec: reportSpec(ctx.svc.profile(unit.profile), unit, period), version: Number(data.version ?? 0) };
}

async function submitConfirmed(ctx: Ctx, state: DialogState): Promise<void> {
  await ctx.endDialog();
  const tg = await targetFromState(ctx, state.data);
  if (!tg || !ctx.person) return;
  if (!(await authorize(ctx, tg.unit, maySubmit(ctx, tg.unit), 'common:who_leader'))) return;
  const closer = await closedBy(ctx.db, tg.unit, periodKey(tg.period));
  if (closer) {
    ctx.reply(ctx.t('report:closed', { period: periodLabel(ctx.t, tg.period), parent: closer.name }));
    return;
  }
  const rep = await storeReport(ctx.db, {
    unit: tg.unit,
    teamId: ctx.link?.team_id ?? null,
    period: tg.period,
    values: state.data.values as Record<string, number | string>,
    personId: ctx.person.id,
    at: ctx.now,
    profile: ctx.svc.profile(tg.unit.profile),
  });
  const parts = [ctx.t(rep.version > 1 ? 'report:saved_amended' : 'report:saved', { period: periodLabel(ctx.t, tg.period), unit: tg.unit.name, version: rep.version })];
  if (rep.late) parts.push(ctx.t('report:saved_late'));
  if (tg.spec.rollsUp) parts.push(ctx.t('report:own_lines_hint'));
  ctx.reply(parts.join('\n'));
  // every child of the parent has now reported: tell the parent group at once (claimed once, in this transaction)
  ctx.out.push(...(await afterReportStored(ctx.db, ctx.svc.profile(tg.unit.profile), tg.unit, tg.period, ctx.now)));
}

export const reporting: Feature = {
  commands: [
    {
      names: ['baocao', 'report'],
      run: async (ctx, args, body) => {
        const tg = await target(ctx, 'baocao', args, body);
        if (!tg) return;
        const text = commandText(args, body);
        if (text.trim()) return check(ctx, tg, text);
        return startGuided(ctx, tg);
      },
    },
    {
      names: ['mau', 'template'],
      run: async (ctx, args, body) => {
        const tg = await target(ctx, 'mau', args, body);
        if (!tg) return;
        ctx.reply(ctx.t('report:template_intro', { period: periodLabel(ctx.t, tg.period), unit: tg.unit.name }));
        const command = ctx.locale === 'vi' ? '/baocao' : '/report';
        ctx.reply([`${command} ${periodArg(tg.period)}`, ...templateLines(typedIndicators(ctx, tg), ctx.locale)].join('\n'), {
          context: { flow: 'report', data: { unitId: tg.unit.id, period: periodKey(tg.period) } },
          replyHint: ctx.t('report:reply_hint_send'),
        });
      },
    },
  ],
  flows: {
    [CONFIRM]: {
      onOption: async (ctx, state, value) => {
        if (value === 'yes') return submitConfirmed(ctx, state);
        await ctx.endDialog();
        ctx.reply(ctx.t('report:not_saved'));
      },
    },
    [GUIDED]: {
      onText: async (ctx, state, text) => {
        const tg = await targetFromState(ctx, state.data);
        if (!tg) return ctx.endDialog();
        const i = Number(state.data.i);
        const keys = Array.isArray(state.data.keys) ? (state.data.keys as string[]) : undefined;
        const list = guidedList(ctx, tg, keys);
        const typed = typedIndicators(ctx, tg);
        const values = { ...(state.data.values as Record<string, number | string>) };
        const f = fold(text);
        // "xong" ends early, but never past a required indicator still without a value
        if (['xong', 'het', 'done', 'finish'].includes(f)) {
          const next = list.findIndex((x, j) => j >= i && x.required && values[x.key] === undefined);
          return askIndicator(ctx, tg, next < 0 ? list.length : next, values, keys);
        }
        const ind = list[i];
        if (!ind) return ctx.endDialog();
        if (['bo qua', 'bo', 'skip', '-', 'khong co', 'ko'].includes(f)) {
          if (ind.required && ind.type !== 'text') {
            ctx.reply(ctx.t('report:required_no_skip', { label: ind.short[ctx.locale] }));
            return;
          }
        } else {
          const r = parseReport(`${ind.short.vi}: ${text}`, { indicators: typed, bounds: { ...tg.spec.bounds, ...numeric(values) } });
          const err = r.errors[0];
          if (err) {
            // a bound taken from an earlier answer is this report's own figure, not the unit's
            const fromAnswer = err.boundKey !== undefined && typeof values[err.boundKey] === 'number';
            const shown: ParseError = { ...err, text, line: 1 };
            if (fromAnswer) delete shown.boundFrom;
            ctx.reply(errorLine(ctx, shown, typed, tg.unit).slice(2).replace(/^[^:]*?"[^"]*": /, '') + '\n' + ctx.t('report:ask_again'));
            return;
          }
          Object.assign(values, r.values);
        }
        return askIndicator(ctx, tg, i + 1, values, keys);
      },
    },
  },
  replies: {
    // a reply to a template, a reminder or an error list: the text is the report body
    report: async (ctx, rc, text) => {
      const unit = await getUnit(ctx.db, Number(rc.data?.unitId));
      const period = rc.data?.period ? String(rc.data.period) : '';
      if (!unit) return;
      ctx.useUnit(unit);
      const tg = await target(ctx, 'baocao', period, text);
      if (tg) await check(ctx, tg, text);
    },
  },
};

function numeric(values: Record<string, number | string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number') out[k] = v;
  return out;
}
