import { splitReopenArgs } from '../../src/chat/features/reopen';

describe('/moky arguments', () => {
  it.each([
    ['Q4/2026 Tân Lộc', { period: 'Q4/2026', query: 'Tân Lộc' }],
    ['quý 4 2026 Ấp 3', { period: 'quý 4 2026', query: 'Ấp 3' }],
    ['Thôn Rạch Gốc T11/2026', { period: 'T11/2026', query: 'Thôn Rạch Gốc' }],
    ['binh dinh', { period: '', query: 'binh dinh' }],
    ['2026-Q4 demo:two-tier-2025.1.2', { period: '2026-Q4', query: 'demo:two-tier-2025.1.2' }],
    ['', { period: '', query: '' }],
  ])('%s', (args, expected) => {
    expect(splitReopenArgs(args)).toEqual(expected);
  });
});
