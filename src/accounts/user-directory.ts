import { Types } from 'mongoose';
import type { Models, UserDoc } from '../db/models';
import { KeptDocuments } from '../db/kept-documents';
import type { AccountState, AccountStore } from './account-store';

/** An account as the API shows it: its id, its identity and its current state. */
export interface Account {
  /** The user id as a string: what `@auth(owner: "id")` compares with the caller. */
  id: string;
  user: UserDoc;
  state: AccountState;
}

export function accountOf(user: UserDoc, state: AccountState): Account {
  return { id: user._id.toHexString(), user, state };
}

/** An id no account has (all zeros is never generated). */
const NOBODY = new Types.ObjectId('000000000000000000000000');

/** Identities never change, so they are cached long; a deleted account has no state and reads as null. */
const IDENTITY_CACHE_MS = 60_000;

export function isObjectIdString(value: string): boolean {
  return /^[0-9a-f]{24}$/i.test(value);
}

/** Reading accounts: by id (cached as the strict session check is), by email, all of them. */
export class UserDirectory {
  private readonly identities: KeptDocuments<UserDoc>;

  constructor(
    private readonly models: Pick<Models, 'User'>,
    private readonly states: AccountStore,
  ) {
    this.identities = new KeptDocuments(models.User, { keepMs: IDENTITY_CACHE_MS, maxEntries: 10_000 });
  }

  /**
   * An account by id: its state at most STATE_CACHE_MS old, or read now with `fresh` (what
   * decisions use). null for unknown or deleted accounts.
   */
  async findById(userId: string | Types.ObjectId, options: { fresh?: boolean } = {}): Promise<Account | null> {
    const key = String(userId);
    if (!isObjectIdString(key)) return null;
    const [user, state] = await Promise.all([this.identities.get(key), options.fresh ? this.states.current(key) : this.states.cached(key)]);
    return user && state ? accountOf(user, state) : null;
  }

  /**
   * An account by (normalised) email, read now. The same two round trips whether or not the
   * address has an account (the second reads a state that does not exist): login and reset
   * requests take the same time either way.
   */
  async findByEmail(email: string): Promise<Account | null> {
    const user = await this.models.User.findOne({ email }).lean<UserDoc>().exec();
    const state = await this.states.current(user?._id ?? NOBODY);
    return user && state ? accountOf(user, state) : null;
  }

  async list(limit = 500): Promise<Account[]> {
    const users = await this.models.User.find({}).sort({ createdAt: 1 }).limit(limit).lean<UserDoc[]>().exec();
    const states = await Promise.all(users.map((user) => this.states.cached(user._id)));
    return users.flatMap((user, index) => (states[index] ? [accountOf(user, states[index]!)] : []));
  }

  /** The account was deleted here: drop its identity. */
  forget(userId: string | Types.ObjectId): void {
    this.identities.forget(String(userId));
    this.states.forget(userId);
  }
}
