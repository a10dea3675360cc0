/**
 * Reports in chat: /baocao with "label: value" lines, the guided dialog, /mau (a template to copy
 * and send back, or to answer by replying), the confirmation of the normalised echo, and amending.
 * Nothing is stored until the leader confirms.
 */
import type { Unit } from '../../db/schema';
import { permits, policies, type RolesAt } from '../../app/access';
import { periodState, readPeriod, reportSpec, storeReport, type PeriodState, type ReportSpec } from '../../app/reporting';
import { afterReportStored } from '../../app/reminders';
import { parsePeriodKey, periodKey, splitPeriodPrefix, titlePeriodText, type Period } from '../../domain/calendar';
import { parseReport, templateLines, type ParseError, type ParseResult, type ReportValues } from '../../domain/report/parse';
import { diffReport, mergeReport, mergedBoundErrors, replaceFlag, splitClears, type ValueChange } from '../../domain/report/amend';
import { getIndicator, type ResolvedIndicator } from '../../domain/indicators';
import { teamRuleFor, type Profile } from '../../domain/profile';
import { fold } from '../../domain/text';
import { otherChats, routeFor } from '../deliver';
import { getUnit } from '../../store/units';
import type { Ctx, DialogState } from '../context';
import type { Feature } from '../feature';
import { dueWithDays, formatNumber, periodLabel, valueLines } from '../../i18n/format';
import { authorize, resolveUnit } from '../scope';

const CONFIRM = 'report-confirm';
const GUIDED = 'report-guided';

/** Leaders submit for their team's unit; at levels without teams, the unit's officers do. */
export function maySubmit(ctx: Ctx, unit: Unit): (r: RolesAt) => boolean {
  return (r) => permits(policies.submitReport, r, unit, ctx.svc.profile(unit.profile));
}

interface Target {
  unit: Unit;
  period: Period;
  spec: ReportSpec;
  /** the unit's latest version for the period (0 = none yet) */
  version: number;
  /** the latest version's values (what people typed): a correction merges into them */
  base?: ReportValues;
  /** `/baocao thaythe`: the typed lines replace the latest version whole */
  replace?: boolean;
  /** the level above has already sent its roll-up up: a report now arrives after it */
  sentUpBy?: Unit;
  /** correcting an echo not confirmed yet: the typed lines merge into these values */
  pending?: ReportValues;
}

/** Amending a version the level above has sent up: who can reopen the period, and how. */
function closedText(ctx: Ctx, unit: Unit, period: Period, parent: Unit): string {
  return ctx.t('report:closed', { period: periodLabel(ctx.t, period), parent: parent.name, unit: unit.name });
}

/** Unit, permission and period for a report command; undefined after telling the user why not. */
async function target(ctx: Ctx, cmd: string, args: string, body: string): Promise<Target | undefined> {
  const unit = await resolveUnit(ctx, { cmd, args, body });
  if (!unit) return undefined;
  const profile = ctx.svc.profile(unit.profile);
  const { replace, rest } = replaceFlag(args);
  const period = periodOrSay(ctx, profile, cmd, rest, body, unit.level);
  if (!period) return undefined;
  const state = await periodState(ctx.db, unit, periodKey(period));
  if (state.closedBy) {
    ctx.reply(closedText(ctx, unit, period, state.closedBy));
    return undefined;
  }
  return { unit, period, spec: reportSpec(profile, unit, period), version: state.version, base: state.values, replace, sentUpBy: state.sentUpBy };
}

/**
 * The period a report command's arguments start with ("T11/2026", "tháng 11", "quý 4", "2026-Q4", none
 * = the open one); undefined after telling the user what to type (a month for a quarterly profile
 * names the quarter to use).
 */
function periodOrSay(ctx: Ctx, profile: Profile, cmd: string, args: string, body: string, level: string): Period | undefined {
  const text = splitPeriodPrefix(args).period;
  // none on the command line: the one a title line of the report names ("BÁO CÁO THÁNG 11"), a month
  // read as its quarter where the profile reports by quarter
  const title = text ? undefined : titlePeriodText(commandText(args, body));
  if (title) {
    const t = readPeriod(profile, title, ctx.now, level);
    if (t.ok) return t.period;
    if (t.reason === 'wrong_cycle' && t.suggested.cycle === 'quarter') return t.suggested;
  }
  const r = readPeriod(profile, text, ctx.now, level);
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
function noteLines(ctx: Ctx, tg: Target, r: ParseResult, typed: readonly ResolvedIndicator[], kept: ReportValues | undefined): string[] {
  const roster = typed.length !== tg.spec.indicators.length;
  const out: string[] = [];
  for (const sk of r.skipped) {
    const ind = getIndicator(sk.key);
    const label = ind?.short[ctx.locale] ?? sk.key;
    const fromRoster = roster && ind?.fromRoster && tg.spec.indicators.some((i) => i.key === sk.key);
    out.push('ℹ️ ' + ctx.t(fromRoster ? 'report:skipped_roster' : 'report:skipped_not_collected', { line: sk.line, text: sk.text, label }));
  }
  const empty = kept ? r.ignored.filter((i) => i.reason === 'empty' && i.key && !r.missingRequired.includes(i.key) && kept[i.key] === undefined) : [];
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
  const cleared = splitClears(body, { indicators: typed });
  const r = parseReport(cleared.body, { indicators: typed, bounds: tg.spec.bounds });
  // in a correction, a line left empty (a template line) keeps the latest version's value
  const kept = mergedValues(tg, {}, []);
  const merged = mergedValues(tg, r.values, cleared.clears);
  // in a correction a line left empty changes nothing: nothing to say about it
  const notes = noteLines(ctx, tg, r, typed, tg.base || tg.pending ? undefined : kept);
  const errors = [
    ...r.errors.filter((e) => !(e.code === 'empty_value' && e.key && kept[e.key] !== undefined)),
    ...mergedBoundErrors(typed, r, merged, cleared.body.split(/\r\n|\r|\n/)),
  ].sort((a, b) => a.line - b.line);
  if (errors.length > 0) {
    const lines = errors.map((e) => errorLine(ctx, e, typed, tg.unit));
    ctx.reply(
      [ctx.t('report:has_errors', { count: errors.length }), ...lines, ...(notes.length ? ['', ...notes] : []), '', ctx.t('report:fix_and_resend')].join('\n'),
      {
        context: { flow: 'report', data: { unitId: tg.unit.id, period: periodKey(tg.period) } },
        replyHint: ctx.t('report:reply_hint_send'),
      },
    );
    return;
  }
  // a correction needs only the lines it changes: required values may come from the latest version
  const missing = r.missingRequired.filter((k) => merged[k] === undefined);
  // nothing read at all; labels left empty with required ones among them go on to the follow-up
  const hasEmptyLines = r.ignored.some((i) => i.reason === 'empty');
  if (Object.keys(r.values).length === 0 && cleared.clears.length === 0 && (!hasEmptyLines || missing.length === 0)) {
    ctx.reply([...notes, ctx.t(tg.pending ? 'report:echo_reply_hint' : 'report:empty')].join('\n'));
    return;
  }
  if (missing.length > 0) {
    const names = missing.map((k) => getIndicator(k)?.short[ctx.locale] ?? k).join(', ');
    const ask = Object.keys(r.values).length ? 'report:missing_ask' : 'report:missing_ask_nothing';
    ctx.reply([...notes, ctx.t(ask, { count: missing.length, names })].join('\n'));
    await askIndicator(ctx, tg, 0, r.values, missing);
    return;
  }
  if (notes.length) ctx.reply(notes.join('\n'));
  await confirmValues(ctx, tg, r.values, cleared.clears);
}

/** The typed values merged into the echo being corrected, else into the latest version (unless replacing). */
function mergedValues(tg: Target, typed: ReportValues, clears: readonly string[]): ReportValues {
  return mergeReport(tg.pending ?? tg.base, typed, clears, !!tg.replace && !tg.pending);
}

function valueText(ctx: Ctx, ind: ResolvedIndicator, v: number | string): string {
  if (typeof v !== 'number') return v;
  const unit = ind.unit[ctx.locale];
  return `${formatNumber(ctx.locale, v)}${unit ? ' ' + unit : ''}`;
}

/** The whole report, changed lines marked "✏️ label: old → new", the others plain. */
function echoLines(ctx: Ctx, indicators: readonly ResolvedIndicator[], values: ReportValues, changes: Record<string, ValueChange>): string[] {
  const out: string[] = [];
  for (const ind of indicators) {
    const c = changes[ind.key];
    const label = ind.short[ctx.locale];
    if (!c) {
      out.push(...valueLines(ctx.locale, [ind], values));
    } else if (c.new === undefined) {
      out.push(ctx.t('report:echo_cleared', { label, old: valueText(ctx, ind, c.old!) }));
    } else if (c.old === undefined) {
      out.push(ctx.t('report:echo_added', { label, value: valueText(ctx, ind, c.new) }));
    } else {
      out.push(ctx.t('report:echo_changed', { label, old: valueText(ctx, ind, c.old), value: valueText(ctx, ind, c.new) }));
    }
  }
  return out;
}

/**
 * The echo to confirm: the whole resulting report (a correction merged into the latest version),
 * changed lines marked. A correction that changes nothing is said so, and nothing is asked.
 */
async function confirmValues(ctx: Ctx, tg: Target, typed: ReportValues, clears: readonly string[] = []): Promise<void> {
  const values = mergedValues(tg, typed, clears);
  const against = tg.base ?? tg.pending;
  const changes = against ? diffReport(against, values) : {};
  const changed = Object.keys(changes).length;
  if (tg.base && changed === 0) {
    await ctx.endDialog();
    ctx.reply(ctx.t('report:no_change', { period: periodLabel(ctx.t, tg.period), unit: tg.unit.name, version: tg.version }));
    return;
  }
  if (Object.keys(values).length === 0) {
    await ctx.endDialog();
    ctx.reply(ctx.t('report:empty'));
    return;
  }
  const lines = [ctx.t('report:echo_title', { period: periodLabel(ctx.t, tg.period), unit: tg.unit.name }), ...echoLines(ctx, tg.spec.indicators, values, changes)];
  if (tg.sentUpBy && tg.version === 0) {
    lines.push('', ctx.t('report:will_be_after_rollup', { parent: tg.sentUpBy.name }));
  } else if (tg.spec.dueAt && ctx.now.getTime() >= tg.spec.dueAt.getTime()) {
    lines.push('', ctx.t('report:will_be_late', { due: dueWithDays(ctx.t, ctx.now, tg.spec.dueAt, ctx.profile?.timezone ?? 'Asia/Ho_Chi_Minh') }));
  }
  if (tg.version > 0) {
    lines.push('', ctx.t(tg.replace ? 'report:will_replace' : 'report:will_amend', { version: tg.version + 1, prev: tg.version, count: changed }));
    if (tg.sentUpBy) lines.push(ctx.t('report:will_tell_parent', { parent: tg.sentUpBy.name }));
  } else if (tg.pending && changed > 0) {
    lines.push('', ctx.t('report:echo_corrected', { count: changed }));
  }
  lines.push('', ctx.t('report:confirm_q'));
  await ctx.ask(
    lines.join('\n'),
    CONFIRM,
    { unitId: tg.unit.id, period: periodKey(tg.period), values, version: tg.version, ...(tg.replace ? { replace: true } : {}) },
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

/** The dialog's unit and period, where they stand now (latest version, roll-up above). */
async function targetFromState(ctx: Ctx, data: Record<string, unknown>): Promise<(Target & { state: PeriodState }) | undefined> {
  const unit = ctx.unit?.id === Number(data.unitId) ? ctx.unit : await getUnit(ctx.db, Number(data.unitId));
  const period = parsePeriodKey(String(data.period));
  if (!unit || !period) return undefined;
  ctx.useUnit(unit);
  const state = await periodState(ctx.db, unit, periodKey(period));
  return {
    unit,
    period,
    spec: reportSpec(ctx.svc.profile(unit.profile), unit, period),
    version: state.version,
    base: state.values,
    sentUpBy: state.sentUpBy,
    ...(data.replace ? { replace: true } : {}),
    state,
  };
}

async function submitConfirmed(ctx: Ctx, state: DialogState): Promise<void> {
  await ctx.endDialog();
  const tg = await targetFromState(ctx, state.data);
  if (!tg || !ctx.person) return;
  if (!(await authorize(ctx, tg.unit, policies.submitReport))) return;
  // where the period stands, read once for this event (the permission check reads no reports)
  const st = tg.state;
  if (st.closedBy) {
    ctx.reply(closedText(ctx, tg.unit, tg.period, st.closedBy));
    return;
  }
  // someone stored another version since the echo: the merge was made on an older one
  if (state.data.version !== undefined && Number(state.data.version) !== st.version) {
    ctx.reply(ctx.t('report:stale', { version: st.version }));
    return;
  }
  const values = state.data.values as ReportValues;
  const rep = await storeReport(ctx.db, {
    unit: tg.unit,
    teamId: ctx.link?.team_id ?? null,
    period: tg.period,
    values,
    personId: ctx.person.id,
    at: ctx.now,
    profile: ctx.svc.profile(tg.unit.profile),
    afterRollup: !!st.sentUpBy && st.version === 0,
  });
  const parts = [ctx.t(rep.version > 1 ? 'report:saved_amended' : 'report:saved', { period: periodLabel(ctx.t, tg.period), unit: tg.unit.name, version: rep.version })];
  if (st.sentUpBy) {
    // the level above has sent up without this version: its group is told, its next /guilen sends it
    // the parent's groups, or its officers and leaders in private (app/delivery)
    const where = await routeFor(ctx, st.sentUpBy, 'officers');
    const links = otherChats(ctx, where);
    const params = { unit: tg.unit.name, parent: st.sentUpBy.name, period: periodLabel(ctx.t, tg.period), version: rep.version, count: Object.keys(diffReport(st.values ?? {}, values)).length };
    for (const chat of links) ctx.send(chat, ctx.t(st.version === 0 ? 'report:parent_told_late' : 'report:parent_told_amended', params));
    if (st.version === 0) parts.push(ctx.t('report:saved_after_rollup'));
    parts.push(ctx.t(links.length ? 'report:saved_parent_told' : 'report:saved_parent_no_group', params));
  } else if (rep.late) parts.push(ctx.t('report:saved_late'));
  if (tg.spec.rollsUp) parts.push(ctx.t('report:own_lines_hint'));
  // a reply to this message with corrected lines amends the report
  ctx.reply(parts.join('\n'), { context: { flow: 'report', data: { unitId: tg.unit.id, period: periodKey(tg.period) } } });
  // every child of the parent has now reported: tell the parent group at once (claimed once, in this transaction)
  ctx.out.push(...(await afterReportStored(ctx.db, ctx.svc.profile(tg.unit.profile), tg.unit, tg.period, ctx.now, ctx.svc.delivery)));
}

export const reporting: Feature = {
  commands: [
    {
      names: ['baocao', 'report'],
      allow: policies.submitReport,
      run: async (ctx, args, body) => {
        const tg = await target(ctx, 'baocao', args, body);
        if (!tg) return;
        const text = commandText(replaceFlag(args).rest, body);
        if (text.trim()) return check(ctx, tg, text);
        return startGuided(ctx, tg);
      },
    },
    {
      names: ['mau', 'template'],
      allow: policies.submitReport,
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
      // lines typed instead of yes/no (or a reply to the echo) correct the echo: merged, echoed again
      onText: async (ctx, state, text) => {
        const tg = await targetFromState(ctx, state.data);
        if (!tg) return ctx.endDialog();
        if (!(await authorize(ctx, tg.unit, policies.submitReport))) return;
        return check(ctx, { ...tg, pending: state.data.values as ReportValues }, text);
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
      if (!(await authorize(ctx, unit, policies.submitReport))) return;
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
