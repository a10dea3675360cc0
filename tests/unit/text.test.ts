import { fold, foldTight, shortName } from '../../src/domain/text';

describe('fold', () => {
  it.each([
    ['Thôn Nà Pồng', 'thon na pong'],
    ['ĐỒNG ĐĂNG', 'dong dang'],
    ['  Hoà   Bình ', 'hoa binh'],
    ['Hòa Bình', 'hoa binh'],
    ['Số hộ được hướng dẫn:', 'so ho duoc huong dan'],
    ['Phường 5', 'phuong 5'],
    ['Thuỷ / Thủy', 'thuy thuy'],
  ])('%s → %s', (input, out) => expect(fold(input)).toBe(out));

  it('folds NFC and NFD input alike', () => {
    const nfc = 'Nguyễn Văn Ánh'.normalize('NFC');
    const nfd = 'Nguyễn Văn Ánh'.normalize('NFD');
    expect(fold(nfc)).toBe(fold(nfd));
    expect(fold(nfc)).toBe('nguyen van anh');
  });

  it('foldTight drops spaces', () => expect(foldTight('V Ne ID')).toBe('vneid'));
});

describe('shortName', () => {
  it.each([
    ['Phường Yên Thịnh', 'Yên Thịnh'],
    ['Thành phố Hà Nội', 'Hà Nội'],
    ['Tỉnh Cà Mau', 'Cà Mau'],
    ['Thị trấn Yên Thế', 'Yên Thế'],
    ['Phường 5', '5'],
    ['Xã', 'Xã'],
  ])('%s → %s', (input, out) => expect(shortName(input)).toBe(out));
});
