import { Types } from 'mongoose';
import type { Models } from '../db/models';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry';

/** One limit an attempt counts against. */
export interface Limit {
  /** What is counted, e.g. `pair:<email>|<address>`, `ip:<address>`. The part before `:` names the limit in metrics. */
  key: string;
  max: number;
  /**
   * `attempts`: every attempt counts, refused ones too (per-address limits: hammering costs the
   * hammerer). `failures`: an attempt counts while in flight and stays only if it fails.
   */
  counts: 'attempts' | 'failures';
  /** A success wipes this key's earlier failures (the owner proved themself from this address). */
  clearOnSuccess?: boolean;
}

export type Attempt =
  | {
      allowed: true;
      succeeded(): Promise<void>;
      failed(): Promise<void>;
      /** The attempt never got to check anything (an error, the hashing pool overloaded): as if it had not happened. */
      abandoned(): Promise<void>;
    }
  | { allowed: false; retryAfterSeconds: number; limit: string };

/** What one key's documents say: in the window, how many attempts are recorded and how many of them failed. */
export interface KeyCounts {
  recorded: number;
  failed: number;
}

/**
 * The decision for one key, a pure function. An attempt is recorded before it is counted, so
 * `recorded` includes it: of N parallel attempts at most `max` can see `recorded <= max`, whatever
 * the database's isolation. Over the limit with fewer than `max` settled failures, the excess is
 * attempts still in flight (correct passwords among them): this one steps back and tries again
 * once they settle, so a correct password is never refused for others' attempts in flight.
 */
export function decide(limit: Limit, counts: KeyCounts): 'proceed' | 'wait' | 'refuse' {
  if (counts.recorded <= limit.max) return 'proceed';
  if (limit.counts === 'failures' && counts.failed < limit.max) return 'wait';
  return 'refuse';
}

export interface LimiterOptions {
  windowMs: number;
  /** How long an attempt may wait for others in flight before it is refused (default 8 s). */
  maxWaitMs?: number;
}

/**
 * Rate limits shared by every instance through MongoDB, insert-only: each attempt is a document
 * (`key`), each settled failure another (`key` + `#failed`); a success deletes its attempt, so it
 * never counts. Counting documents is safe where FerretDB's `$inc` is read-then-write.
 */
export class AttemptLimiter {
  constructor(
    private readonly models: Pick<Models, 'LoginAttempt' | 'CountedAttempt'>,
    private readonly options: LimiterOptions,
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {}

  get windowMs(): number {
    return this.options.windowMs;
  }

  async attempt(limits: readonly Limit[], now = Date.now()): Promise<Attempt> {
    const deadline = now + (this.options.maxWaitMs ?? 8_000);
    for (let round = 0; ; round += 1) {
      const result = await this.tryOnce(limits, Date.now(), round === 0);
      if (result !== 'wait') return result;
      // Others' attempts are in flight (settling in about one password hash). Watch, without
      // recording anything, until a slot is free, then try again: waiters that retried all at
      // once would only collide again, so each waits a random share of the crowd it sees.
      if (!(await this.waitForSlot(limits, deadline))) {
        const limit = limits.find((candidate) => candidate.counts === 'failures')!;
        this.telemetry.rateLimited(limit.key.slice(0, limit.key.indexOf(':')));
        return { allowed: false, retryAfterSeconds: 1, limit: limit.key };
      }
    }
  }

  /** Polls until every failure-counted key has room for one more attempt; false at the deadline. */
  private async waitForSlot(limits: readonly Limit[], deadline: number): Promise<boolean> {
    const counted = limits.filter((limit) => limit.counts === 'failures');
    for (;;) {
      const since = new Date(Date.now() - this.options.windowMs);
      const recorded = await Promise.all(counted.map((limit) => this.models.LoginAttempt.countDocuments({ key: limit.key, at: { $gt: since } })));
      const crowd = Math.max(0, ...recorded.map((count, index) => count - counted[index]!.max + 1));
      if (crowd <= 0) {
        await sleep(Math.random() * 15);
        return true;
      }
      if (Date.now() > deadline) return false;
      await sleep(10 + Math.random() * 20 * Math.min(crowd, 10));
    }
  }

  /** One round: record (attempt-counting keys only on the first round: waiting is one attempt), count, decide. */
  private async tryOnce(limits: readonly Limit[], now: number, first: boolean): Promise<Attempt | 'wait'> {
    const { LoginAttempt } = this.models;
    const at = new Date(now);
    const expiresAt = new Date(now + this.options.windowMs);
    const since = new Date(now - this.options.windowMs);
    const docs = limits.map((limit) => ({ _id: new Types.ObjectId(), key: limit.key, at, expiresAt }));
    // Where every attempt counts, the documents live apart (see LoginAttemptDoc).
    const failureDocs = docs.filter((_, index) => limits[index]!.counts === 'failures');
    const countedDocs = first ? docs.filter((_, index) => limits[index]!.counts === 'attempts') : [];
    await Promise.all([failureDocs.length > 0 && LoginAttempt.insertMany(failureDocs), countedDocs.length > 0 && this.models.CountedAttempt.insertMany(countedDocs)]);
    const counts = await Promise.all(
      limits.map(async (limit): Promise<KeyCounts> => {
        const recorded = await this.modelOf(limit).countDocuments({ key: limit.key, at: { $gt: since } });
        // Settled failures matter only over the limit (decide): at rest a login counts each key once.
        const failed = recorded > limit.max && limit.counts === 'failures' ? await LoginAttempt.countDocuments({ key: `${limit.key}#failed`, at: { $gt: since } }) : 0;
        return { recorded, failed };
      }),
    );
    const decisions = limits.map((limit, index) => decide(limit, counts[index]!));
    const mine = (predicate: (limit: Limit) => boolean) => docs.filter((_, index) => predicate(limits[index]!)).map((doc) => doc._id);
    // This attempt's failure-counted documents, removed one by one: FerretDB answers `_id`
    // equality from its index but scans the collection for `_id: { $in }`.
    const withdraw = () => Promise.all(mine((limit) => limit.counts === 'failures').map((_id) => LoginAttempt.deleteOne({ _id }))).then(() => undefined);

    if (decisions.includes('refuse')) {
      // Refused attempts stay where every attempt counts (per-address limits) and nowhere else:
      // a refused guess is not a failure, and must not extend a lock-out.
      await withdraw();
      const refusedIndex = decisions.indexOf('refuse');
      const refused = limits[refusedIndex]!;
      this.telemetry.rateLimited(refused.key.slice(0, refused.key.indexOf(':')));
      return { allowed: false, retryAfterSeconds: await this.retryAfter(refused, since, now), limit: refused.key };
    }
    if (decisions.includes('wait')) {
      await withdraw();
      return 'wait';
    }
    return {
      allowed: true,
      // A success never counts against failure limits.
      succeeded: async () => {
        const cleared = limits.filter((limit) => limit.clearOnSuccess).flatMap((limit) => [limit.key, `${limit.key}#failed`]);
        await Promise.all([withdraw(), cleared.length > 0 ? LoginAttempt.deleteMany({ key: { $in: cleared } }) : undefined]);
      },
      abandoned: async () => {
        await withdraw();
      },
      // A failure is settled: its marker goes in before anything else could count it as in flight.
      failed: async () => {
        const failures = limits.filter((limit) => limit.counts === 'failures');
        if (failures.length > 0) await LoginAttempt.insertMany(failures.map((limit) => ({ key: `${limit.key}#failed`, at, expiresAt })));
      },
    };
  }

  /** The collection a limit's attempts live in. */
  private modelOf(limit: Limit) {
    return limit.counts === 'attempts' ? this.models.CountedAttempt : this.models.LoginAttempt;
  }

  /** Seconds until the oldest counted document of the limit leaves the window. */
  private async retryAfter(limit: Limit, since: Date, now: number): Promise<number> {
    const key = limit.counts === 'failures' ? `${limit.key}#failed` : limit.key;
    const oldest = await this.modelOf(limit).findOne({ key, at: { $gt: since } }, { at: 1 }).sort({ at: 1 }).lean().exec();
    return oldest ? (oldest.at.getTime() + this.options.windowMs - now) / 1_000 : 1;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
