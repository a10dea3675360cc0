/**
 * Reports in chat: /baocao with "label: value" lines, the guided dialog, /mau (a template to copy
 * and send back, or to answer by replying), the confirmation of the normalised echo, and amending.
 * Nothing is stored until the leader confirms.
 */
import type { Unit } from '../../db/schema';
import { permits, policies, type RolesAt } from '../../app/access';
import { choosePeriod, closedBy, periodState, reportSpec, storeReport, type ReportSpec } from '../../app/reporting';
import { afterReportStored } from '../../app/reminders';
import { parsePeriodKey, periodKey, type Period } from '../../domain/calendar';
import { parseReport, templateLines, type ParseError } from '../../domain/report/parse';
import { getIndicator, type ResolvedIndicator } from '../../domain/indicators';
import { teamRuleFor } from '../../domain/profile';
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
  return (r) => permits(policies.submitReport, r, unit, ctx.svc.profile(unit.profile));
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
  const profile = ctx.svc.profile(unit.profile);
  const period = choosePeriod(profile, args, ctx.now);
  if (!period) {
    ctx.reply(ctx.t('common:bad_period', { text: args }));
    return undefined;
  }
  const state = await periodState(ctx.db, unit, periodKey(period));
  if (state.closedBy) {
    ctx.reply(ctx.t('report:closed', { period: periodLabel(ctx.t, period), parent: state.closedBy.name }));
    return undefined;
  }
  return { unit, period, spec: reportSpec(profile, unit, period), version: state.version };
}

function errorLine(ctx: Ctx, e: ParseError, indicators: readonly ResolvedIndicator[]): string {
  const label = (key?: string) => {
    const ind = key ? (indicators.find((i) => i.key === key) ?? getIndicator(key)) : undefined;
    return ind ? ind.short[ctx.locale] : (key ?? '');
  };
  const params = {
    line: e.line,
    text: e.text,
    label: label(e.key),
    suggestion: e.suggestion ? label(e.suggestion) : '',
    bound: e.bound,
    boundLabel: label(e.boundKey),
    first: e.firstLine,
  };
  let key = `report:err_${e.code}`;
  if (e.code === 'unknown_label' && e.key) key = 'report:err_not_collected';
  else if (e.code === 'unknown_label' && e.suggestion) key = 'report:err_unknown_label_suggest';
  return '• ' + ctx.t(key, params);
}

/** Parse, then either list every bad line or show the normalised echo and ask to confirm. */
async function check(ctx: Ctx, tg: Target, body: string): Promise<void> {
  const r = parseReport(body, { indicators: tg.spec.indicators, bounds: tg.spec.bounds });
  if (r.errors.length > 0) {
    const lines = r.errors.map((e) => errorLine(ctx, e, tg.spec.indicators));
    ctx.reply([ctx.t('report:has_errors', { count: r.errors.length }), ...lines, '', ctx.t('report:fix_and_resend')].join('\n'), {
      context: { flow: 'report', data: { unitId: tg.unit.id, period: periodKey(tg.period) } },
      replyHint: ctx.t('report:reply_hint_send'),
    });
    return;
  }
  if (Object.keys(r.values).length === 0) {
    ctx.reply(ctx.t('report:empty'));
    return;
  }
  if (r.missingRequired.length > 0) {
    const names = r.missingRequired.map((k) => getIndicator(k)?.short[ctx.locale] ?? k).join(', ');
    ctx.reply(ctx.t('report:missing_required', { names }), {
      context: { flow: 'report', data: { unitId: tg.unit.id, period: periodKey(tg.period) } },
      replyHint: ctx.t('report:reply_hint_send'),
    });
    return;
  }
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
      count: tg.spec.indicators.length,
    }) + (tg.version > 0 ? '\n' + ctx.t('report:guided_amend', { version: tg.version }) : ''),
  );
  await askIndicator(ctx, tg, 0, {});
}

async function askIndicator(ctx: Ctx, tg: Target, i: number, values: Record<string, number | string>): Promise<void> {
  const ind = tg.spec.indicators[i];
  if (!ind) {
    if (Object.keys(values).length === 0) {
      await ctx.endDialog();
      ctx.reply(ctx.t('report:empty'));
      return;
    }
    return confirmValues(ctx, tg, values);
  }
  const question = ctx.t(ind.type === 'text' ? 'report:ask_text' : 'report:ask_number', {
    n: i + 1,
    total: tg.spec.indicators.length,
    label: ind.labels[ctx.locale],
    unit: ind.unit[ctx.locale],
  });
  await ctx.ask(question, GUIDED, { unitId: tg.unit.id, period: periodKey(tg.period), version: tg.version, i, values }, undefined, ctx.t('report:reply_hint_value'));
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
  if (!(await authorize(ctx, tg.unit, policies.submitReport))) return;
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
      allow: policies.submitReport,
      run: async (ctx, args, body) => {
        const tg = await target(ctx, 'baocao', args, body);
        if (!tg) return;
        if (body.trim()) return check(ctx, tg, body);
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
        const label = tg.period.cycle === 'month' ? `T${tg.period.index}/${tg.period.year}` : `Q${tg.period.index}/${tg.period.year}`;
        ctx.reply([`${command} ${label}`, ...templateLines(tg.spec.indicators, ctx.locale)].join('\n'), {
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
        const values = { ...(state.data.values as Record<string, number | string>) };
        const f = fold(text);
        if (['xong', 'het', 'done', 'finish'].includes(f)) return askIndicator(ctx, tg, tg.spec.indicators.length, values);
        const ind = tg.spec.indicators[i];
        if (!ind) return ctx.endDialog();
        if (!['bo qua', 'bo', 'skip', '-', 'khong co', 'ko'].includes(f)) {
          const r = parseReport(`${ind.short.vi}: ${text}`, { indicators: tg.spec.indicators, bounds: { ...tg.spec.bounds, ...numeric(values) } });
          const err = r.errors[0];
          if (err) {
            ctx.reply(errorLine(ctx, { ...err, text }, tg.spec.indicators).slice(2) + '\n' + ctx.t('report:ask_again'));
            return;
          }
          Object.assign(values, r.values);
        }
        return askIndicator(ctx, tg, i + 1, values);
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
