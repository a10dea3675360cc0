/**
 * A provincial profile: the policy preset that turns seed documents into data.
 * Levels are data (never branch on a level key in code); the deadline chain, team rules,
 * reminder points and indicators all hang off level keys declared here.
 */
import { z } from 'zod';

const slug = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'chỉ chữ thường, số, "-" hoặc "_"');
const text = z.object({ vi: z.string().min(1), en: z.string().min(1) });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'giờ dạng HH:MM');

export const RoleSchema = z.enum(['leader', 'deputy', 'member', 'collaborator']);
export type TeamRole = z.infer<typeof RoleSchema>;

export const LevelSchema = z.object({
  /** stable key used by the rest of the profile (e.g. "commune") */
  key: slug,
  name: text,
  /** local names of units at this level, for display and import (thôn, bản, ấp, khóm, tổ dân phố) */
  localNames: z.array(z.string()).default([]),
  /**
   * Pattern for the group chat title, or absent when the province leaves names free.
   * Placeholders: {name} (the unit's short name), {parent} / {parent.parent} … (ancestors' short names),
   * {root} (the province's short name).
   */
  groupName: z.string().optional(),
});
export type Level = z.infer<typeof LevelSchema>;

export const TeamRuleSchema = z.object({
  /** the level whose units have teams of this kind */
  level: slug,
  kind: z.enum(['community', 'steering']),
  size: z.object({
    min: z.number().int().nonnegative().optional(),
    max: z.number().int().positive().optional(),
  }),
  /** what happens to a join over `size.max`: refuse it, or offer the collaborator role instead */
  overflow: z.enum(['refuse', 'collaborator']).default('refuse'),
  leader: z.object({
    count: z.number().int().nonnegative().default(1),
    /** required position of the leader, e.g. village head; shown in errors, checked by the approver */
    position: z.string().optional(),
  }),
  deputy: z.object({
    max: z.number().int().nonnegative().default(0),
    position: z.string().optional(),
    /** may a deputy do what a leader may (submit, propose members)? */
    actsAsLeader: z.boolean().default(false),
  }),
  /** seed reference shown with every rule failure, e.g. "Yên Bái 456/KH-BCĐ mục 3.1.b" */
  source: z.string(),
});
export type TeamRule = z.infer<typeof TeamRuleSchema>;

/** When a level's report for a period is due, relative to the period's last month. */
export const DueSchema = z.object({
  level: slug,
  /**
   * `day: N` = "before day N": due at 00:00 local of day N (so day N itself is late).
   * `day: "last"` = "on the last day": due at 24:00 of the month's last day.
   */
  day: z.union([z.number().int().min(1).max(31), z.literal('last')]),
  /** 0 = the period's last month, 1 = the month after */
  monthOffset: z.number().int().min(0).max(2).default(0),
  source: z.string(),
});
export type Due = z.infer<typeof DueSchema>;

export const ReminderSchema = z.object({
  /** days before the due day on which to remind, at `hour` (3 and 1 → the 13th and the 15th for "before day 16") */
  daysBefore: z.array(z.number().int().positive()).default([3, 1]),
  /** days after the due instant's day on which to send the overdue notice (0 = the due day itself) */
  overdueDaysAfter: z.array(z.number().int().nonnegative()).default([0]),
  hour: hhmm.default('08:00'),
  quietHours: z.object({ from: hhmm, to: hhmm }).default({ from: '21:00', to: '07:00' }),
  /** move a reminder point that falls on a public holiday (Tết included) to the next working day */
  skipHolidays: z.boolean().default(true),
  /** does a deadline that falls on a public holiday move to the next working day? */
  deadlineMovesOffHoliday: z.boolean().default(false),
  /** the nudge ladder, each step switchable */
  ladder: z
    .object({
      privateMessage: z.boolean().default(true),
      group: z.boolean().default(true),
      parentProgress: z.boolean().default(true),
      approverAfterDeadline: z.boolean().default(true),
    })
    .default({ privateMessage: true, group: true, parentProgress: true, approverAfterDeadline: true }),
});
export type Reminders = z.infer<typeof ReminderSchema>;

export const OneOffDeadlineSchema = z.object({
  id: slug,
  title: text,
  level: slug,
  /** local date-time the report is due, e.g. "2023-09-15T24:00" is end of the 15th; "2023-10-01T00:00" = before the 1st */
  dueLocal: z.string().regex(/^\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})$/),
  source: z.string(),
});
export type OneOffDeadline = z.infer<typeof OneOffDeadlineSchema>;

export const IndicatorUseSchema = z.object({
  /** a key of the indicator catalogue (src/domain/indicators.ts) */
  key: slug,
  /** levels that report this indicator themselves; absent = every level with a deadline */
  levels: z.array(slug).optional(),
  required: z.boolean().default(false),
  /** target as a share of a denominator indicator or unit attribute (0.8 of households) */
  target: z
    .object({ share: z.number().positive().max(1), of: slug, source: z.string() })
    .optional(),
});
export type IndicatorUse = z.infer<typeof IndicatorUseSchema>;

export const ProfileSchema = z
  .object({
    id: slug,
    name: text,
    /** seed document (shared/seeds) this profile is drawn from */
    source: z.string(),
    timezone: z.string().default('Asia/Ho_Chi_Minh'),
    locale: z.enum(['vi', 'en']).default('vi'),
    /** root first: province → … → village */
    levels: z.array(LevelSchema).min(2),
    teams: z.array(TeamRuleSchema).min(1),
    approval: z.object({
      /** level whose approver (chairman or delegate) decides membership changes */
      level: slug,
      /** pending requests older than this are listed to the approver again */
      remindAfterDays: z.number().int().positive().default(3),
      source: z.string(),
    }),
    reporting: z.object({
      cycle: z.enum(['month', 'quarter']),
      /** one entry per reporting level, lowest level first */
      deadlines: z.array(DueSchema).min(1),
      reminders: ReminderSchema.default(ReminderSchema.parse({})),
      oneOff: z.array(OneOffDeadlineSchema).default([]),
      /** a note shown to admins where the seed is silent and a value was chosen */
      note: z.string().optional(),
    }),
    indicators: z.array(IndicatorUseSchema).min(1),
  })
  .superRefine((p, ctx) => {
    const keys = new Set(p.levels.map((l) => l.key));
    if (keys.size !== p.levels.length) ctx.addIssue({ code: 'custom', path: ['levels'], message: 'trùng khoá cấp' });
    const check = (key: string, path: (string | number)[]) => {
      if (!keys.has(key)) ctx.addIssue({ code: 'custom', path, message: `không có cấp "${key}" trong levels` });
    };
    p.teams.forEach((t, i) => check(t.level, ['teams', i, 'level']));
    check(p.approval.level, ['approval', 'level']);
    p.reporting.deadlines.forEach((d, i) => check(d.level, ['reporting', 'deadlines', i, 'level']));
    p.reporting.oneOff.forEach((d, i) => check(d.level, ['reporting', 'oneOff', i, 'level']));
    p.indicators.forEach((ind, i) => ind.levels?.forEach((l, j) => check(l, ['indicators', i, 'levels', j])));
  });

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;

export class ProfileError extends Error {
  constructor(
    readonly profile: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`Hồ sơ "${profile}" không hợp lệ:\n` + issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'));
  }
}

/** Validate a raw profile object; throws ProfileError naming the path of every bad field. */
export function parseProfile(name: string, raw: unknown): Profile {
  const r = ProfileSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new ProfileError(
    name,
    r.error.issues.map((i) => ({ path: i.path.join('.') || '(gốc)', message: i.message })),
  );
}

/** Position of a level in the tree, 0 = root. */
export function levelIndex(p: Profile, key: string): number {
  const i = p.levels.findIndex((l) => l.key === key);
  if (i < 0) throw new Error(`level ${key} not in profile ${p.id}`);
  return i;
}

export function childLevel(p: Profile, key: string): Level | undefined {
  return p.levels[levelIndex(p, key) + 1];
}

export function parentLevel(p: Profile, key: string): Level | undefined {
  const i = levelIndex(p, key);
  return i > 0 ? p.levels[i - 1] : undefined;
}

export function teamRuleFor(p: Profile, level: string): TeamRule | undefined {
  return p.teams.find((t) => t.level === level);
}

export function dueFor(p: Profile, level: string): Due | undefined {
  return p.reporting.deadlines.find((d) => d.level === level);
}

export function indicatorsFor(p: Profile, level: string): IndicatorUse[] {
  return p.indicators.filter((i) => !i.levels || i.levels.includes(level));
}
