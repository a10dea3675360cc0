/**
 * The file formats: the GSO lists (3-tier `vn-units-2024.csv`, 2-tier `vn-units-2025.csv`) and
 * village lists (`commune_code,village_name,kind,households`).
 *
 * The format is detected from the header row. CSV tiers map onto the profile's levels by position
 * from the root, and the profile must have exactly one level more than the file (the village level),
 * so a 3-tier list needs a 4-level profile and a 2-tier list a 3-level one.
 */
import { ImportError } from './errors';

export type UnitFileFormat = 'units-2024' | 'units-2025' | 'villages';

/** Header row of each format, in order. */
export const FORMAT_HEADERS: Record<UnitFileFormat, readonly string[]> = {
  'units-2024': ['province_code', 'province_name', 'district_code', 'district_name', 'commune_code', 'commune_name', 'commune_type'],
  'units-2025': ['province_code', 'province_name', 'commune_code', 'commune_name', 'commune_type'],
  villages: ['commune_code', 'village_name', 'kind', 'households'],
};

/** The edition each official list's codes are namespaced with. */
export const FORMAT_EDITION: Record<Exclude<UnitFileFormat, 'villages'>, string> = {
  'units-2024': '2024',
  'units-2025': '2025',
};
export const EDITIONS = Object.values(FORMAT_EDITION);

/** Official tiers of a list, root first, with the digits of their codes. */
export const TIERS: Record<Exclude<UnitFileFormat, 'villages'>, { name: string; digits: number }[]> = {
  'units-2024': [
    { name: 'tỉnh/province', digits: 2 },
    { name: 'huyện/district', digits: 3 },
    { name: 'xã/commune', digits: 5 },
  ],
  'units-2025': [
    { name: 'tỉnh/province', digits: 2 },
    { name: 'xã/commune', digits: 5 },
  ],
};

export const COMMUNE_TYPES = ['Xã', 'Phường', 'Thị trấn', 'Đặc khu'];
export const PROVINCE_KINDS = ['Thành phố', 'Tỉnh'];
export const DISTRICT_KINDS = ['Thành phố', 'Thị xã', 'Quận', 'Huyện'];
/** Village kinds accepted in every profile (a profile's village level may add its own local names). */
export const VILLAGE_KINDS = ['thôn', 'bản', 'ấp', 'khóm', 'tổ dân phố'];

export function detectFormat(header: string[]): UnitFileFormat {
  const h = header.map((c) => c.trim().replace(/^\uFEFF/, '').toLowerCase());
  for (const [format, cols] of Object.entries(FORMAT_HEADERS) as [UnitFileFormat, readonly string[]][]) {
    if (h.length === cols.length && cols.every((c, i) => h[i] === c)) return format;
  }
  throw new ImportError(
    `Không nhận ra định dạng tệp từ dòng tiêu đề "${header.join(',')}". Cần một trong: ` +
      Object.values(FORMAT_HEADERS).map((c) => c.join(',')).join(' | '),
    'unknown file format: the header row matches none of the known formats',
    1,
  );
}
