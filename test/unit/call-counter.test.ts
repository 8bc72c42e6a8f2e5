import { CallCounter } from '../../src/graphql/rate-limit/call-counter';

describe('CallCounter (@rateLimit)', () => {
  it('allows max calls per window, then says how long until the window ends', () => {
    const counter = new CallCounter(10);
    for (let i = 0; i < 3; i += 1) expect(counter.take('k', 3, 60_000, 1_000)).toBe(0);
    expect(counter.take('k', 3, 60_000, 11_000)).toBe(50_000);
    expect(counter.take('other', 3, 60_000, 11_000)).toBe(0);
    // A new window starts when the old one ends.
    expect(counter.take('k', 3, 60_000, 61_000)).toBe(0);
  });

  it('keeps at most maxKeys callers, dropping the oldest', () => {
    const counter = new CallCounter(2);
    counter.take('a', 1, 60_000, 0);
    counter.take('b', 1, 60_000, 0);
    counter.take('c', 1, 60_000, 0); // drops a
    expect(counter.take('a', 1, 60_000, 0)).toBe(0);
    expect(counter.take('c', 1, 60_000, 0)).toBe(60_000);
  });
});
