/** Validation of the rows of a village list (`commune_code,village_name,kind,households`). */
import type { Profile } from '../../domain/profile';
import { fold } from '../../domain/text';
import { normName } from './csv';
import { ImportError } from './errors';
import { VILLAGE_KINDS } from './formats';

export interface VillageRow {
  communeCode: string;
  name: string;
  /** fold(name) */
  search: string;
  kind: string;
  households: number | null;
  line: number;
}

function capitalise(s: string): string {
  return s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);
}

function villageKinds(profile: Profile, villageLevel: string): Map<string, string> {
  const m = new Map<string, string>();
  const level = profile.levels.find((l) => l.key === villageLevel);
  for (const k of [...VILLAGE_KINDS, ...(level?.localNames ?? [])]) m.set(fold(k), k.normalize('NFC').toLocaleLowerCase('vi'));
  return m;
}

/** The validator of one file's rows (it remembers the villages seen so far, to refuse duplicates). */
export function villageRows(profile: Profile): (record: string[], line: number) => VillageRow {
  const kinds = villageKinds(profile, profile.levels[profile.levels.length - 1]!.key);
  // village key → its line, for duplicates
  const seen = new Map<string, number>();
  const kindCache = new Map<string, string>();

  return (record, line) => {
    const [communeCode, rawName, rawKind, rawHouseholds] = record as [string, string, string, string];
    if (!/^\d{5}$/.test(communeCode)) {
      throw new ImportError(`mã xã "${communeCode}" phải gồm 5 chữ số`, `commune_code must be 5 digits`, line);
    }
    const kind = kinds.get(kindCache.get(rawKind) ?? kindCache.set(rawKind, fold(rawKind)).get(rawKind)!);
    if (!kind) {
      throw new ImportError(
        `loại "${rawKind}" không hợp lệ, cần một trong: ${[...new Set(kinds.values())].join(', ')}`,
        `kind must be one of ${[...new Set(kinds.values())].join(', ')}`,
        line,
      );
    }
    let households: number | null = null;
    if (rawHouseholds !== '') {
      if (!/^\d+$/.test(rawHouseholds) || !Number.isSafeInteger(Number(rawHouseholds))) {
        throw new ImportError(
          `số hộ "${rawHouseholds}" phải là số nguyên không âm`,
          'households must be a non-negative integer',
          line,
        );
      }
      households = Number(rawHouseholds);
    }
    let name = normName(rawName);
    let search = fold(name);
    if (search === '') throw new ImportError(`tên thôn "${rawName}" không có chữ`, 'village_name has no letters', line);
    const kindFolded = kindCache.get(rawKind)!;
    if (!search.startsWith(kindFolded + ' ')) {
      name = `${capitalise(kind)} ${name}`;
      search = `${kindFolded} ${search}`;
    }
    const key = `${communeCode}|${search}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ImportError(
        `thôn "${name}" của xã ${communeCode} trùng với dòng ${first}`,
        `duplicate village, same as line ${first}`,
        line,
      );
    }
    seen.set(key, line);
    return { communeCode, name, search, kind, households, line };
  };
}
