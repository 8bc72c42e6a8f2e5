import type { Models } from '../db/models';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry';

export interface LimiterOptions {
  maxFailuresPerAccount: number;
  maxAttemptsPerIp: number;
  windowMs: number;
}

export type LimitDecision = { allowed: true; release: () => Promise<void> } | { allowed: false; retryAfterSeconds: number };

/**
 * Login attempt limits shared by every instance through MongoDB. Each attempt is its own
 * document, and an attempt is recorded *before* it is counted: of N parallel attempts at most
 * `max` can see a count within the limit, whatever the database's isolation (FerretDB's `$inc`
 * is read-then-write and would lose updates).
 */
export class LoginLimiter {
  constructor(
    private readonly models: Pick<Models, 'LoginAttempt'>,
    private readonly options: LimiterOptions,
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {}

  /**
   * Reserves one attempt for the account (when given) and one for the address (when known).
   * When allowed, the account's reservation stays as a failure unless `release()` is called
   * after a successful login. Sign-up passes no account: only its address is limited.
   */
  async reserve(account: string | null, ip: string | null, now = new Date()): Promise<LimitDecision> {
    const { LoginAttempt } = this.models;
    const expiresAt = new Date(now.getTime() + this.options.windowMs);
    const since = new Date(now.getTime() - this.options.windowMs);
    const limits = [
      ...(account ? [{ key: `account:${account}`, max: this.options.maxFailuresPerAccount }] : []),
      ...(ip ? [{ key: `ip:${ip}`, max: this.options.maxAttemptsPerIp }] : []),
    ];
    const keys = limits.map((limit) => limit.key);
    const inserted = await LoginAttempt.insertMany(keys.map((key) => ({ key, at: now, expiresAt })));
    const ids = inserted.map((doc) => doc._id);
    const counts = await Promise.all(keys.map((key) => LoginAttempt.countDocuments({ key, at: { $gt: since } })));

    const exceeded = keys.filter((_, index) => counts[index]! > limits[index]!.max);
    if (exceeded.length > 0) {
      for (const key of exceeded) this.telemetry.rateLimited(key.slice(0, key.indexOf(':')));
      // A refused attempt is not kept: hammering a locked account does not extend the lock-out.
      await LoginAttempt.deleteMany({ _id: { $in: ids } });
      const oldest = await Promise.all(
        exceeded.map((key) => LoginAttempt.findOne({ key, at: { $gt: since } }, { at: 1 }).sort({ at: 1 }).lean()),
      );
      const retryAt = Math.max(...oldest.map((doc) => (doc ? doc.at.getTime() + this.options.windowMs : now.getTime() + 1_000)));
      return { allowed: false, retryAfterSeconds: (retryAt - now.getTime()) / 1_000 };
    }
    return {
      allowed: true,
      // A successful login clears the account's failures; the address keeps its count.
      release: async () => {
        if (account) await LoginAttempt.deleteMany({ key: `account:${account}`, at: { $gt: since } });
      },
    };
  }
}
