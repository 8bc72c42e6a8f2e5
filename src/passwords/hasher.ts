import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { normalizePassword } from './policy';

/** How a password matched: in its normal form, or only as typed (a hash made before normalisation: rehash it). */
export type PasswordMatch = 'match' | 'legacy-match' | 'mismatch';

/**
 * The forms a password is tried in: NFKC (how every hash is made now), then, if different, as
 * typed (hashes made before passwords were normalised). Ill-formed text is tried as typed only,
 * and never matches. The list depends on the input alone, so the work done does too.
 */
function candidates(password: string): { forms: string[]; wellFormed: boolean } {
  const normalized = normalizePassword(password);
  if (normalized === undefined) return { forms: [password], wellFormed: false };
  return { forms: normalized === password ? [normalized] : [normalized, password], wellFormed: true };
}

/** `Algorithm.Argon2id` (a const enum that isolated modules cannot read). */
const ARGON2ID = 2;

/** OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most `limit` tasks at once; the rest wait in order. Hashing is CPU-bound: without a cap, a
 * login storm fills every core and every other request waits behind it.
 */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/** One core stays free for serving requests while passwords are hashed. */
export const DEFAULT_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/**
 * argon2id through @node-rs/argon2, which runs on libuv's thread pool: hashing never blocks
 * the event loop (~18 ms a hash here), and at most `concurrency` hashes run at once.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly slots: Semaphore;

  constructor(
    private readonly params: { memoryCost: number; timeCost: number; parallelism: number } = ARGON2_PARAMS,
    concurrency = DEFAULT_HASH_CONCURRENCY,
  ) {
    this.slots = new Semaphore(concurrency);
  }

  /** Hashes waiting for a free slot (a gauge for monitoring). */
  get queueLength(): number {
    return this.slots.queued;
  }

  /** Hashes the password's NFKC form (callers refuse ill-formed passwords before: see policy.ts). */
  hash(password: string): Promise<string> {
    const normalized = normalizePassword(password) ?? password;
    return this.slots.run(() => hash(normalized, { ...this.params, algorithm: ARGON2ID }));
  }

  /**
   * Checks a password against a stored hash, in each form it may have been hashed in. A wrong
   * password costs the same verifications as it would against any other hash (see verifyDummy).
   */
  async verify(storedHash: string, password: string): Promise<PasswordMatch> {
    const { forms, wellFormed } = candidates(password);
    for (const [index, form] of forms.entries()) {
      if ((await this.verifyOne(storedHash, form)) && wellFormed) return index === 0 ? 'match' : 'legacy-match';
    }
    return 'mismatch';
  }

  /**
   * Verifies against a hash of the same cost that matches nothing, in the same forms: login with
   * an unknown email takes as long as login with a wrong password.
   */
  async verifyDummy(password: string): Promise<'mismatch'> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    const dummy = await this.dummyHash;
    for (const form of candidates(password).forms) await this.verifyOne(dummy, form);
    return 'mismatch';
  }

  private async verifyOne(storedHash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => verify(storedHash, password));
    } catch {
      return false;
    }
  }

  /** Whether a stored hash was made with other parameters (or another algorithm) than ours. */
  needsRehash(storedHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
    if (!match) return true;
    return Number(match[1]) !== this.params.memoryCost || Number(match[2]) !== this.params.timeCost || Number(match[3]) !== this.params.parallelism;
  }
}
