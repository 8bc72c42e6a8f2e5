import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { rateLimited } from '../errors';
import { Bulkhead, BulkheadFull } from '../lib/bulkhead';
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
  /** Password operations run at once (see `exclusive`); default: one per hashing thread. */
  operations?: number;
  /** An operation failed in a way every waiting one would (the database is down): they fail now, not each in turn. */
  isSharedFailure?: (error: unknown) => boolean;
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
  private readonly operations: Bulkhead;
  private readonly params: { memoryCost: number; timeCost: number; parallelism: number };

  constructor(options: HasherOptions = {}) {
    this.params = options.params ?? ARGON2_PARAMS;
    const pool: HashPoolOptions = { size: availableParallelism(), ...DEFAULT_HASH_POOL, ...options.pool };
    this.pool = new HashPool(pool);
    this.operations = new Bulkhead({ size: options.operations ?? pool.size, maxQueued: pool.maxQueued, maxWaitMs: pool.maxWaitMs, isSharedFailure: options.isSharedFailure });
  }

  /** Password operations waiting for their turn, and hashes waiting for a thread (a gauge for monitoring). */
  get queueLength(): number {
    return this.operations.queueLength + this.pool.queueLength;
  }

  /**
   * Runs a password operation (a login, sign-up, password change...: its limiter's reads, its
   * hashes, its writes) when one of the operations' places is free, one per hashing thread. A
   * login costs as much CPU in database work as in argon2: were only hashing bounded, a login
   * storm would take the whole machine from every other request (measured: `me` p99 3.3 times its
   * rest value during a 20-client storm, 1.5 times with this). More waiting than 32, or waiting
   * 2 s, is refused with RATE_LIMITED (the contract's bounds), before the operation did anything.
   * `signedIn`: a signed-in user's own operation (changePassword, reauthenticate) waits ahead of
   * logins and sign-ups, so a storm of those (perhaps at this very account) never keeps the owner
   * from changing their password. Never nest: an operation holding a place must not wait for another.
   */
  async exclusive<T>(operation: () => Promise<T>, options: { signedIn?: boolean } = {}): Promise<T> {
    try {
      return await this.operations.run(() => {
        this.pool.admit(); // with more operations than threads (`operations`), hashes queue at the pool too: its bounds hold
        return operation();
      }, options.signedIn);
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

/** Overload (the pool's or the operations') as the contract's answer: RATE_LIMITED with retryAfter. */
function asRateLimited(error: unknown): unknown {
  return error instanceof HashPoolOverloaded || error instanceof BulkheadFull ? rateLimited(error.retryAfterMs / 1_000) : error;
}
