/**
 * Stored unit codes.
 *
 * Both lists reuse official codes with other meanings (province 15 is Yên Bái in 2024 and Lào Cai in
 * 2025; a 2025 commune takes the code of one of the old communes merged into it), so a stored code
 * is namespaced by the list's edition: `2024:15`, `2024:132`, `2024:04249`, `2025:04252`. Within one
 * edition the official codes are unique across tiers (2, 3 and 5 digits). A village has no official
 * code; it gets `<commune unit code>:<folded name, dashed>` (`2024:04249:thon-na-pong`), with a hash
 * tail when that would exceed 32 characters. Codes are unique in the whole database, so a code
 * already owned by another profile's tree is refused rather than moved (level-writer.ts).
 */
import { createHash } from 'node:crypto';
import { fold } from '../../domain/text';

const CODE_MAX = 32;

export function unitCode(edition: string, officialCode: string): string {
  return `${edition}:${officialCode}`;
}

/** The official code inside a stored code ("2024:04249" → "04249"); villages have none. */
export function officialCodeOf(code: string | null): string | undefined {
  const m = code ? /^\d{4}:(\d+)$/.exec(code) : null;
  return m?.[1];
}

/** Deterministic code of a village: the commune's code plus its folded name. */
export function villageCode(communeCode: string, villageName: string): string {
  return villageCodeFromFolded(communeCode, fold(villageName));
}

export function villageCodeFromFolded(communeCode: string, folded: string): string {
  const slug = folded.replace(/ /g, '-');
  const full = `${communeCode}:${slug}`;
  if (full.length <= CODE_MAX) return full;
  const hash = createHash('sha1').update(slug).digest('hex').slice(0, 8);
  const room = CODE_MAX - communeCode.length - 1 - 1 - hash.length;
  return `${communeCode}:${slug.slice(0, Math.max(room, 0)).replace(/-+$/, '')}~${hash}`;
}
