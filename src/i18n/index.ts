/**
 * Every user-facing string comes from locales/<lang>/<feature>.json through i18next.
 * Keys are "<feature>:<key>", e.g. t('vi', 'report:saved', { version: 2 }).
 */
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n, type TOptions } from 'i18next';
import { projectPath } from '../paths';

export type Locale = 'vi' | 'en';
export const LOCALES: readonly Locale[] = ['vi', 'en'];

const LOCALES_DIR = projectPath('locales');

function loadResources(): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const lng of LOCALES) {
    out[lng] = {};
    for (const f of fs.readdirSync(path.join(LOCALES_DIR, lng))) {
      if (!f.endsWith('.json')) continue;
      out[lng]![f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(LOCALES_DIR, lng, f), 'utf8')) as Record<string, unknown>;
    }
  }
  return out;
}

let instance: i18n | undefined;

function get(): i18n {
  if (instance) return instance;
  const resources = loadResources();
  const inst = i18next.createInstance();
  void inst.init({
    resources,
    lng: 'vi',
    fallbackLng: 'vi',
    ns: Object.keys(resources.vi ?? {}),
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });
  instance = inst;
  return inst;
}

const STATIC = new Map<string, string>();

/** i18next's own option names: a call passing one of them always goes through i18next. */
const OPTION_KEYS = new Set(['count', 'context', 'ordinal', 'lng', 'lngs', 'fallbackLng', 'ns', 'defaultValue', 'returnObjects', 'returnDetails', 'joinArrays', 'replace', 'interpolation', 'postProcess', 'keySeparator', 'nsSeparator', 'skipInterpolation', 'nest', 'escapeValue']);
const PLACEHOLDER = /\{\{(\w+)\}\}/g;
/** a string's text split around its plain `{{name}}` placeholders, or null when it has anything else */
type Template = { parts: string[]; names: string[] } | null;
const TEMPLATES = new Map<string, Template>();

function template(locale: Locale, key: string): Template {
  const id = `${locale}|${key}`;
  let tpl = TEMPLATES.get(id);
  if (tpl !== undefined) return tpl;
  tpl = null;
  const i = key.indexOf(':');
  const raw = i > 0 ? get().getResource(locale, key.slice(0, i), key.slice(i + 1)) : undefined;
  // only a string of this locale's own with nothing but {{name}} placeholders (no nesting, formats,
  // plurals or fallbacks, which stay with i18next)
  if (typeof raw === 'string' && !raw.includes('$t(') && raw.split('{{').length - 1 === [...raw.matchAll(PLACEHOLDER)].length) {
    const parts: string[] = [];
    const names: string[] = [];
    let at = 0;
    for (const m of raw.matchAll(PLACEHOLDER)) {
      parts.push(raw.slice(at, m.index));
      names.push(m[1]!);
      at = m.index + m[0].length;
    }
    parts.push(raw.slice(at));
    tpl = { parts, names };
  }
  TEMPLATES.set(id, tpl);
  return tpl;
}

/**
 * The same text i18next gives (interpolation without escaping, variables never re-read), built
 * without it when the string has plain placeholders and every one is given a string or a number.
 */
function fastInterpolate(locale: Locale, key: string, params: Record<string, unknown>): string | undefined {
  for (const k in params) if (OPTION_KEYS.has(k)) return undefined;
  const tpl = template(locale, key);
  if (!tpl) return undefined;
  let out = tpl.parts[0]!;
  for (let j = 0; j < tpl.names.length; j++) {
    const v = params[tpl.names[j]!];
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    out += String(v) + tpl.parts[j + 1]!;
  }
  return out;
}

export function t(locale: Locale, key: string, params?: TOptions): string {
  // strings without parameters never change once loaded: translate each once
  if (!params) {
    const id = `${locale}|${key}`;
    let s = STATIC.get(id);
    if (s === undefined) STATIC.set(id, (s = get().t(key, { lng: locale }) as string));
    return s;
  }
  return fastInterpolate(locale, key, params as Record<string, unknown>) ?? (get().t(key, { lng: locale, ...params }) as string);
}

/** i18next itself, never the fast path (tests compare the two) */
export function tSlow(locale: Locale, key: string, params?: TOptions): string {
  return get().t(key, { lng: locale, ...params }) as string;
}

/** A translator bound to one locale. */
export type T = (key: string, params?: TOptions) => string;
export function translator(locale: Locale): T {
  return (key, params) => t(locale, key, params);
}

export function hasKey(locale: Locale, key: string): boolean {
  return get().exists(key, { lng: locale });
}
