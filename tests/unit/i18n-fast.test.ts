/**
 * t() builds strings with plain {{name}} placeholders itself (the per-event path is hot); the text
 * must be exactly what i18next gives, for every string of both languages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCALES, t, tSlow } from '../../src/i18n';

function keys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

const dir = path.join(__dirname, '../../locales');
const cases: [string, string, string][] = [];
for (const locale of LOCALES) {
  for (const f of fs.readdirSync(path.join(dir, locale)).filter((x) => x.endsWith('.json'))) {
    const ns = f.slice(0, -5);
    const json = JSON.parse(fs.readFileSync(path.join(dir, locale, f), 'utf8')) as Record<string, unknown>;
    for (const k of keys(json)) cases.push([locale, `${ns}:${k.replace(/_(one|other|zero|few|many|two)$/, '')}`, String(k)]);
  }
}

describe('t() with parameters', () => {
  it('gives exactly what i18next gives, for every string of both languages (text, numbers, missing and extra parameters)', () => {
    let compared = 0;
    for (const [locale, key] of cases) {
      const lng = locale as (typeof LOCALES)[number];
      const raw = tSlow(lng, key);
      const names = [...raw.matchAll(/\{\{\s*-?\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]!);
      const text = Object.fromEntries(names.map((n) => [n, `«${n} $t(common:error) {{x}} 1.000»`]));
      const nums = Object.fromEntries(names.map((n, i) => [n, i + 0.5]));
      const partial = Object.fromEntries(names.slice(1).map((n) => [n, n]));
      for (const params of [text, nums, partial, { ...text, extra: 'x' }, { ...text, count: 1 }, { ...text, count: 3 }]) {
        expect(t(lng, key, params)).toBe(tSlow(lng, key, params));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
