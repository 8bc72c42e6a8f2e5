import type { Types } from 'mongoose';
import { isDuplicateKey } from '../db/errors';
import type { AccountRevisionDoc, Models } from '../db/models';
import { RefreshAheadCache } from '../lib/refresh-ahead-cache';
import { SequenceHead, sequenceId } from '../db/sequence-head';

/** An account's current state: its newest revision. */
export type AccountState = AccountRevisionDoc;

/** The fields a change may set. */
export type StateFields = Pick<AccountState, 'passwordHash' | 'roles' | 'disabled' | 'emailVerified' | 'adminGranted' | 'totp' | 'passkeys'>;

export interface StateChange {
  set: Partial<StateFields>;
  /** A credential changed (password, factor, disabling): every session bound to the old version dies. */
  credentials?: boolean;
  /** What changed, recorded on the revision. */
  change: string;
}

/** Decides a change from the current state; undefined: nothing to change. May throw a DomainError. */
export type Decide = (current: AccountState) => StateChange | undefined;

/** How stale a cached state may be: the strict session check's budget (see session-status.ts). */
export const STATE_CACHE_MS = 400;
/** Superseded revisions are kept this long (an audit trail; and no change can be in flight that long). */
const SUPERSEDED_RETENTION_MS = 3_600_000;
/** How long a revision known to be the newest may start a probe (SequenceHead); well within the retention. */
const KNOWN_NEWEST_MS = SUPERSEDED_RETENTION_MS / 2;
const MAX_ATTEMPTS = 8;

export class ConcurrentChangeError extends Error {
  override name = 'ConcurrentChangeError';
}

const revisionId = (userId: Types.ObjectId | string, rev: number) => sequenceId(String(userId), rev);

/**
 * Account state as insert-only revisions: the current state is the highest `rev`. A change reads
 * revision N, decides from it, and inserts N + 1 under the unique `_id` `<userId>:<N+1>`: a
 * compare-and-swap whose atomicity the database guarantees on any backend (FerretDB's updates are
 * read-then-write; its unique indexes are atomic). Of concurrent changes exactly one wins each
 * revision; the others decide again from the state that won, so none is lost and none is applied
 * to a state it did not see.
 */
export class AccountStore {
  private readonly cache = new RefreshAheadCache<string, AccountState | null>({ maxAgeMs: STATE_CACHE_MS, maxEntries: 50_000 });
  private readonly newest: SequenceHead<AccountState>;

  constructor(private readonly models: Pick<Models, 'AccountRevision'>) {
    this.newest = new SequenceHead<AccountState>(models.AccountRevision, {
      positionOf: (state) => state.rev,
      newestByQuery: (userId) => models.AccountRevision.findOne({ userId }).sort({ rev: -1 }).lean<AccountState>().exec(),
      knownForMs: KNOWN_NEWEST_MS,
      // An account deleted behind the API's back (its revisions removed by hand) shows within this.
      recheckExistenceMs: 300,
    });
  }

  /**
   * The current state, read now. null: no such account (or deleted). Revisions are numbered
   * without gaps, so this is a look-up by `_id` once the account's newest revision is known here
   * (see SequenceHead). What it reads also serves `cached` readers (the session check reads the
   * account fresh; the resolvers that follow it in the request find it cached).
   */
  current(userId: Types.ObjectId | string): Promise<AccountState | null> {
    const key = String(userId);
    return this.cache.load(key, () => this.newest.newest(key));
  }

  /**
   * The current state as this instance saw it at most STATE_CACHE_MS ago; concurrent reads share
   * one query, and a busy account's next read starts before that (RefreshAheadCache).
   */
  cached(userId: Types.ObjectId | string, now = Date.now()): Promise<AccountState | null> | AccountState | null {
    const key = String(userId);
    return this.cache.get(key, () => this.newest.newest(key), now);
  }

  /** This instance changed the account: stop using its cached state here at once. */
  forget(userId: Types.ObjectId | string): void {
    this.cache.delete(String(userId));
    this.newest.forget(String(userId));
  }

  /** Revision 0 of a new account. */
  async create(userId: Types.ObjectId, fields: StateFields, now = new Date()): Promise<AccountState> {
    const state: AccountState = { _id: revisionId(userId, 0), userId, rev: 0, at: now, change: 'sign-up', credentialVersion: 0, ...fields };
    await this.models.AccountRevision.create(state);
    this.newest.remember(String(userId), state);
    return state;
  }

  /**
   * Applies a change decided from the current state (see the class comment). Returns the states
   * before and after (the same when `decide` changed nothing), or null when there is no account.
   */
  async change(userId: Types.ObjectId | string, decide: Decide, now = new Date()): Promise<{ before: AccountState; after: AccountState } | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const before = await this.current(userId);
      if (!before) return null;
      const decision = decide(before);
      if (!decision) return { before, after: before };
      const rev = before.rev + 1;
      const after: AccountState = {
        ...before,
        ...decision.set,
        _id: revisionId(before.userId, rev),
        rev,
        at: now,
        change: decision.change,
        credentialVersion: before.credentialVersion + (decision.credentials ? 1 : 0),
      };
      try {
        await this.models.AccountRevision.create(after);
      } catch (error) {
        if (isDuplicateKey(error)) continue; // another change won this revision: decide again
        throw error;
      }
      this.forget(userId);
      this.newest.remember(String(userId), after);
      void this.prune(before.userId, rev, now);
      return { before, after };
    }
    throw new ConcurrentChangeError(`account ${String(userId)} changed concurrently ${MAX_ATTEMPTS} times`);
  }

  /** Removes every revision of an account (deletion). */
  async deleteAll(userId: Types.ObjectId | string): Promise<void> {
    await this.models.AccountRevision.deleteMany({ userId });
    this.forget(userId);
  }

  /**
   * Old revisions go once superseded for an hour, never the newest two: a change that read one
   * of those could otherwise re-insert its successor under a freed `_id`.
   */
  private async prune(userId: Types.ObjectId, newest: number, now: Date): Promise<void> {
    await this.models.AccountRevision.deleteMany({ userId, rev: { $lt: newest - 1 }, at: { $lt: new Date(now.getTime() - SUPERSEDED_RETENTION_MS) } }).catch(() => undefined);
  }
}
