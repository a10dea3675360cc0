/** The webhook trusts a body only as an object with a whole, non-negative update_id (checked without zod, on the hot path). */
import { isUpdateShape, secretMatches } from '../../src/platforms/telegram/webhook';

describe('telegram webhook checks', () => {
  it('takes an object with a whole, non-negative update_id, and nothing else', () => {
    expect(isUpdateShape({ update_id: 0 })).toBe(true);
    expect(isUpdateShape({ update_id: 42, message: { text: 'x' } })).toBe(true);
    for (const bad of [null, undefined, 'x', 5, [], [{ update_id: 1 }], {}, { update_id: -1 }, { update_id: 1.5 }, { update_id: '1' }, { update_id: Number.MAX_SAFE_INTEGER + 1 }, { update_id: NaN }, { update_id: Infinity }]) {
      expect(isUpdateShape(bad)).toBe(false);
    }
  });

  it('compares the secret against the current expected one, also when it changes', () => {
    expect(secretMatches('secret-one_123', 'secret-one_123')).toBe(true);
    expect(secretMatches('secret-one_123', 'secret-two_123')).toBe(false);
    expect(secretMatches('secret-two_123', 'secret-two_123')).toBe(true);
    expect(secretMatches(undefined, 'secret-two_123')).toBe(false);
    expect(secretMatches('secret-one_123', 'secret-one_123')).toBe(true);
  });
});
