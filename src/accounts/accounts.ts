import { Types } from 'mongoose';
import type { AuditLog, ClientInfo } from '../audit/audit-log';
import { isDuplicateKey } from '../db/errors';
import type { Models, Role, UserDoc } from '../db/models';
import { badUserInput, rateLimited, unauthenticated } from '../graphql/errors';
import type { PasswordHasher } from '../passwords/hasher';
import { checkPassword, isPasswordLengthAcceptable, PASSWORD_MAX_LENGTH, type PasswordProblem } from '../passwords/policy';
import { BoundedCache } from '../tokens/bounded-cache';
import { EMAIL_MAX_LENGTH, normalizeEmail } from './email';
import type { LoginLimiter } from './login-limiter';

export interface AccountsOptions {
  passwordMinLength: number;
  adminEmails: readonly string[];
}

const PASSWORD_MESSAGES: Record<PasswordProblem, (min: number) => string> = {
  TOO_SHORT: (min) => `The password must be at least ${min} characters long.`,
  TOO_LONG: () => `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`,
  TOO_COMMON: () => 'This password is too common. Choose a less predictable one (a passphrase of several words works well).',
};

/**
 * Users read by id (me, authors, refresh) are cached per instance for this long: the same
 * staleness strict mode accepts for revocations, and `me` polled by a busy client costs no query.
 */
export const USER_CACHE_MS = 1_000;

/** Accounts and credentials: sign-up, password login with its limits, password change. */
export class Accounts {
  private readonly byId = new BoundedCache<string, UserDoc>(10_000);

  constructor(
    private readonly models: Models,
    private readonly hasher: PasswordHasher,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditLog,
    private readonly options: AccountsOptions,
  ) {}

  private emailOrThrow(input: string): string {
    if (input.trim().length > EMAIL_MAX_LENGTH) {
      throw badUserInput(`The email address must be at most ${EMAIL_MAX_LENGTH} characters long.`, 'email');
    }
    const email = normalizeEmail(input);
    if (!email) throw badUserInput('Enter a valid email address (ASCII; internationalised domains in punycode).', 'email');
    return email;
  }

  private passwordOrThrow(password: string, field: string): void {
    const problem = checkPassword(password, this.options.passwordMinLength);
    if (problem) throw badUserInput(PASSWORD_MESSAGES[problem](this.options.passwordMinLength), field);
  }

  async signUp(emailInput: string, password: string, client: ClientInfo): Promise<UserDoc> {
    const email = this.emailOrThrow(emailInput);
    this.passwordOrThrow(password, 'password'); // before any hashing
    const decision = await this.limiter.reserve(null, client.ip);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    const now = new Date();
    const roles: Role[] = this.options.adminEmails.includes(email) ? ['USER', 'ADMIN'] : ['USER'];
    const user: UserDoc = {
      _id: new Types.ObjectId(),
      email,
      passwordHash: await this.hasher.hash(password),
      roles,
      createdAt: now,
      passwordChangedAt: now,
    };
    try {
      await this.models.User.create(user);
    } catch (error) {
      if (isDuplicateKey(error)) throw badUserInput('An account with this email address already exists. Log in instead.', 'email');
      throw error;
    }
    await this.audit.record({ type: 'SIGN_UP', userId: user._id, client });
    return user;
  }

  /**
   * Checks a password login. Unknown email and wrong password take the same path: the same
   * database work, one argon2 verification (against a dummy hash of the same cost when there is
   * no account), the same error.
   */
  async authenticate(emailInput: string, password: string, client: ClientInfo): Promise<UserDoc> {
    if (!isPasswordLengthAcceptable(password)) {
      throw badUserInput(`The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`, 'password');
    }
    const email = this.emailOrThrow(emailInput);
    const decision = await this.limiter.reserve(email, client.ip);
    if (!decision.allowed) {
      await this.audit.record({ type: 'LOGIN_RATE_LIMITED', client, detail: email });
      throw rateLimited(decision.retryAfterSeconds);
    }
    const user = await this.models.User.findOne({ email }).lean<UserDoc>();
    const valid = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyDummy(password);
    if (!user || !valid) {
      await this.audit.record({ type: 'LOGIN_FAILED', userId: user?._id ?? null, client, detail: user ? 'wrong password' : 'unknown email' });
      throw unauthenticated('INVALID_CREDENTIALS');
    }
    await decision.release();
    if (this.hasher.needsRehash(user.passwordHash)) {
      // Parameters were raised since this hash was made: upgrade it while we hold the password.
      const passwordHash = await this.hasher.hash(password);
      await this.models.User.updateOne({ _id: user._id, passwordHash: user.passwordHash }, { $set: { passwordHash } });
      user.passwordHash = passwordHash;
      this.byId.delete(user._id.toHexString());
    }
    return user;
  }

  async changePassword(userId: string, currentPassword: string, newPassword: string, client: ClientInfo): Promise<UserDoc> {
    if (!isPasswordLengthAcceptable(currentPassword)) throw unauthenticated('INVALID_CREDENTIALS');
    this.passwordOrThrow(newPassword, 'newPassword');
    const user = await this.models.User.findById(userId).lean<UserDoc>();
    if (!user) throw unauthenticated('SESSION_REVOKED');
    const decision = await this.limiter.reserve(user.email, client.ip);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      await this.audit.record({ type: 'LOGIN_FAILED', userId: user._id, client, detail: 'wrong current password' });
      throw badUserInput('The current password is not correct.', 'currentPassword');
    }
    await decision.release();
    if (currentPassword === newPassword) throw badUserInput('The new password must differ from the current one.', 'newPassword');
    const passwordHash = await this.hasher.hash(newPassword);
    const passwordChangedAt = new Date();
    await this.models.User.updateOne({ _id: user._id }, { $set: { passwordHash, passwordChangedAt } });
    this.byId.delete(user._id.toHexString());
    return { ...user, passwordHash, passwordChangedAt };
  }

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

  list(limit = 500): Promise<UserDoc[]> {
    return this.models.User.find({}).sort({ createdAt: 1 }).limit(limit).lean<UserDoc[]>().exec();
  }
}
