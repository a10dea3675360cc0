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

/**
 * Undo Telex slips in folded text, word by word: Vietnamese typed with the input method switched
 * off leaves its key letters ("khó khawn" → "kho khawn" → "kho khan", "hooj dduwowcj" → "ho duoc").
 * Doubled vowels and `dd` collapse, `w` after a/o/u goes, and a final tone key (s f r x j) after a
 * vowel or a final consonant goes. Only a fallback: folded Vietnamese never needs it.
 */
export function untelex(folded: string): string {
  return folded
    .split(' ')
    .map((w) => {
      if (!/^[a-z]+$/.test(w)) return w;
      let t = w.replace(/dd/g, 'd').replace(/([aeo])\1/g, '$1').replace(/([aou])w/g, '$1').replace(/^w/, 'u');
      if (/[aeiouy](?:ng|nh|ch|[nctpm])?[sfrxj]$/.test(t) && t.length > 2) t = t.slice(0, -1);
      return t;
    })
    .join(' ');
}

/**
 * An incoming message as typed on any phone or PC, normalised once at the edge: Windows (CRLF) and old
 * Mac (CR) line ends and Unicode line separators → "\n", composed Unicode (NFC: decomposed Vietnamese
 * from some keyboards), no-break and narrow spaces → spaces, zero-width spaces, marks and BOMs removed
 * (the emoji joiner U+200D is kept inside, trimmed at the edges).
 */
export function normalizeMessage(s: string): string {
  return s
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(/[\u00a0\u2007\u202f]/g, ' ')
    .replace(/[\u200b\u200c\u200e\u200f\u2060\ufeff]/g, '')
    .replace(/^[\s\u200d]+|[\s\u200d]+$/g, '');
}

/**
 * A message's length counted as a platform that does not say how it counts might count it, at its
 * largest: UTF-16 units of the decomposed (NFD) text, so each Vietnamese tone mark counts apart.
 */
export function decomposedLength(text: string): number {
  return text.normalize('NFD').length;
}
