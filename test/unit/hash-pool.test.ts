import { readdirSync, readFileSync } from 'node:fs';
import { HashPool, HashPoolOverloaded } from '../../src/passwords/hash-pool';
import { PasswordHasher } from '../../src/passwords/hasher';

const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 };

/** Nice values of this process's threads. */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
}

describe('HashPool', () => {
  it('hashes and verifies on its own threads, which run at a lower priority than the rest of the process', async () => {
    const before = threadNiceValues().filter((nice) => nice === 15).length;
    const pool = new HashPool({ size: 2, nice: 15, maxQueued: 32, maxWaitMs: 2_000, idleMs: 60_000 });
    try {
      // Two at once: both threads start.
      const [hash] = (await Promise.all([0, 1].map(() => pool.run({ op: 'hash', password: 'correct horse battery staple', params: PARAMS })))) as string[];
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await pool.run({ op: 'verify', hash: hash!, password: 'correct horse battery staple' })).toBe(true);
      expect(await pool.run({ op: 'verify', hash: hash!, password: 'wrong' })).toBe(false);
      expect(await pool.run({ op: 'verify', hash: 'not a hash', password: 'x' })).toBe(false);
      expect(threadNiceValues().filter((nice) => nice === 15).length - before).toBe(2);
      expect(threadNiceValues().filter((nice) => nice === 0).length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('sheds beyond its bound at once, and serves everything it accepted', async () => {
    const pool = new HashPool({ size: 2, nice: 10, maxQueued: 32, maxWaitMs: 60_000, idleMs: 60_000 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => pool.run({ op: 'hash', password: 'p', params: PARAMS })));
      const refused = results.filter((result) => result.status === 'rejected');
      // 2 running + 32 queued accepted; the rest refused without waiting.
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(34);
      expect(refused).toHaveLength(16);
      for (const result of refused) expect((result as PromiseRejectedResult).reason).toBeInstanceOf(HashPoolOverloaded);
    } finally {
      await pool.close();
    }
  });

  it('sheds when the expected wait passes maxWaitMs, with a retry hint', async () => {
    const pool = new HashPool({ size: 1, nice: 10, maxQueued: 32, maxWaitMs: 50, idleMs: 60_000 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => pool.run({ op: 'hash', password: 'p', params: PARAMS })));
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.reason.retryAfterMs).toBeGreaterThan(0);
      expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });

  it('starts no thread until there is work, and ends idle ones', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    const before = threads();
    const pool = new HashPool({ size: 2, nice: 10, maxQueued: 32, maxWaitMs: 2_000, idleMs: 200 });
    try {
      expect(threads()).toBe(before);
      await Promise.all([0, 1].map(() => pool.run({ op: 'hash', password: 'p', params: PARAMS })));
      expect(threads()).toBeGreaterThan(before);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(threads()).toBe(before);
      expect(await pool.run({ op: 'hash', password: 'p', params: PARAMS })).toMatch(/^\$argon2id/);
    } finally {
      await pool.close();
    }
  });
});

describe('PasswordHasher under overload', () => {
  it('answers RATE_LIMITED with retryAfter (a DomainError), not an internal error', async () => {
    const hasher = new PasswordHasher({ pool: { size: 1, maxQueued: 1 } });
    try {
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => hasher.hash('correct horse battery staple')));
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.reason).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfter: expect.any(Number) } });
    } finally {
      await hasher.close();
    }
  });

  it('runs password operations one per hashing thread, the excess waiting within the bounds or refused with RATE_LIMITED before it starts', async () => {
    const hasher = new PasswordHasher({ pool: { size: 1, maxQueued: 2 } });
    try {
      let running = 0;
      let most = 0;
      let started = 0;
      const operation = () =>
        hasher.exclusive(async () => {
          started += 1;
          running += 1;
          most = Math.max(most, running);
          await hasher.hash('correct horse battery staple'); // the hash and the work around it, in one place
          await new Promise((resolve) => setTimeout(resolve, 20));
          running -= 1;
        });
      const results = await Promise.allSettled(Array.from({ length: 5 }, operation));
      expect(most).toBe(1);
      // One running, two waiting; the fourth and fifth were refused without starting.
      expect(started).toBe(3);
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(refused).toHaveLength(2);
      for (const result of refused) expect(result.reason).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfter: expect.any(Number) } });
    } finally {
      await hasher.close();
    }
  });
});
