import { Types } from 'mongoose';
import type { AuditLog, ClientInfo } from '../audit/audit-log';
import { isDuplicateKey } from '../db/errors';
import type { Models, UserDoc } from '../db/models';
import { badUserInput, rateLimited, unauthenticated } from '../errors';
import type { PasswordHasher } from '../passwords/hasher';
import { checkPassword, isPasswordLengthAcceptable, PASSWORD_MAX_LENGTH, type PasswordProblem } from '../passwords/policy';
import type { Caller, RefreshCookieAction, Sessions, SignedIn } from '../sessions/sessions';
import { EMAIL_MAX_LENGTH, normalizeEmail } from './email';
import type { LoginLimiter } from './login-limiter';
import { DEFAULT_ROLES, type Role } from './roles';
import type { UserDirectory } from './user-directory';

export interface AccountsOptions {
  passwordMinLength: number;
  adminEmails: readonly string[];
}

export interface AccountsDeps {
  models: Pick<Models, 'User'>;
  users: UserDirectory;
  hasher: PasswordHasher;
  limiter: LoginLimiter;
  sessions: Sessions;
  audit: AuditLog;
}

const PASSWORD_MESSAGES: Record<PasswordProblem, (min: number) => string> = {
  TOO_SHORT: (min) => `The password must be at least ${min} characters long.`,
  TOO_LONG: () => `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`,
  TOO_COMMON: () => 'This password is too common. Choose a less predictable one (a passphrase of several words works well).',
};

/** A user who just proved who they are, signed in to a new session. */
export interface Started {
  signedIn: SignedIn;
  cookie: RefreshCookieAction;
}

/** Accounts, the use cases: sign-up, password login with its limits, password change. */
export class Accounts {
  constructor(
    private readonly deps: AccountsDeps,
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

  /** Creates an account and starts its first session. */
  async signUp(emailInput: string, password: string, client: ClientInfo): Promise<Started> {
    const { hasher, limiter, models, audit, sessions } = this.deps;
    const email = this.emailOrThrow(emailInput);
    this.passwordOrThrow(password, 'password'); // before any hashing
    const decision = await limiter.reserve(null, client.ip);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    const now = new Date();
    const roles: Role[] = this.options.adminEmails.includes(email) ? [...DEFAULT_ROLES, 'ADMIN'] : [...DEFAULT_ROLES];
    const user: UserDoc = {
      _id: new Types.ObjectId(),
      email,
      passwordHash: await hasher.hash(password),
      roles,
      createdAt: now,
      passwordChangedAt: now,
    };
    try {
      await models.User.create(user);
    } catch (error) {
      if (isDuplicateKey(error)) throw badUserInput('An account with this email address already exists. Log in instead.', 'email');
      throw error;
    }
    await audit.record({ type: 'SIGN_UP', userId: user._id, client });
    return sessions.start(user, client);
  }

  /** Password login: a new session for the right password, the same refusal for everything else. */
  async login(emailInput: string, password: string, client: ClientInfo): Promise<Started> {
    const user = await this.authenticate(emailInput, password, client);
    return this.deps.sessions.start(user, client, 'LOGIN_SUCCEEDED');
  }

  /**
   * Checks a password login. Unknown email and wrong password take the same path: the same
   * database work, one argon2 verification (against a dummy hash of the same cost when there is
   * no account), the same error.
   */
  private async authenticate(emailInput: string, password: string, client: ClientInfo): Promise<UserDoc> {
    const { limiter, users, hasher, audit, models } = this.deps;
    if (!isPasswordLengthAcceptable(password)) {
      throw badUserInput(`The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`, 'password');
    }
    const email = this.emailOrThrow(emailInput);
    const decision = await limiter.reserve(email, client.ip);
    if (!decision.allowed) {
      await audit.record({ type: 'LOGIN_RATE_LIMITED', client, detail: email });
      throw rateLimited(decision.retryAfterSeconds);
    }
    const user = await users.findByEmail(email);
    const valid = user ? await hasher.verify(user.passwordHash, password) : await hasher.verifyDummy(password);
    if (!user || !valid) {
      await audit.record({ type: 'LOGIN_FAILED', userId: user?._id ?? null, client, detail: user ? 'wrong password' : 'unknown email' });
      throw unauthenticated('INVALID_CREDENTIALS');
    }
    await decision.release();
    if (hasher.needsRehash(user.passwordHash)) {
      // Parameters were raised since this hash was made: upgrade it while we hold the password.
      const passwordHash = await hasher.hash(password);
      await models.User.updateOne({ _id: user._id, passwordHash: user.passwordHash }, { $set: { passwordHash } });
      user.passwordHash = passwordHash;
      users.forget(user._id);
    }
    return user;
  }

  /** Changes the caller's password, ends every other session, keeps this one with a new access token. */
  async changePassword(caller: Caller, currentPassword: string, newPassword: string, client: ClientInfo): Promise<SignedIn> {
    const { sessions, models, limiter, hasher, audit, users } = this.deps;
    if (!isPasswordLengthAcceptable(currentPassword)) throw unauthenticated('INVALID_CREDENTIALS');
    this.passwordOrThrow(newPassword, 'newPassword');
    // The current session goes on (its refresh cookie stays valid), so it must be alive before
    // anything changes; with SESSION_CHECK=stateless the guard has not looked.
    await sessions.requireActive(caller);
    const user = await models.User.findById(caller.userId).lean<UserDoc>();
    if (!user) throw unauthenticated('SESSION_REVOKED');
    const decision = await limiter.reserve(user.email, client.ip);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    if (!(await hasher.verify(user.passwordHash, currentPassword))) {
      await audit.record({ type: 'LOGIN_FAILED', userId: user._id, client, detail: 'wrong current password' });
      throw badUserInput('The current password is not correct.', 'currentPassword');
    }
    await decision.release();
    if (currentPassword === newPassword) throw badUserInput('The new password must differ from the current one.', 'newPassword');
    const passwordHash = await hasher.hash(newPassword);
    const passwordChangedAt = new Date();
    await models.User.updateOne({ _id: user._id }, { $set: { passwordHash, passwordChangedAt } });
    users.forget(user._id);
    await sessions.revokeOthers(caller, client);
    return sessions.issue({ ...user, passwordHash, passwordChangedAt }, caller.sessionId);
  }
}
