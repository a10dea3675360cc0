/**
 * Vietnamese text folding for every name and label match: diacritics off, đ/Đ → d, lower case,
 * punctuation and runs of spaces collapsed. "Thôn Nà Pồng" and "thon   na pong" fold alike, and so
 * do the two tone-mark placements "Hoà"/"Hòa".
 */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Folded and without spaces: "V N e I D" and "vneid" match, "hộ hướng dẫn" → "hohuongdan". */
export function foldTight(s: string): string {
  return fold(s).replace(/ /g, '');
}

/** Strip the administrative type prefix ("Xã ", "Phường ", "Tỉnh ", "Thành phố "…) from an official name. */
const TYPE_PREFIXES = [
  'Thành phố', 'Thị xã', 'Thị trấn', 'Tỉnh', 'Huyện', 'Quận', 'Phường', 'Xã', 'Đặc khu',
  'Thôn', 'Bản', 'Ấp', 'Khóm', 'Tổ dân phố', 'Khu phố', 'Làng', 'Buôn', 'Sóc', 'Xóm', 'Khu',
];
export function shortName(official: string): string {
  const name = official.trim().replace(/\s+/g, ' ');
  for (const p of TYPE_PREFIXES) {
    if (name.startsWith(p + ' ') && name.length > p.length + 1) return name.slice(p.length + 1);
  }
  return name;
}
