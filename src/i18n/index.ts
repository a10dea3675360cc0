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

export function t(locale: Locale, key: string, params?: TOptions): string {
  // strings without parameters never change once loaded: translate each once
  if (!params) {
    const id = `${locale}|${key}`;
    let s = STATIC.get(id);
    if (s === undefined) STATIC.set(id, (s = get().t(key, { lng: locale }) as string));
    return s;
  }
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
