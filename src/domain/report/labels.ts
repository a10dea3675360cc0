/**
 * Label matching for the report parser: a typed label → indicator key, and the closest known label
 * when a typed one matches nothing.
 */
import { fold, untelex } from '../text';
import { CATALOGUE, buildLabelIndex, canonical, catalogueOrder, labelForms, labelKey, stripLabelTail, type IndicatorDef } from '../indicators';

/** Words people put between a label and its value ("VNeID là 30", "hộ hướng dẫn được 45"). */
const TRAILING_FILLERS = new Set(['la', 'duoc', 'co', 'dat', 'gom', 'tong', 'tong cong', 'cong']);

export interface LabelIndex {
  /** tight form → key, the report's own indicators first, then the rest of the catalogue */
  lookup(label: string): string | undefined;
  /** closest key of the report's own reportable indicators, when one is close enough */
  suggest(label: string): string | undefined;
  /** folded word-prefix forms, longest first, for "label then text without separator" */
  longestPrefix(words: readonly string[]): { key: string; words: number } | undefined;
  /** value type of a key known to the index */
  typeOf(key: string): IndicatorDef['type'] | undefined;
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

function closeEnough(len: number, dist: number): boolean {
  if (len <= 4) return dist <= 1;
  if (len <= 8) return dist <= 2;
  return dist <= Math.floor(len * 0.3);
}

export function createLabelIndex(indicators: readonly IndicatorDef[]): LabelIndex {
  const own = buildLabelIndex(indicators);
  const index = new Map(own);
  const ownKeys = new Set(indicators.map((i) => i.key));
  for (const ind of CATALOGUE) {
    if (ownKeys.has(ind.key)) continue;
    for (const form of labelForms(ind)) if (!index.has(form)) index.set(form, ind.key);
  }
  const suggestForms: { form: string; key: string }[] = [];
  for (const ind of indicators) {
    if (!ind.reportable) continue;
    for (const form of labelForms(ind)) suggestForms.push({ form, key: ind.key });
  }

  const exact = (tight: string): string | undefined => (tight ? index.get(tight) : undefined);

  function lookupFolded(folded: string): string | undefined {
    const hit = exact(canonical(folded).replace(/ /g, ''));
    if (hit) return hit;
    const stripped = stripLabelTail(folded);
    if (stripped !== folded && stripped) {
      const h = exact(canonical(stripped).replace(/ /g, ''));
      if (h) return h;
      folded = stripped;
    }
    // drop filler words and a unit word at the end: "Hộ hướng dẫn là", "Số hộ được hướng dẫn (hộ)"
    const words = folded.split(' ').filter(Boolean);
    while (words.length > 1) {
      const last2 = words.slice(-2).join(' ');
      if (TRAILING_FILLERS.has(last2)) words.splice(-2, 2);
      else if (TRAILING_FILLERS.has(words[words.length - 1]!)) words.pop();
      else break;
      const h = exact(canonical(words.join(' ')).replace(/ /g, ''));
      if (h) return h;
    }
    return undefined;
  }

  function lookup(label: string): string | undefined {
    const attempts = [label, label.replace(/\([^()]*\)/g, ' ')];
    for (const a of attempts) {
      const hit = lookupFolded(fold(a));
      if (hit) return hit;
    }
    // Telex slips: "Khó khawn" is "Khó khăn" typed with the keyboard switched off
    for (const a of attempts) {
      const folded = fold(a);
      const fixed = untelex(folded);
      if (fixed !== folded) {
        const hit = lookupFolded(fixed);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  function suggest(label: string): string | undefined {
    const tight = labelKey(label);
    if (!tight) return undefined;
    let best: { key: string; dist: number } | undefined;
    for (const { form, key } of suggestForms) {
      const dist = levenshtein(tight, form);
      if (!closeEnough(Math.max(tight.length, form.length), dist)) continue;
      if (!best || dist < best.dist || (dist === best.dist && catalogueOrder(key) < catalogueOrder(best.key))) {
        best = { key, dist };
      }
    }
    if (best) return best.key;
    // a known label followed by extra words: "ho huong dan thang nay"
    const words = fold(label).split(' ').filter(Boolean);
    const p = longestPrefix(words);
    return p && indicators.some((i) => i.key === p.key && i.reportable) ? p.key : undefined;
  }

  function longestPrefix(words: readonly string[]): { key: string; words: number } | undefined {
    for (const ws of [words, words.map(untelex)]) {
      for (let n = ws.length; n >= 1; n--) {
        const key = exact(canonical(ws.slice(0, n).join(' ')).replace(/ /g, ''));
        if (key) return { key, words: n };
      }
    }
    return undefined;
  }

  const types = new Map<string, IndicatorDef['type']>(CATALOGUE.map((i) => [i.key, i.type]));
  for (const i of indicators) types.set(i.key, i.type);
  const typeOf = (key: string) => types.get(key);

  return { lookup, suggest, longestPrefix, typeOf };
}
