import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { rateLimited } from '../errors';
import { DEFAULT_HASH_POOL, HashPool, HashPoolOverloaded, type HashJob, type HashPoolOptions } from './hash-pool';
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

export interface HasherOptions {
  params?: { memoryCost: number; timeCost: number; parallelism: number };
  /** The hashing threads (hash-pool.ts); default: one per core, nice 10, 32 queued, 2 s. */
  pool?: Partial<HashPoolOptions>;
}

/**
 * argon2id (~18 ms a hash here) on a pool of low-priority threads (hash-pool.ts): hashing never
 * blocks the event loop, cannot take the CPU from requests, and under overload answers
 * RATE_LIMITED with retryAfter at once rather than queueing: only when a hash would wait more
 * than 2 s or 32 are queued (contract), never for a handful of parallel logins.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly pool: HashPool;
  private readonly params: { memoryCost: number; timeCost: number; parallelism: number };

  constructor(options: HasherOptions = {}) {
    this.params = options.params ?? ARGON2_PARAMS;
    this.pool = new HashPool({ size: availableParallelism(), ...DEFAULT_HASH_POOL, ...options.pool });
  }

  /** Hashes waiting for a free thread (a gauge for monitoring). */
  get queueLength(): number {
    return this.pool.queueLength;
  }

  /** Refuses at once (RATE_LIMITED) when a hash started now would be shed: call before other work. */
  admit(): void {
    try {
      this.pool.admit();
    } catch (error) {
      throw asRateLimited(error);
    }
  }

  /** Hashes the password's NFKC form (callers refuse ill-formed passwords before: see policy.ts). */
  async hash(password: string): Promise<string> {
    const normalized = normalizePassword(password) ?? password;
    return (await this.run({ op: 'hash', password: normalized, params: { ...this.params, algorithm: ARGON2ID } })) as string;
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
    const dummy = await this.dummyHash.catch((error: unknown) => {
      this.dummyHash = undefined; // shed while overloaded: made again next time
      throw error;
    });
    for (const form of candidates(password).forms) await this.verifyOne(dummy, form);
    return 'mismatch';
  }

  /** Whether a stored hash was made with other parameters (or another algorithm) than ours. */
  needsRehash(storedHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
    if (!match) return true;
    return Number(match[1]) !== this.params.memoryCost || Number(match[2]) !== this.params.timeCost || Number(match[3]) !== this.params.parallelism;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async verifyOne(storedHash: string, password: string): Promise<boolean> {
    return (await this.run({ op: 'verify', hash: storedHash, password })) as boolean;
  }

  private async run(job: HashJob): Promise<string | boolean> {
    try {
      return await this.pool.run(job);
    } catch (error) {
      throw asRateLimited(error);
    }
  }
}

/** The pool's overload as the contract's answer: RATE_LIMITED with retryAfter. */
function asRateLimited(error: unknown): unknown {
  return error instanceof HashPoolOverloaded ? rateLimited(error.retryAfterMs / 1_000) : error;
}
