/**
 * What reminders say, through locales/<lang>/reminders.json. A point may concern 100,000 villages,
 * so each text is rendered once per point with holes for the unit's name and people, then filled
 * per unit by string joins (i18next per unit would dominate the planning time).
 */
import type { Period } from '../domain/calendar';
import type { Profile } from '../domain/profile';
import { kindsLabel } from '../domain/rollup';
import { dueWithDays, periodLabel } from '../i18n/format';
import { translator, type Locale, type T } from '../i18n';

/** units named in one list; the rest are counted */
export const MAX_LISTED = 30;

type Fill = (values: Record<string, string>) => string;

/** A translation with holes: rendered once, filled many times. */
function template(t: T, key: string, params: Record<string, unknown>, holes: readonly string[]): Fill {
  const marked: Record<string, unknown> = { ...params };
  for (const h of holes) marked[h] = `\u0001${h}\u0001`;
  const parts = t(key, marked).split('\u0001');
  return (v) => {
    let s = '';
    for (let i = 0; i < parts.length; i++) s += i % 2 === 1 ? (v[parts[i]!] ?? '') : parts[i]!;
    return s;
  };
}

function capitalize(s: string): string {
  return s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);
}

export interface Subject {
  /** set for a periodic report */
  period?: Period;
  /** the one-off deadline's title, for a one-off */
  title?: { vi: string; en: string };
}

export interface PersonName {
  name: string;
}

/** Every text of one reminder point, in the profile's language. */
export class PointTexts {
  readonly t: T;
  readonly locale: Locale;
  readonly what: string;
  /** "còn 3 ngày, hạn trước 00:00 ngày 16/12/2026" as of the sending instant */
  readonly due: string;
  readonly levelWord: string;
  private readonly overdue: boolean;
  private readonly groupTitle: Fill;
  private readonly groupBody: Fill;
  private readonly groupBodyNobody: Fill;
  private readonly who: { leaders: Fill; officers: Fill };
  private readonly withWho: { leaders: Fill; officers: Fill };
  private readonly howOneOff: Fill;
  private readonly privateText: Fill;
  readonly how: string;
  readonly lateNote: string;
  readonly replyHint: string;

  constructor(
    readonly profile: Profile,
    level: string,
    subject: Subject,
    dueAt: Date,
    now: Date,
    kind: 'before' | 'overdue',
    /** the level sends a roll-up of the level below (told /guilen, not /baocao) */
    rollsUp = false,
  ) {
    this.locale = profile.locale;
    const t = (this.t = translator(this.locale));
    this.overdue = kind === 'overdue';
    this.what = subject.period ? periodLabel(t, subject.period) : (subject.title?.[this.locale] ?? '');
    this.due = dueWithDays(t, now, dueAt, profile.timezone);
    this.levelWord = levelWord(profile, level);
    const p = { what: this.what, due: this.due };
    this.groupTitle = template(t, this.overdue ? 'reminders:group_title_overdue' : 'reminders:group_title_before', p, ['unit']);
    this.groupBody = template(t, 'reminders:group_body', p, ['who', 'unit']);
    this.groupBodyNobody = template(t, 'reminders:group_body_nobody', p, ['unit']);
    this.who = { leaders: template(t, 'reminders:who_leaders', {}, ['names']), officers: template(t, 'reminders:who_officers', {}, ['names']) };
    this.withWho = {
      leaders: template(t, 'reminders:with_leaders', {}, ['unit', 'names']),
      officers: template(t, 'reminders:with_officers', {}, ['unit', 'names']),
    };
    this.howOneOff = template(t, 'reminders:how_oneoff', {}, ['parent']);
    this.privateText = template(t, this.overdue ? 'reminders:private_overdue' : 'reminders:private_before', p, ['unit']);
    this.how = subject.period ? t(rollsUp ? 'reminders:how_rollup' : 'reminders:how_periodic') : '';
    this.lateNote = t('reminders:late_still_accepted');
    this.replyHint = t('reminders:reply_hint');
  }

  /**
   * What a report sent now becomes: late after the deadline; after the parent sent its roll-up up,
   * taken after the roll-up with the parent told (the report loop accepts a first report then).
   */
  private lateLine(parent: string | undefined, parentSentUp: boolean): string | undefined {
    if (parentSentUp && parent) return this.t(this.overdue ? 'reminders:after_parent_sent_up_late' : 'reminders:after_parent_sent_up', { parent });
    return this.overdue ? this.lateNote : undefined;
  }

  /** The reminder in a unit's group: title, who and the deadline in words, how to report. */
  group(unit: string, people: readonly PersonName[], role: 'leaders' | 'officers', parent: string | undefined, replyHint: boolean, parentSentUp = false): string {
    const lines = [this.groupTitle({ unit })];
    lines.push(
      people.length
        ? this.groupBody({ unit, who: this.who[role]({ names: people.map((x) => x.name).join(', ') }) })
        : this.groupBodyNobody({ unit }),
    );
    lines.push(this.how || this.howOneOff({ parent: parent ?? '' }));
    const late = this.lateLine(parent, parentSentUp);
    if (late) lines.push(late);
    if (replyHint) lines.push(`↩️ ${this.replyHint}`);
    return lines.join('\n');
  }

  /** The nudge in a leader's private chat. */
  private(unit: string, parent: string | undefined, parentSentUp = false): string {
    const lines = [this.privateText({ unit }), this.how || this.howOneOff({ parent: parent ?? '' })];
    if (parentSentUp && parent) lines.push(this.lateLine(parent, true)!);
    return lines.join('\n');
  }

  /** "Ấp Tân Thành (tổ trưởng Nguyễn Văn An)" */
  unitWithPeople(unit: string, people: readonly PersonName[], role: 'leaders' | 'officers'): string {
    return people.length ? this.withWho[role]({ unit, names: people.map((x) => x.name).join(', ') }) : unit;
  }

  /** "A; B; C … và 12 đơn vị khác": the first MAX_LISTED of `total` items */
  list(items: string[], total = items.length): string {
    const shown = items.slice(0, MAX_LISTED).join('; ');
    return total > MAX_LISTED ? `${shown} ${this.t('reminders:and_more', { count: total - MAX_LISTED })}` : shown;
  }

  /** The progress line in the parent's group: "12/15 thôn đã báo cáo; còn thiếu: …", and the unreachable ones. */
  parent(
    parentName: string,
    actual: number,
    expected: number,
    missing: string[],
    missingTotal: number,
    unreachable: string[],
    unreachableTotal: number,
    nobody: { role: 'leaders' | 'officers'; names: string[]; total: number } = { role: 'leaders', names: [], total: 0 },
    /** the units' own kinds ("thôn, khóm") when they differ from the level's first local name */
    kinds: string = this.levelWord,
  ): string {
    const t = this.t;
    const lines = [
      t(this.overdue ? 'reminders:parent_title_overdue' : 'reminders:parent_title_before', { what: this.what, unit: parentName }),
      t(this.overdue ? 'reminders:parent_count_overdue' : 'reminders:parent_count', {
        actual,
        expected,
        level: kinds,
        names: this.list(missing, missingTotal),
      }),
      capitalize(this.due) + '.',
    ];
    if (unreachableTotal) lines.push(t('reminders:unreachable', { names: this.list(unreachable, unreachableTotal) }));
    if (nobody.total) lines.push(t(nobody.role === 'leaders' ? 'reminders:nobody_leaders' : 'reminders:nobody_officers', { names: this.list(nobody.names, nobody.total) }));
    return lines.join('\n');
  }

  /** The line addressed to the approver when the escalation joins a group's progress message. */
  approverInGroup(approvers: readonly PersonName[], missing: string[], missingTotal: number): string {
    return this.t('reminders:approver_in_group', { names: approvers.map((a) => a.name).join(', '), list: this.list(missing, missingTotal) });
  }

  /** The escalation to the approver (chairman) after the deadline. */
  approver(unitName: string, approvers: readonly PersonName[], missing: string[], missingTotal: number): string {
    const t = this.t;
    const params = { unit: unitName, count: missingTotal, due: this.due, list: this.list(missing, missingTotal) };
    return [
      t('reminders:approver_title', { what: this.what, unit: unitName }),
      approvers.length
        ? t('reminders:approver_body', { ...params, names: approvers.map((a) => a.name).join(', ') })
        : t('reminders:approver_body_nobody', params),
    ].join('\n');
  }
}

/** "✅ 15/15 thôn đã báo cáo quý 4/2026. Báo cáo tổng hợp của … đã sẵn sàng …" */
export function readyText(profile: Profile, level: string, period: Period, parentName: string, expected: number, canSendUp: boolean, kinds?: Record<string, number>): string {
  const t = translator(profile.locale);
  return t(canSendUp ? 'reminders:ready_send_up' : 'reminders:ready', {
    actual: expected,
    expected,
    level: levelWord(profile, level, kinds),
    what: periodLabel(t, period),
    unit: parentName,
  });
}

/**
 * What the units of a level are called in a line: in Vietnamese their own kinds where the unit list
 * gives them ("thôn, khóm"; most common first), else the level's first local name; in English the
 * level's name.
 */
export function levelWord(profile: Profile, level: string, kinds: Record<string, number> | undefined = undefined): string {
  const l = profile.levels.find((x) => x.key === level);
  if (profile.locale !== 'vi') return l?.name.en.toLowerCase() ?? level;
  const own = kinds ? kindsLabel(kinds, l?.localNames ?? []) : '';
  return own || (l?.localNames[0] ?? l?.name.vi.toLocaleLowerCase('vi') ?? level);
}
