import { Types } from 'mongoose';
import type { AuditLog, ClientInfo } from '../audit/audit-log';
import { isDuplicateKey } from '../db/errors';
import type { Models } from '../db/models';
import { badUserInput, mfaRequired, rateLimited, unauthenticated } from '../errors';
import { MFA_METHODS, type SecondFactors } from '../factors/second-factors';
import type { PasswordHasher, PasswordMatch } from '../passwords/hasher';
import { isPasswordLengthAcceptable, normalizePassword, PASSWORD_MAX_LENGTH } from '../passwords/policy';
import type { Caller, Sessions, SignedIn, Started } from '../sessions/sessions';
import type { AccountStore } from './account-store';
import type { AttemptLimiter } from './attempt-limiter';
import type { AccountInputs } from './inputs';
import type { Recovery } from './recovery';
import { DEFAULT_ROLES } from './roles';
import { accountOf, type Account, type UserDirectory } from './user-directory';

export interface AccountsOptions {
  loginMaxFailures: number;
}

export interface AccountsDeps {
  models: Pick<Models, 'User'>;
  states: AccountStore;
  users: UserDirectory;
  hasher: PasswordHasher;
  limiter: AttemptLimiter;
  inputs: AccountInputs;
  sessions: Sessions;
  recovery: Pick<Recovery, 'sendVerification'>;
  factors: Pick<SecondFactors, 'issueTicket' | 'verifyOwnCode' | 'reauthenticated'>;
  audit: AuditLog;
}

/** How a password sign-in proves itself (RFC 8176). */
const PASSWORD_AMR = ['pwd'] as const;

/** Accounts, the use cases: sign-up, password login with its limits, password change, re-authentication. */
export class Accounts {
  constructor(
    private readonly deps: AccountsDeps,
    private readonly options: AccountsOptions,
  ) {}

  /** Creates an account, starts its first session and mails a verification link. */
  async signUp(emailInput: string, password: string, client: ClientInfo): Promise<Started> {
    const email = this.deps.inputs.email(emailInput);
    this.deps.inputs.newPassword(password, 'password', email); // before any hashing
    return this.deps.hasher.exclusive(() => this.createAccount(email, password, client));
  }

  private async createAccount(email: string, password: string, client: ClientInfo): Promise<Started> {
    const { hasher, limiter, models, audit, sessions, states, recovery, inputs } = this.deps;
    const attempt = await limiter.attempt(inputs.ipLimit(client));
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    const userId = new Types.ObjectId();
    const createdAt = new Date();
    // The state first: a user document never exists without one (an orphan state, if the
    // address turns out taken, is harmless and purged with nothing pointing at it).
    const state = await states.create(userId, {
      passwordHash: await hasher.hash(password),
      roles: [...DEFAULT_ROLES], // ADMIN_EMAILS grants ADMIN at verification, never here
      disabled: false,
      emailVerified: false,
      adminGranted: false,
      totp: null,
      passkeys: [],
    }, createdAt);
    const user = { _id: userId, email, createdAt };
    try {
      await models.User.create(user);
    } catch (error) {
      await states.deleteAll(userId);
      if (isDuplicateKey(error)) throw badUserInput('An account with this email address already exists. Log in instead.', 'email');
      throw error;
    }
    await audit.record({ type: 'SIGN_UP', userId, client });
    const account: Account = accountOf(user, state);
    const started = await sessions.start(account, client, { credentialVersion: state.credentialVersion, amr: PASSWORD_AMR });
    recovery.sendVerification(account, client);
    return started;
  }

  /**
   * Password login: a new session for the right password, the same refusal for everything else.
   * With TOTP on, the right password answers MFA_REQUIRED with a ticket for verifyMfa instead.
   */
  login(emailInput: string, password: string, client: ClientInfo): Promise<Started> {
    return this.deps.hasher.exclusive(async () => {
      const account = await this.checkPassword(emailInput, password, client);
      if (account.state.totp) {
        const ticket = await this.deps.factors.issueTicket(account);
        await this.deps.audit.record({ type: 'MFA_REQUIRED', userId: account.user._id, client });
        throw mfaRequired(ticket, MFA_METHODS);
      }
      return this.deps.sessions.start(account, client, { credentialVersion: account.state.credentialVersion, amr: PASSWORD_AMR }, 'LOGIN_SUCCEEDED');
    });
  }

  /**
   * Checks a password login. Unknown email and wrong password take the same path: the same
   * database work, one argon2 verification (against a dummy hash of the same cost when there is
   * no account), the same error. Limits: failures per (account, address), failures per account
   * from all addresses (much higher), attempts per address.
   */
  private async checkPassword(emailInput: string, password: string, client: ClientInfo): Promise<Account> {
    const { limiter, users, hasher, audit, states, inputs } = this.deps;
    if (!isPasswordLengthAcceptable(password)) {
      throw badUserInput(`The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`, 'password');
    }
    const email = inputs.email(emailInput);
    const attempt = await limiter.attempt(inputs.loginLimits(email, client));
    if (!attempt.allowed) {
      await audit.record({ type: 'LOGIN_RATE_LIMITED', client, detail: email });
      throw rateLimited(attempt.retryAfterSeconds);
    }
    let account: Account | null;
    let match: PasswordMatch;
    try {
      account = await users.findByEmail(email);
      match = account ? await hasher.verify(account.state.passwordHash, password) : await hasher.verifyDummy(password);
    } catch (error) {
      await attempt.abandoned();
      throw error;
    }
    if (!account || match === 'mismatch') {
      await attempt.failed();
      await audit.record({ type: 'LOGIN_FAILED', userId: account?.user._id ?? null, client, detail: account ? 'wrong password' : 'unknown email' });
      throw unauthenticated('INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
    if (account.state.disabled) {
      await audit.record({ type: 'LOGIN_FAILED', userId: account.user._id, client, detail: 'account disabled' });
      throw unauthenticated('ACCOUNT_DISABLED');
    }
    if (match === 'legacy-match' || hasher.needsRehash(account.state.passwordHash)) {
      // Made before passwords were normalised, or with weaker parameters: upgrade it while we hold
      // the password. Same password, same credential version: no session is affected.
      const passwordHash = await hasher.hash(password);
      const changed = await states.change(account.user._id, (current) =>
        current.passwordHash === account.state.passwordHash ? { set: { passwordHash }, change: 'password-rehash' } : undefined,
      );
      if (changed) return accountOf(account.user, changed.after);
    }
    return account;
  }

  /**
   * Changes the caller's password: checks the current one (failures counted per session, so other
   * clients' failures never block the owner), writes the new one under a new credential version,
   * keeps this session (bound to the new version, with a fresh access token) and ends every other.
   */
  changePassword(caller: Caller, currentPassword: string, newPassword: string, client: ClientInfo): Promise<SignedIn> {
    return this.deps.hasher.exclusive(async () => {
      const { sessions, hasher, audit, states, inputs, users } = this.deps;
      if (!isPasswordLengthAcceptable(currentPassword)) throw badUserInput('The current password is not correct.', 'currentPassword');
      // The session must be alive before anything changes; with SESSION_CHECK=stateless the guard has not looked.
      const { account } = await sessions.requireActive(caller);
      inputs.newPassword(newPassword, 'newPassword', (await users.findById(caller.userId))?.user.email);
      const verified = await this.verifyOwnPassword(caller, account, currentPassword, client);
      if (normalizePassword(currentPassword) === normalizePassword(newPassword)) throw badUserInput('The new password must differ from the current one.', 'newPassword');
      const passwordHash = await hasher.hash(newPassword);
      const changed = await states.change(caller.userId, (current) => {
        if (current.credentialVersion !== verified.credentialVersion) throw badUserInput('Your credentials changed meanwhile. Please try again.', 'currentPassword');
        return { set: { passwordHash }, credentials: true, change: 'password' };
      });
      if (!changed) throw unauthenticated('SESSION_REVOKED');
      const signedIn = await sessions.authenticated(caller, { credentialVersion: changed.after.credentialVersion, amr: PASSWORD_AMR });
      const ended = await sessions.endAllOf(caller.userId, 'PASSWORD_CHANGED', caller.sessionId);
      await audit.record({ type: 'PASSWORD_CHANGED', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended} other sessions ended` });
      return signedIn;
    }, { signedIn: true });
  }

  /**
   * Fresh proof for this session (step-up), without starting a new one: the password, a code from
   * the second factor, or both. Returns an access token with a new `auth_time`; with a code, its
   * `amr` includes `mfa` (the session's sign-in proved the password, this proves the factor).
   */
  async reauthenticate(caller: Caller, password: string | undefined, code: string | undefined, client: ClientInfo): Promise<SignedIn> {
    if (password === undefined && code === undefined) throw badUserInput('Give your password, a code from your authenticator app, or both.', 'password');
    if (password !== undefined && !isPasswordLengthAcceptable(password)) throw badUserInput('The password is not correct.', 'password');
    const { account } = await this.deps.sessions.requireActive(caller);
    if (password !== undefined) await this.deps.hasher.exclusive(() => this.verifyOwnPassword(caller, account, password, client, 'password'), { signedIn: true });
    if (code !== undefined) {
      await this.deps.factors.verifyOwnCode(caller, account, code);
      return this.deps.factors.reauthenticated(caller, account, password !== undefined, client);
    }
    return this.deps.sessions.authenticated(caller, { credentialVersion: account.credentialVersion, amr: PASSWORD_AMR }, { type: 'REAUTHENTICATED', client, detail: 'pwd' });
  }

  /**
   * A signed-in user's own password, checked with failures counted per session: other clients'
   * guesses at the account never block its owner's changePassword or reauthenticate.
   */
  private async verifyOwnPassword(caller: Caller, account: Account['state'], password: string, client: ClientInfo, field = 'currentPassword'): Promise<Account['state']> {
    const { limiter, hasher, audit } = this.deps;
    const attempt = await limiter.attempt([{ key: `session:${caller.sessionId}`, max: this.options.loginMaxFailures, counts: 'failures' }]);
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    let match: PasswordMatch;
    try {
      match = await hasher.verify(account.passwordHash, password);
    } catch (error) {
      await attempt.abandoned();
      throw error;
    }
    if (match === 'mismatch') {
      await attempt.failed();
      await audit.record({ type: 'LOGIN_FAILED', userId: caller.userId, sessionId: caller.sessionId, client, detail: `wrong ${field === 'password' ? 'password (re-authentication)' : 'current password'}` });
      throw badUserInput(field === 'password' ? 'The password is not correct.' : 'The current password is not correct.', field);
    }
    await attempt.succeeded();
    return account;
  }
}
