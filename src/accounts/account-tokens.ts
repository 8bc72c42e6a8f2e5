import { createHash, randomBytes } from 'node:crypto';
import type { AccountTokenDoc, Models } from '../db/models';
import type { SingleUse } from '../db/single-use';
import type { Account } from './user-directory';

export type TokenPurpose = AccountTokenDoc['purpose'];

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * The links' tokens (email verification, password reset): 256 bits from the CSPRNG, stored only
 * as SHA-256 hashes. A token is found by its hash, never compared: the secret itself is never
 * in a comparison whose timing could leak it. Single use through SingleUse (a unique insert).
 */
export class AccountTokens {
  constructor(
    private readonly models: Pick<Models, 'AccountToken'>,
    private readonly singleUse: SingleUse,
  ) {}

  async issue(purpose: TokenPurpose, account: Account, ttlMs: number, now = new Date()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.models.AccountToken.create({
      _id: hashToken(token),
      purpose,
      userId: account.user._id,
      email: account.user.email,
      credentialVersion: account.state.credentialVersion,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
    });
    return token;
  }

  /** The unexpired token of this purpose, or null (malformed, unknown, other purpose, expired). */
  async find(purpose: TokenPurpose, token: string, now = Date.now()): Promise<AccountTokenDoc | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const doc = await this.models.AccountToken.findById(hashToken(token)).lean<AccountTokenDoc>().exec();
    return doc && doc.purpose === purpose && doc.expiresAt.getTime() > now ? doc : null;
  }

  /** Whether `doc` is the newest token of its purpose for its user (a newer request voids older links). */
  async isNewest(doc: AccountTokenDoc): Promise<boolean> {
    const newest = await this.models.AccountToken.findOne({ userId: doc.userId, purpose: doc.purpose }, { _id: 1 }).sort({ createdAt: -1, _id: -1 }).lean().exec();
    return newest?._id === doc._id;
  }

  /** Uses the token: true exactly once, however many requests present it at the same time. */
  use(doc: AccountTokenDoc): Promise<boolean> {
    return this.singleUse.claim(`${doc.purpose}:${doc._id}`, doc.expiresAt);
  }

  async deleteAllOf(userId: Account['user']['_id'] | string): Promise<void> {
    await this.models.AccountToken.deleteMany({ userId });
  }
}
