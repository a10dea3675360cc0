import fc from 'fast-check';
import { chatWindows, globalWindow, take, waitMs, type Window } from '../../src/outbox/rate-limit';
import { TELEGRAM_LIMITS } from '../../src/platforms/telegram/sender';

describe('outbox rate windows', () => {
  it('Telegram: 30 a second overall; 20 a minute into a group and 10 at once into any chat; private chats have no group window', () => {
    expect(globalWindow('telegram', TELEGRAM_LIMITS)).toEqual({ key: 'telegram', count: 30, windowMs: 1000 });
    expect(chatWindows('telegram', '-100123', TELEGRAM_LIMITS, true)).toEqual([
      { key: 'telegram:c:-100123', count: 10, windowMs: 10_000 },
      { key: 'telegram:g:-100123', count: 20, windowMs: 60_000 },
    ]);
    expect(chatWindows('telegram', '501', TELEGRAM_LIMITS, false)).toEqual([{ key: 'telegram:c:501', count: 10, windowMs: 10_000 }]);
    expect(chatWindows('zalo', 'g-1', { perSecond: 5 }, true)).toEqual([]);
  });

  it('a full window waits exactly until its oldest send leaves it', () => {
    const w: Window = { key: 'k', count: 3, windowMs: 1000 };
    let s: number[] = [];
    for (const t of [0, 100, 200]) {
      expect(waitMs(s, t, w)).toBe(0);
      s = take(s, t, w);
    }
    expect(waitMs(s, 300, w)).toBe(700);
    expect(waitMs(s, 1000, w)).toBe(0);
    expect(take(s, 1000, w)).toEqual([100, 200, 1000]);
    expect(waitMs([], 0, w, 2)).toBe(0);
    expect(waitMs([0, 500], 600, w, 2)).toBe(400); // two more: the oldest must leave
  });

  it('sending whenever the window allows never puts more than `count` in any window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 10, max: 60_000 }),
        fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 200 }),
        (count, windowMs, gaps) => {
          const w: Window = { key: 'k', count, windowMs };
          let s: number[] = [];
          const sent: number[] = [];
          let t = 0;
          for (const g of gaps) {
            t += g;
            if (waitMs(s, t, w) === 0) {
              s = take(s, t, w);
              sent.push(t);
            }
          }
          for (let i = 0; i < sent.length; i++) {
            const inWindow = sent.filter((x) => x >= sent[i]! && x < sent[i]! + windowMs).length;
            if (inWindow > count) return false;
          }
          return true;
        },
      ),
    );
  });
});
