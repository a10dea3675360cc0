/**
 * The canonical group-chat title from a profile's pattern (Sóc Trăng "CNCĐ_{name}_{parent}",
 * Lai Châu "CNS_{name}_{parent}"). Placeholders: {name}, {parent}, {parent.parent}…, {root}.
 */
import { fold } from './text';

/** `chain` = short names from the root down to the unit itself. */
export function canonicalGroupName(pattern: string, chain: string[]): string {
  const self = chain[chain.length - 1] ?? '';
  return pattern.replace(/\{(name|root|parent(?:\.parent)*)\}/g, (_m, key: string) => {
    if (key === 'name') return self;
    if (key === 'root') return chain[0] ?? '';
    const up = key.split('.').length;
    return chain[chain.length - 1 - up] ?? '';
  });
}

/** Titles match when they fold alike (case, diacritics, spacing and separators ignored). */
export function groupNameMatches(title: string, canonical: string): boolean {
  return fold(title) === fold(canonical);
}
