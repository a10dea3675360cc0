/**
 * The indicator catalogue as data: the zod schema of `catalogue/indicators.yaml` (loaded by
 * src/app/catalogue.ts, the way profiles are) and the phrase canonicaliser built from its synonyms.
 *
 * A province adds phrasings without code: an alias on an indicator ("ho vao nhom zalo thon"), or a
 * synonym group read as one phrase everywhere a label is matched (`[tai khoan, tk]`: "TK DVC" is
 * "tài khoản DVC"). Pure: no I/O here.
 */
import { z } from 'zod';
import { fold } from './text';

const slug = z.string().regex(/^[a-z][a-z0-9_]*$/, 'chỉ chữ thường, số hoặc "_"');
const text = z.object({ vi: z.string().min(1), en: z.string().min(1) });

const AggregationSchema = z.union([
  z.enum(['sum', 'latest', 'text']).transform((kind) => ({ kind })),
  z.object({ kind: z.literal('ratio'), numerator: slug, denominator: slug, scale: z.number().positive() }),
]);

export const IndicatorEntrySchema = z.object({
  key: slug,
  /** long official label */
  labels: text,
  /** short label for echoes and templates */
  short: text.refine((t) => t.vi.length <= 40, 'nhãn ngắn tối đa 40 ký tự'),
  /** unit word ("hộ"); absent for text */
  unit: text.optional(),
  type: z.enum(['count', 'decimal', 'text']),
  aggregation: AggregationSchema.default({ kind: 'sum' }),
  shareOf: slug.optional(),
  boundBy: slug.optional(),
  reference: z.boolean().optional(),
  reportable: z.boolean().default(true),
  /** counted from the team roster where the level has teams: never typed there */
  fromRoster: z.boolean().optional(),
  /** phrasings people type, matched after folding (diacritics, case, punctuation ignored) */
  aliases: z.array(z.string().min(1)).default([]),
  source: z.string().min(1),
});

export const CatalogueSchema = z
  .object({
    /** phrase groups used interchangeably in labels; every member is read as the first */
    synonyms: z.array(z.array(z.string().min(1)).min(2)).default([]),
    /** filler words dropped from every label before matching ("đã", "mới": "Số hộ đã được hướng dẫn") */
    ignore: z.array(z.string().min(1)).default([]),
    /** phrases dropped from the END of a typed label ("trong thôn", "tháng này"): where and when, not what */
    labelTails: z.array(z.string().min(1)).default([]),
    indicators: z.array(IndicatorEntrySchema).min(1),
  })
  .superRefine((c, ctx) => {
    const keys = new Set<string>();
    c.indicators.forEach((ind, i) => {
      if (keys.has(ind.key)) ctx.addIssue({ code: 'custom', path: ['indicators', i, 'key'], message: `trùng khoá "${ind.key}"` });
      keys.add(ind.key);
    });
    const known = (k: string, path: (string | number)[]) => {
      if (!keys.has(k)) ctx.addIssue({ code: 'custom', path, message: `không có chỉ tiêu "${k}" trong danh mục` });
    };
    c.indicators.forEach((ind, i) => {
      if (ind.shareOf) known(ind.shareOf, ['indicators', i, 'shareOf']);
      if (ind.boundBy) known(ind.boundBy, ['indicators', i, 'boundBy']);
      if (ind.aggregation.kind === 'ratio') {
        known(ind.aggregation.numerator, ['indicators', i, 'aggregation', 'numerator']);
        known(ind.aggregation.denominator, ['indicators', i, 'aggregation', 'denominator']);
      }
      if ((ind.type === 'text') !== (ind.aggregation.kind === 'text')) {
        ctx.addIssue({ code: 'custom', path: ['indicators', i, 'aggregation'], message: 'chỉ tiêu dạng chữ phải có aggregation: text (và ngược lại)' });
      }
      if (ind.type !== 'text' && !ind.unit) ctx.addIssue({ code: 'custom', path: ['indicators', i, 'unit'], message: 'chỉ tiêu dạng số cần đơn vị' });
    });
    const seen = new Map<string, number>();
    c.synonyms.forEach((group, i) =>
      group.forEach((p, j) => {
        const f = fold(p);
        if (!f) ctx.addIssue({ code: 'custom', path: ['synonyms', i, j], message: 'cụm từ rỗng' });
        const other = seen.get(f);
        if (other !== undefined && other !== i) ctx.addIssue({ code: 'custom', path: ['synonyms', i, j], message: `"${p}" đã có ở nhóm ${other + 1}` });
        seen.set(f, i);
      }),
    );
  });

export type CatalogueFile = z.infer<typeof CatalogueSchema>;

export class CatalogueError extends Error {
  constructor(
    readonly file: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`Danh mục chỉ tiêu "${file}" không hợp lệ:\n` + issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'));
  }
}

/** Validate a raw catalogue object; throws CatalogueError naming the path of every bad field. */
export function parseCatalogue(name: string, raw: unknown): CatalogueFile {
  const r = CatalogueSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new CatalogueError(
    name,
    r.error.issues.map((i) => ({ path: i.path.join('.') || '(gốc)', message: i.message })),
  );
}

/**
 * A canonicaliser over folded text: every synonym phrase (whole words) becomes its group's first
 * phrase, longest phrases first. "tk ngan hang" → "tai khoan ngan hang".
 */
export function makeCanon(synonyms: readonly (readonly string[])[], ignore: readonly string[] = []): (folded: string) => string {
  const to = new Map<string, string>();
  for (const group of synonyms) {
    const head = fold(group[0]!);
    for (const p of group.slice(1)) to.set(fold(p), head);
  }
  for (const w of ignore) to.set(fold(w), '');
  if (to.size === 0) return (s) => s;
  const phrases = [...to.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(`(?<![a-z0-9])(?:${phrases.map(escape).join('|')})(?![a-z0-9])`, 'g');
  const cache = new Map<string, string>();
  return (folded) => {
    let out = cache.get(folded);
    if (out === undefined) {
      out = folded.replace(re, (m) => to.get(m) ?? m).replace(/ {2,}/g, ' ').trim();
      if (cache.size > 20_000) cache.clear();
      cache.set(folded, out);
    }
    return out;
  };
}

function escape(p: string): string {
  return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Drops any run of the given phrases from the end of a folded label ("ho huong dan trong thon thang nay" → "ho huong dan"). */
export function makeTailStrip(tails: readonly string[]): (folded: string) => string {
  if (tails.length === 0) return (s) => s;
  const phrases = tails.map(fold).sort((a, b) => b.length - a.length);
  const re = new RegExp(`(?:\\s(?:${phrases.map(escape).join('|')}))+$`);
  return (folded) => folded.replace(re, '');
}
