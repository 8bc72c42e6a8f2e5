import { randomBytes } from 'node:crypto';
import { SeenBefore } from '../../src/lib/seen-before';

describe('SeenBefore (a cache doorkeeper)', () => {
  it('answers false on the first sighting and true on the next ones, for every key', () => {
    const seen = new SeenBefore(1024);
    for (let i = 0; i < 1_000; i += 1) {
      const token = `header.payload.${randomBytes(32).toString('base64url')}`;
      expect([seen.check(token), seen.check(token), seen.check(token)]).toEqual([false, true, true]);
    }
  });

  it('tells distinct keys apart: 10 000 one-off keys are almost never taken for seen ones', () => {
    const seen = new SeenBefore(65_536);
    let falsePositives = 0;
    for (let i = 0; i < 10_000; i += 1) if (seen.check(randomBytes(32).toString('base64url'))) falsePositives += 1;
    expect(falsePositives).toBeLessThan(5);
  });

  it('a newer key displaces an older one in its slot (bounded memory, no growth)', () => {
    const seen = new SeenBefore(2);
    const keys = Array.from({ length: 64 }, () => randomBytes(32).toString('base64url'));
    for (const key of keys) seen.check(key);
    // Two slots cannot remember 64 keys: most of them read as new again.
    expect(keys.filter((key) => seen.check(key)).length).toBeLessThan(8);
  });
});
