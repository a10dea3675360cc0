/** Validation of the rows of an official list (units-2024, units-2025). */
import type { Profile } from '../../domain/profile';
import { normName } from './csv';
import { ImportError } from './errors';
import { COMMUNE_TYPES, DISTRICT_KINDS, FORMAT_HEADERS, PROVINCE_KINDS, TIERS, type UnitFileFormat } from './formats';

export interface OfficialRow {
  /** official codes per tier, root first */
  codes: string[];
  names: string[];
  kinds: (string | null)[];
  line: number;
}

const DIGITS = /^\d+$/;

function kindFromName(name: string, kinds: string[]): string | null {
  return kinds.find((k) => name.startsWith(k + ' ')) ?? null;
}

/**
 * The validator of one file's rows (it remembers the codes seen so far), once the profile is found
 * to fit the list's tiers. A row outside `province` (when given) is validated, then dropped
 * (undefined).
 */
export function officialRows(
  format: Exclude<UnitFileFormat, 'villages'>,
  profile: Profile,
  province: string | undefined,
): (record: string[], line: number) => OfficialRow | undefined {
  const tiers = TIERS[format];
  if (profile.levels.length !== tiers.length + 1) {
    throw new ImportError(
      `Tệp ${format} có ${tiers.length} cấp (${tiers.map((t) => t.name).join(' → ')}) nên cần hồ sơ có ` +
        `${tiers.length + 1} cấp (thêm cấp thôn/ấp); hồ sơ "${profile.id}" có ${profile.levels.length} cấp ` +
        `(${profile.levels.map((l) => l.key).join(' → ')})`,
      `profile "${profile.id}" has ${profile.levels.length} levels but a ${tiers.length}-tier file needs ${tiers.length + 1}`,
    );
  }
  const cols = FORMAT_HEADERS[format];
  // per tier: official code → name/kind/parent of the first row that named it
  const tierSeen: Map<string, { name: string; parent: string; line: number }>[] = tiers.map(() => new Map());

  return (record, line) => {
    const codes: string[] = [];
    const names: string[] = [];
    for (let t = 0; t < tiers.length; t++) {
      const code = record[t * 2]!;
      if (code.length !== tiers[t]!.digits || !DIGITS.test(code)) {
        throw new ImportError(
          `mã ${tiers[t]!.name} "${code}" phải gồm ${tiers[t]!.digits} chữ số`,
          `${cols[t * 2]} must be ${tiers[t]!.digits} digits`,
          line,
        );
      }
      codes.push(code);
      names.push(normName(record[t * 2 + 1]!));
    }
    const type = record[cols.length - 1]!;
    if (!COMMUNE_TYPES.includes(type)) {
      throw new ImportError(
        `loại xã "${type}" không hợp lệ, cần một trong: ${COMMUNE_TYPES.join(', ')}`,
        `commune_type must be one of ${COMMUNE_TYPES.join(', ')}`,
        line,
      );
    }
    // one name and one parent per code, across rows
    for (let t = 0; t < tiers.length; t++) {
      const parent = t > 0 ? codes[t - 1]! : '';
      const prev = tierSeen[t]!.get(codes[t]!);
      if (!prev) tierSeen[t]!.set(codes[t]!, { name: names[t]!, parent, line });
      else if (t === tiers.length - 1) {
        throw new ImportError(`mã xã ${codes[t]} trùng với dòng ${prev.line}`, `duplicate commune_code, see line ${prev.line}`, line);
      } else if (prev.name !== names[t] || prev.parent !== parent) {
        throw new ImportError(
          `mã ${tiers[t]!.name} ${codes[t]} mang tên/cấp trên khác với dòng ${prev.line}`,
          `code ${codes[t]} has another name or parent than on line ${prev.line}`,
          line,
        );
      }
    }
    if (province !== undefined && codes[0] !== province) return undefined;
    const kinds: (string | null)[] = names.map((n, t) =>
      t === tiers.length - 1 ? type : kindFromName(n, t === 0 ? PROVINCE_KINDS : DISTRICT_KINDS),
    );
    return { codes, names, kinds, line };
  };
}
