import type { AuditLog, ClientInfo } from '../audit/audit-log';
import { badUserInput, rateLimited, unauthenticated, type DomainError } from '../errors';
import type { BackgroundTasks } from '../lib/background';
import type { Mailer } from '../mail/mailer';
import { passwordResetMessage, verificationMessage } from '../mail/templates';
import type { PasswordHasher } from '../passwords/hasher';
import { isPasswordLengthAcceptable } from '../passwords/policy';
import type { Caller, Sessions } from '../sessions/sessions';
import type { AccountState, AccountStore, StateChange } from './account-store';
import type { AccountTokens } from './account-tokens';
import { ADMIN_ROLE } from './roles';
import type { AttemptLimiter } from './attempt-limiter';
import type { AccountInputs } from './inputs';
import type { Account, UserDirectory } from './user-directory';

export interface RecoveryOptions {
  appUrl: string;
  productName: string;
  adminEmails: readonly string[];
  emailVerificationTtlMs: number;
  passwordResetTtlMs: number;
  /** Reset (and verification) messages per address per window. */
  messagesPerAddress: number;
}

export interface RecoveryDeps {
  states: AccountStore;
  users: UserDirectory;
  tokens: AccountTokens;
  hasher: PasswordHasher;
  limiter: AttemptLimiter;
  sessions: Sessions;
  mailer: Mailer;
  background: BackgroundTasks;
  audit: AuditLog;
  inputs: AccountInputs;
}

const tokenInvalid = (): DomainError => badUserInput('This link is not valid any more: it was used, replaced by a newer one, or it expired. Ask for a new one.', 'token', 'TOKEN_INVALID');

/**
 * The address becomes proven: `emailVerified`, and, the first time only, ADMIN for an address in
 * ADMIN_EMAILS. After that, roles are what setUserRoles says (a later start-up grants nothing).
 */
export function provenAddress(state: AccountState, email: string, adminEmails: readonly string[]): Pick<StateChange, 'set'> & { grantsAdmin: boolean } {
  const grantsAdmin = adminEmails.includes(email) && !state.adminGranted;
  return {
    set: {
      emailVerified: true,
      ...(grantsAdmin ? { adminGranted: true, roles: state.roles.includes(ADMIN_ROLE) ? state.roles : [...state.roles, ADMIN_ROLE] } : {}),
    },
    grantsAdmin,
  };
}

/** Proving an address, and getting back into an account by email. */
export class Recovery {
  constructor(
    private readonly deps: RecoveryDeps,
    private readonly options: RecoveryOptions,
  ) {}

  /** Mails a verification link (after the response: the mail server never slows or fails the caller). */
  sendVerification(account: Account, client: ClientInfo): void {
    const { background, tokens, mailer, audit } = this.deps;
    const { appUrl, emailVerificationTtlMs, productName } = this.options;
    background.run('send-verification', async () => {
      const token = await tokens.issue('verify-email', account, emailVerificationTtlMs);
      mailer.send(verificationMessage(account.user.email, `${appUrl}/verify-email?token=${token}`, emailVerificationTtlMs, productName));
      await audit.record({ type: 'EMAIL_VERIFICATION_SENT', userId: account.user._id, client });
    });
  }

  /** A new verification link for the signed-in user (limited per account); true once sent or if already verified. */
  async requestEmailVerification(caller: Caller, client: ClientInfo): Promise<boolean> {
    const { sessions, users, limiter } = this.deps;
    await sessions.requireActive(caller);
    const account = await users.findById(caller.userId, { fresh: true });
    if (!account) throw unauthenticated('SESSION_REVOKED');
    if (account.state.emailVerified) return true;
    const attempt = await limiter.attempt([{ key: `verify:${caller.userId}`, max: this.options.messagesPerAddress, counts: 'attempts' }]);
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    this.sendVerification(account, client);
    return true;
  }

  /** The link of a verification message: the address is proven (ADMIN_EMAILS decides here, once). */
  async verifyEmail(token: string, client: ClientInfo): Promise<boolean> {
    const { tokens, states, audit } = this.deps;
    const doc = await tokens.find('verify-email', token);
    if (!doc || !(await tokens.use(doc))) throw tokenInvalid();
    let grantedAdmin = false;
    const changed = await states.change(doc.userId, (current) => {
      if (current.emailVerified) return undefined;
      const proven = provenAddress(current, doc.email, this.options.adminEmails);
      grantedAdmin = proven.grantsAdmin;
      return { set: proven.set, change: 'email-verified' };
    });
    if (!changed) throw tokenInvalid();
    if (changed.after !== changed.before) {
      await audit.record({ type: 'EMAIL_VERIFIED', userId: doc.userId, client });
      if (grantedAdmin) await audit.record({ type: 'ROLES_CHANGED', userId: doc.userId, client, detail: `ADMIN_EMAILS: ${changed.after.roles.join(' ')}` });
    }
    return true;
  }

  /**
   * Always true, in the same time whether or not the account exists: the request path does the
   * same work for any address (the per-address limit), and everything that depends on the
   * account runs after the response. Per address, at most `messagesPerAddress` messages per window.
   */
  async requestPasswordReset(emailInput: string, client: ClientInfo): Promise<boolean> {
    const { limiter, background, inputs } = this.deps;
    const email = inputs.email(emailInput);
    const attempt = await limiter.attempt(inputs.ipLimit(client));
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    background.run('password-reset', () => this.sendReset(email, client));
    return true;
  }

  private async sendReset(email: string, client: ClientInfo): Promise<void> {
    const { limiter, users, tokens, mailer, audit } = this.deps;
    const { appUrl, passwordResetTtlMs, productName } = this.options;
    const attempt = await limiter.attempt([{ key: `reset:${email}`, max: this.options.messagesPerAddress, counts: 'attempts' }]);
    if (!attempt.allowed) return; // the client was told `true` all the same
    const account = await users.findByEmail(email);
    if (!account) return; // nothing is sent at all
    const token = await tokens.issue('reset-password', account, passwordResetTtlMs);
    mailer.send(passwordResetMessage(email, `${appUrl}/reset-password?token=${token}`, passwordResetTtlMs, productName));
    await audit.record({ type: 'PASSWORD_RESET_REQUESTED', userId: account.user._id, client });
  }

  /**
   * The link of a reset message: a new password (the policy applies), the address proven, every
   * session ended (a new credential version), nobody signed in. A link works once, only while it
   * is the newest one, and only while the credentials it was issued under are unchanged.
   */
  async resetPassword(token: string, newPassword: string, client: ClientInfo): Promise<boolean> {
    const { tokens, users, states, hasher, sessions, audit, inputs } = this.deps;
    if (!isPasswordLengthAcceptable(newPassword)) inputs.newPassword(newPassword, 'newPassword'); // over-long: refused before any work
    const doc = await tokens.find('reset-password', token);
    if (!doc || !(await tokens.isNewest(doc))) throw tokenInvalid();
    inputs.newPassword(newPassword, 'newPassword', doc.email);
    const account = await users.findById(doc.userId, { fresh: true });
    if (!account || account.state.credentialVersion !== doc.credentialVersion) throw tokenInvalid();
    const passwordHash = await hasher.exclusive(() => hasher.hash(newPassword));
    if (!(await tokens.use(doc))) throw tokenInvalid();
    let verifiedNow = false;
    let grantedAdmin = false;
    const changed = await states.change(doc.userId, (current) => {
      if (current.credentialVersion !== doc.credentialVersion) throw tokenInvalid();
      const proven = provenAddress(current, doc.email, this.options.adminEmails);
      verifiedNow = !current.emailVerified;
      grantedAdmin = proven.grantsAdmin;
      return { set: { ...proven.set, passwordHash }, credentials: true, change: 'password-reset' };
    });
    if (!changed) throw tokenInvalid();
    const ended = await sessions.endAllOf(doc.userId, 'PASSWORD_RESET');
    await audit.record({ type: 'PASSWORD_RESET', userId: doc.userId, client, detail: `${ended} sessions ended` });
    if (verifiedNow) await audit.record({ type: 'EMAIL_VERIFIED', userId: doc.userId, client, detail: 'by password reset' });
    if (grantedAdmin) await audit.record({ type: 'ROLES_CHANGED', userId: doc.userId, client, detail: `ADMIN_EMAILS: ${changed.after.roles.join(' ')}` });
    return true;
  }
}
