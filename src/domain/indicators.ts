/**
 * The indicator catalogue: types and lookups over the data in `catalogue/indicators.yaml` (research/
 * domain.md §7 plus the few indicators the seeds name that §7 leaves out), validated with zod by
 * src/domain/catalogue.ts and read once by src/app/catalogue.ts.
 *
 * Labels, short labels and aliases are DATA: the report parser matches them after `foldTight`
 * (diacritics, case, spacing and punctuation ignored) and after the catalogue's synonyms
 * ("tk" = "tài khoản", "hỗ trợ" = "hướng dẫn"); no form of one indicator may equal one of another
 * (checked when this module loads).
 */
import { fold, foldTight } from './text';
import { makeCanon, makeTailStrip } from './catalogue';
import type { IndicatorUse } from './profile';
import { shippedCatalogue } from '../app/catalogue';

export interface Bilingual {
  vi: string;
  en: string;
}

/** `count`: integer ≥ 0; `decimal`: number ≥ 0 with a fractional part allowed (hours); `text`: free text. */
export type ValueType = 'count' | 'decimal' | 'text';

export type Aggregation =
  /** add the children's values */
  | { kind: 'sum' }
  /** a stock at period end (teams, members, households): summed across units like `sum` */
  | { kind: 'latest' }
  /** recomputed from summed numerator and denominator × scale, never averaged */
  | { kind: 'ratio'; numerator: string; denominator: string; scale: number }
  /** listed upward with the unit's name */
  | { kind: 'text' };

export interface IndicatorDef {
  key: string;
  /** long official label */
  labels: Bilingual;
  /** short label for echoes and templates */
  short: Bilingual;
  /** folded forms people type; matched with foldTight */
  aliases: readonly string[];
  /** unit word ("hộ", "người"); empty for text */
  unit: Bilingual;
  type: ValueType;
  aggregation: Aggregation;
  /** coverage share recomputed upward: this value ÷ the value of `shareOf` */
  shareOf?: string;
  /** the value may not exceed the value of this key (in the same report, or the unit's known value) */
  boundBy?: string;
  /** describes the unit (denominator) rather than the team's activity */
  reference?: boolean;
  /** false for derived ratios: computed, never typed in */
  reportable: boolean;
  /** counted from the team roster at levels that have teams: never asked or typed there */
  fromRoster?: boolean;
  /** where the indicator is named (domain.md §7 "Named in", or the seed) */
  source: string;
}

/** A catalogue entry as a profile uses it. */
export interface ResolvedIndicator extends IndicatorDef {
  required: boolean;
  target?: { share: number; of: string; source: string };
  levels?: string[];
}

const NO_UNIT: Bilingual = { vi: '', en: '' };
const FILE = shippedCatalogue();

export const CATALOGUE: readonly IndicatorDef[] = FILE.indicators.map((e) => ({
  key: e.key,
  labels: e.labels,
  short: e.short,
  aliases: e.aliases,
  unit: e.unit ?? NO_UNIT,
  type: e.type,
  aggregation: e.aggregation as Aggregation,
  ...(e.shareOf ? { shareOf: e.shareOf } : {}),
  ...(e.boundBy ? { boundBy: e.boundBy } : {}),
  ...(e.reference ? { reference: true } : {}),
  reportable: e.reportable,
  ...(e.fromRoster ? { fromRoster: true } : {}),
  source: e.source,
}));

/** Folded text with the catalogue's synonyms applied ("tk dvc" → "tai khoan dich vu cong"). */
export const canonical: (folded: string) => string = makeCanon(FILE.synonyms, FILE.ignore);

/** A typed label without where/when words at its end ("… trong thôn", "… tháng này"). */
export const stripLabelTail: (folded: string) => string = makeTailStrip(FILE.labelTails);

/** A typed label as matched: folded, synonyms applied, spaces removed. */
export function labelKey(label: string): string {
  return canonical(fold(label)).replace(/ /g, '');
}

/** Indicator keys in catalogue order. */
export const INDICATOR_KEYS: readonly string[] = CATALOGUE.map((i) => i.key);

const BY_KEY = new Map(CATALOGUE.map((i) => [i.key, i]));

export function getIndicator(key: string): IndicatorDef | undefined {
  return BY_KEY.get(key);
}

export function isIndicatorKey(key: string): boolean {
  return BY_KEY.has(key);
}

/** Position in the catalogue (unknown keys sort last). */
export function catalogueOrder(key: string): number {
  const i = INDICATOR_KEYS.indexOf(key);
  return i < 0 ? INDICATOR_KEYS.length : i;
}

/**
 * Every typed form of an indicator, tight-folded: key, official and short labels in both languages,
 * aliases, and each alias/short label with a leading "số"/"số lượng"/"tổng số" (people prefix labels
 * with "Số …" at will).
 */
const FORMS_CACHE = new WeakMap<IndicatorDef, string[]>();

export function labelForms(ind: IndicatorDef): string[] {
  const cached = FORMS_CACHE.get(ind);
  if (cached) return cached;
  const forms = computeLabelForms(ind);
  FORMS_CACHE.set(ind, forms);
  return forms;
}

function computeLabelForms(ind: IndicatorDef): string[] {
  const base = [ind.key, ind.labels.vi, ind.labels.en, ind.short.vi, ind.short.en, ...ind.aliases];
  const forms = new Set<string>();
  for (const b of base) {
    const f = canonical(fold(b));
    if (!f) continue;
    forms.add(foldTight(f));
    for (const p of ['so ', 'so luong ', 'tong so ']) if (!f.startsWith('so ') && !f.startsWith('tong so ')) forms.add(foldTight(p + f));
  }
  return [...forms];
}

/** A label index over a set of indicators: tight-folded form → key. Throws on a collision. */
export function buildLabelIndex(indicators: readonly IndicatorDef[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const ind of indicators) {
    for (const form of labelForms(ind)) {
      const other = index.get(form);
      if (other && other !== ind.key) {
        throw new Error(`indicator label collision: "${form}" is used by ${other} and ${ind.key}`);
      }
      index.set(form, ind.key);
    }
  }
  return index;
}

const CATALOGUE_INDEX = buildLabelIndex(CATALOGUE);

/** The catalogue indicator a typed label names (diacritics, case, spacing ignored). */
export function findIndicatorByLabel(label: string): IndicatorDef | undefined {
  const key = CATALOGUE_INDEX.get(labelKey(label));
  return key ? BY_KEY.get(key) : undefined;
}

export class UnknownIndicatorError extends Error {
  constructor(readonly keys: string[]) {
    super(`unknown indicator key(s): ${keys.join(', ')}`);
  }
}

/**
 * Catalogue entries for a profile's indicator uses, in catalogue order, with `required`, `target`
 * and `levels` from the profile. The numerator and denominator of a ratio indicator are added
 * (not required) when the profile does not list them, so the ratio can be recomputed upward.
 * Throws UnknownIndicatorError naming every key not in the catalogue.
 */
export function resolveIndicators(uses: readonly IndicatorUse[]): ResolvedIndicator[] {
  const unknown = uses.filter((x) => !BY_KEY.has(x.key)).map((x) => x.key);
  if (unknown.length) throw new UnknownIndicatorError(unknown);
  const out = new Map<string, ResolvedIndicator>();
  for (const use of uses) {
    const def = BY_KEY.get(use.key)!;
    out.set(use.key, {
      ...def,
      required: use.required ?? false,
      ...(use.target ? { target: { ...use.target } } : {}),
      ...(use.levels ? { levels: [...use.levels] } : {}),
    });
  }
  for (const use of uses) {
    const def = BY_KEY.get(use.key)!;
    if (def.aggregation.kind !== 'ratio') continue;
    for (const k of [def.aggregation.numerator, def.aggregation.denominator]) {
      if (!out.has(k)) {
        const d = BY_KEY.get(k)!;
        out.set(k, { ...d, required: false, ...(use.levels ? { levels: [...use.levels] } : {}) });
      }
    }
  }
  return [...out.values()].sort((a, b) => catalogueOrder(a.key) - catalogueOrder(b.key));
}

/** The suggested minimal default set (domain.md §7). */
export const MINIMAL_DEFAULT_SET: readonly string[] = [
  'team_count', 'member_count', 'households_supported', 'people_supported', 'vneid_l2', 'dvc_dossiers',
  'payment_accounts', 'ecommerce_accounts', 'sessions_held', 'bdhvs_completed',
  'highlights', 'difficulties', 'proposals', 'next_tasks',
];
