/**
 * `reminders plan|run|oneoff-add|oneoff-list|oneoff-remove`: the reminder scheduler for operators and
 * demos (src/app/reminders.ts). `plan` shows what would be sent when, as the database stands now;
 * `run` runs the tick for one instant (exactly once, like the scheduler; `--dry-run` writes nothing).
 */
import { Reminders, type PointPlan, type RunResult } from '../app/reminders';
import { getProfile } from '../app/profiles';
import { localInstant, localParts, periodKey } from '../domain/calendar';
import { OneOffDeadlineSchema } from '../domain/profile';
import { addOneOff, oneOffsByProfile, removeOneOff } from '../store/reminders';
import { CliError, requiredOption, stringOption, UsageError, type CliContext, type CliGroup, type ParsedArgs } from './command';
import { resolveProfile } from './profile-arg';

async function openMigrated(ctx: CliContext) {
  return (await ctx.openDb()).db;
}

function tzOf(ctx: CliContext): string {
  return ctx.config().TZ_NAME;
}

/** "2026-12-13T08:00+07:00" (an offset or Z: that instant), or a local wall time "2026-12-13T08:00" / "2026-12-13". */
export function parseInstant(text: string, tz: string): Date {
  const s = text.trim();
  if (/([zZ]|[+-]\d{2}:?\d{2})$/.test(s) && /T/.test(s)) {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new UsageError(`Thời điểm không hợp lệ: "${text}"`, `invalid instant "${text}"`);
    return d;
  }
  try {
    return localInstant(s, tz);
  } catch (e) {
    throw new UsageError((e as Error).message, `invalid instant "${text}"`);
  }
}

function when(at: Date, tz: string): string {
  const p = localParts(at, tz);
  return `${p.isoDate} ${p.time}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Lines describing one planned point: a header, then each message (to whom, which chat). */
export function describePlan(plan: PointPlan, tz: string, opts: { summary?: boolean; limit?: number } = {}): string[] {
  const sp = plan.point;
  const subject = sp.period ? periodKey(sp.period) : `oneoff:${sp.oneOffId}`;
  const messages = plan.items.reduce((n, x) => n + x.to.length, 0);
  const lines = [
    `${when(sp.point.at, tz)}  ${plan.profile}  ${subject} · ${sp.level} · ${sp.point.id} (hạn/due ${when(sp.point.dueAt, tz)}): ` +
      `${plan.missing}/${plan.expected} chưa báo cáo (missing), ${messages} tin nhắn (messages)`,
  ];
  if (opts.summary) return lines;
  const limit = opts.limit ?? 50;
  let shown = 0;
  for (const item of plan.items) {
    if (shown >= limit) {
      shown += item.to.length;
      continue;
    }
    item.render().forEach((m, i) => {
      if (shown++ >= limit) return;
      const who = m.mentions?.length ? ` @${m.mentions.map((x) => x.name).join(', @')}` : '';
      const kind = item.kind === 'unit' ? (item.to[i]!.audience === 'private' ? 'riêng/private' : 'nhóm/group') : item.kind === 'parent' ? 'tiến độ/progress' : 'chủ tịch/approver';
      lines.push(`  → ${m.chat.platform}:${m.chat.id} [${kind}] ${firstLine(m.text)}${who}`);
    });
  }
  if (shown > limit) lines.push(`  … ${shown - limit} tin nhắn khác (more messages)`);
  if (plan.unreachable.length) lines.push(`  ⚠ chưa liên kết nhóm (no linked group): ${plan.unreachable.map((u) => u.name).join('; ')}`);
  if (plan.parentsWithoutGroup.length) lines.push(`  ⚠ cấp trên chưa liên kết nhóm (parent without group): ${plan.parentsWithoutGroup.map((u) => u.name).join('; ')}`);
  return lines;
}

export function describeRun(r: RunResult, tz: string, dryRun: boolean): string[] {
  const lines = [`${dryRun ? 'Chạy thử (dry run)' : 'Đã chạy (ran)'} lúc ${when(r.now, tz)}: ${r.messages} tin nhắn ${dryRun ? 'sẽ được' : 'đã được'} xếp hàng (${dryRun ? 'messages would be queued' : 'messages queued'})`];
  if (r.points.length === 0) lines.push('  Không có mốc nhắc nào đến hạn (no reminder point due).');
  for (const p of r.points) {
    lines.push(...describePlan(p.plan, tz, { limit: 20 }));
    if (p.skippedItems) lines.push(`  (${p.skippedItems} mục đã gửi trước đó, bỏ qua — already sent, skipped)`);
  }
  return lines;
}

function intOption(args: ParsedArgs, name: string, fallback: number): number {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} phải là số nguyên không âm`, `--${name} must be a non-negative integer`);
  return n;
}

export const remindersGroup: CliGroup = {
  name: 'reminders',
  summary: 'Nhắc hạn báo cáo (reminders and escalation)',
  commands: [
    {
      name: 'plan',
      usage: '--from 2026-12-01 --to 2026-12-31 [--profile ID] [--summary] [--limit 50]',
      summary: 'Các tin nhắc sẽ gửi, khi nào, cho ai, nhóm nào (what would be sent when, to whom)',
      help: 'Theo dữ liệu hiện tại: đơn vị đã báo cáo thì không được nhắc. Ngày theo giờ địa phương, --to tính cả ngày.\n(As the database stands now; dates are local and --to is inclusive.)',
      options: { from: { type: 'string' }, to: { type: 'string' }, profile: { type: 'string' }, summary: { type: 'boolean' }, limit: { type: 'string' } },
      async run(ctx, args) {
        const tz = tzOf(ctx);
        const from = parseInstant(requiredOption(args, 'from'), tz);
        const toText = requiredOption(args, 'to');
        const to = parseInstant(/^\d{4}-\d{2}-\d{2}$/.test(toText) ? `${toText}T24:00` : toText, tz);
        if (to.getTime() <= from.getTime()) throw new UsageError('--to phải sau --from', '--to must be after --from');
        const db = await openMigrated(ctx);
        const profile = stringOption(args, 'profile');
        const plans = await new Reminders({ db }).planBetween(from, to, profile);
        if (plans.length === 0) ctx.out('Không có mốc nhắc nào trong khoảng này (no reminder point in range).');
        const summary = args.values.summary === true;
        const limit = intOption(args, 'limit', 50);
        for (const p of plans) for (const l of describePlan(p, tz, { summary, limit })) ctx.out(l);
      },
    },
    {
      name: 'run',
      usage: '--at 2026-12-13T08:00+07:00 [--dry-run]',
      summary: 'Chạy lượt nhắc cho một thời điểm, mỗi tin chỉ một lần (run the tick for an instant, exactly once)',
      help: 'Như bộ lập lịch: nhìn lại 7 ngày, mỗi hạn chỉ mốc gần nhất còn hiệu lực. --dry-run không ghi gì.\n(Like the scheduler: 7-day look-back, the latest live point per deadline. --dry-run writes nothing.)',
      options: { at: { type: 'string' }, 'dry-run': { type: 'boolean' } },
      async run(ctx, args) {
        const tz = tzOf(ctx);
        const at = stringOption(args, 'at') !== undefined ? parseInstant(requiredOption(args, 'at'), tz) : ctx.now();
        const dryRun = args.values['dry-run'] === true;
        const db = await openMigrated(ctx);
        const r = await new Reminders({ db }).runDue(at, { dryRun });
        for (const l of describeRun(r, tz, dryRun)) ctx.out(l);
      },
    },
    {
      name: 'oneoff-add',
      usage: '--profile ID --id ds-thanh-vien --level commune --due 2026-12-20T24:00 --title "…" [--title-en "…"] [--source "…"]',
      summary: 'Thêm một hạn báo cáo đột xuất để nhắc (add a one-off deadline)',
      help: '--due là giờ địa phương; "T24:00" là hết ngày đó (local time; T24:00 = end of that day).',
      options: {
        profile: { type: 'string' },
        id: { type: 'string' },
        level: { type: 'string' },
        due: { type: 'string' },
        title: { type: 'string' },
        'title-en': { type: 'string' },
        source: { type: 'string' },
      },
      async run(ctx, args) {
        const profile = resolveProfile(requiredOption(args, 'profile'));
        const title = requiredOption(args, 'title');
        const parsed = OneOffDeadlineSchema.safeParse({
          id: requiredOption(args, 'id'),
          level: requiredOption(args, 'level'),
          dueLocal: requiredOption(args, 'due'),
          title: { vi: title, en: stringOption(args, 'title-en') ?? title },
          source: stringOption(args, 'source') ?? 'CLI',
        });
        if (!parsed.success) {
          throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), 'invalid one-off deadline');
        }
        const d = parsed.data;
        if (!profile.levels.some((l) => l.key === d.level)) {
          throw new UsageError(`Cấp "${d.level}" không có trong hồ sơ ${profile.id} (${profile.levels.map((l) => l.key).join(', ')})`, 'unknown level');
        }
        localInstant(d.dueLocal, profile.timezone); // a real date
        const db = await openMigrated(ctx);
        const existing = [...profile.reporting.oneOff, ...((await oneOffsByProfile(db)).get(profile.id) ?? [])];
        if (existing.some((x) => x.id === d.id)) throw new CliError(`Đã có hạn "${d.id}" trong hồ sơ ${profile.id}`, 'one-off id already used');
        await addOneOff(db, profile.id, d, ctx.now());
        ctx.out(`Đã thêm hạn "${d.id}" (${d.title.vi}) cho cấp ${d.level}, hạn ${d.dueLocal} — hồ sơ ${profile.id} (added)`);
      },
    },
    {
      name: 'oneoff-list',
      usage: '[--profile ID]',
      summary: 'Các hạn đột xuất: của hồ sơ và do quản trị thêm (one-off deadlines)',
      options: { profile: { type: 'string' } },
      async run(ctx, args) {
        const only = stringOption(args, 'profile');
        const db = await openMigrated(ctx);
        const added = await oneOffsByProfile(db);
        const ids = new Set([...added.keys(), ...(only ? [only] : [])]);
        if (only) for (const id of [...ids]) if (id !== only) ids.delete(id);
        let n = 0;
        for (const id of [...ids].sort()) {
          let fromProfile: { id: string; level: string; dueLocal: string; title: { vi: string } }[] = [];
          try {
            fromProfile = getProfile(id).reporting.oneOff;
          } catch {
            /* a profile file not shipped: list the added ones only */
          }
          for (const d of fromProfile) ctx.out(`${id}  ${d.id}  ${d.level}  ${d.dueLocal}  ${d.title.vi}  (hồ sơ/profile)`), n++;
          for (const d of added.get(id) ?? []) ctx.out(`${id}  ${d.id}  ${d.level}  ${d.dueLocal}  ${d.title.vi}  (thêm/added)`), n++;
        }
        if (n === 0) ctx.out('Không có hạn đột xuất nào (no one-off deadline).');
      },
    },
    {
      name: 'oneoff-remove',
      usage: '--profile ID --id ID',
      summary: 'Xóa một hạn đột xuất do quản trị thêm (remove an added one-off deadline)',
      options: { profile: { type: 'string' }, id: { type: 'string' } },
      async run(ctx, args) {
        const db = await openMigrated(ctx);
        const profile = requiredOption(args, 'profile');
        const id = requiredOption(args, 'id');
        if (!(await removeOneOff(db, profile, id))) throw new CliError(`Không có hạn "${id}" do quản trị thêm trong hồ sơ ${profile}`, 'no such added one-off');
        ctx.out(`Đã xóa hạn "${id}" (removed)`);
      },
    },
  ],
};
