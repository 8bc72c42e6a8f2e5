import type { Types } from 'mongoose';
import type { Models, UserDoc } from '../db/models';
import { BoundedCache } from '../lib/bounded-cache';

/**
 * Users read by id (me, authors, refresh) are cached per instance for this long: the same
 * staleness strict mode accepts for revocations, and `me` polled by a busy client costs no query.
 */
export const USER_CACHE_MS = 1_000;

/** Reading accounts: by id (cached), by email, all of them. */
export class UserDirectory {
  private readonly byId = new BoundedCache<string, UserDoc>(10_000);

  constructor(private readonly models: Pick<Models, 'User'>) {}

  /** A user by id, from the per-instance cache when read within USER_CACHE_MS. */
  async findById(userId: string | Types.ObjectId): Promise<UserDoc | null> {
    const key = String(userId);
    if (!/^[0-9a-f]{24}$/i.test(key)) return null;
    const cached = this.byId.get(key);
    if (cached) return cached;
    const user = await this.models.User.findById(key).lean<UserDoc>().exec();
    if (user) this.byId.set(key, user, Date.now() + USER_CACHE_MS);
    return user;
  }

  findByEmail(email: string): Promise<UserDoc | null> {
    return this.models.User.findOne({ email }).lean<UserDoc>().exec();
  }

  list(limit = 500): Promise<UserDoc[]> {
    return this.models.User.find({}).sort({ createdAt: 1 }).limit(limit).lean<UserDoc[]>().exec();
  }

  /** This instance changed the user: drop its cached copy. */
  forget(userId: string | Types.ObjectId): void {
    this.byId.delete(String(userId));
  }
}
