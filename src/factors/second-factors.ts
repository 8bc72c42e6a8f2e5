import type { Types } from 'mongoose';
import type { AccountState, AccountStore } from '../accounts/account-store';
import type { AttemptLimiter } from '../accounts/attempt-limiter';
import type { AccountInputs } from '../accounts/inputs';
import type { Account, UserDirectory } from '../accounts/user-directory';
import type { AuditLog, ClientInfo } from '../audit/audit-log';
import type { Models, TotpEnrollmentDoc } from '../db/models';
import type { SingleUse } from '../db/single-use';
import { badUserInput, rateLimited, unauthenticated } from '../errors';
import type { SecretBox } from '../lib/encryption';
import type { Caller, Sessions, SignedIn, Started } from '../sessions/sessions';
import type { MfaTickets } from './mfa-tickets';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { isTotpCode, matchingStep, newTotpSecret, otpauthUri, qrSvg, TOTP_PERIOD_S } from './totp';

export interface SecondFactorsDeps {
  models: Pick<Models, 'TotpEnrollment'>;
  states: AccountStore;
  users: UserDirectory;
  sessions: Sessions;
  tickets: MfaTickets;
  singleUse: SingleUse;
  secrets: SecretBox;
  limiter: AttemptLimiter;
  inputs: AccountInputs;
  audit: AuditLog;
  issuer: string;
  loginMaxFailures: number;
}

export interface TotpEnrollment {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

/** What a second factor proved, as RFC 8176 `amr` values. */
export type FactorProof = 'totp' | 'recovery_code';

/** How long a started enrollment waits for its first code. */
const ENROLLMENT_TTL_MS = 10 * 60_000;
/** The methods verifyMfa accepts, as `extensions.methods` says. */
export const MFA_METHODS = ['totp', 'recovery_code'] as const;

const totpAad = (userId: Types.ObjectId | string) => `totp:${String(userId)}`;

/**
 * TOTP (RFC 6238) with recovery codes: enrolment, the second step of a password login, and codes
 * for re-authentication. A code counts once: TOTP steps and recovery codes are single-use inserts.
 * Turning TOTP on or off is a credential change: a new revision under a new credential version,
 * so every other session ends; this one is re-bound with what it just proved.
 */
export class SecondFactors {
  constructor(private readonly deps: SecondFactorsDeps) {}

  /** A new secret to scan; nothing changes until confirmTotpEnrollment proves a code from it. */
  async startTotpEnrollment(caller: Caller): Promise<TotpEnrollment> {
    const { sessions, users, models, secrets, issuer } = this.deps;
    await sessions.requireActive(caller);
    const account = await users.findById(caller.userId, { fresh: true });
    if (!account) throw unauthenticated('SESSION_REVOKED');
    if (account.state.totp) throw badUserInput('Two-factor authentication is already on. Turn it off first to enrol a new device.');
    const secret = newTotpSecret();
    const now = new Date();
    await models.TotpEnrollment.create({ userId: account.user._id, secret: secrets.seal(secret, totpAad(caller.userId)), createdAt: now, expiresAt: new Date(now.getTime() + ENROLLMENT_TTL_MS) });
    const uri = otpauthUri(secret, account.user.email, issuer);
    return { secret, otpauthUri: uri, qrSvg: await qrSvg(uri) };
  }

  /** The first code from the newest enrolment turns TOTP on: returns the ten recovery codes, shown this once. */
  async confirmTotpEnrollment(caller: Caller, code: string, client: ClientInfo): Promise<string[]> {
    const { sessions, models, secrets, states, audit } = this.deps;
    const { authentication } = await sessions.requireActive(caller);
    const enrollment = await models.TotpEnrollment.findOne({ userId: caller.userId, expiresAt: { $gt: new Date() } }).sort({ createdAt: -1 }).lean<TotpEnrollmentDoc>().exec();
    if (!enrollment) throw badUserInput('Start the enrolment first (startTotpEnrollment); it is valid for 10 minutes.', 'code');
    const secret = this.openSecret(enrollment.secret, caller.userId);
    await this.checkTotp(caller.userId, secret, code, { key: `session:${caller.sessionId}`, field: 'code' });
    const { codes, hashes } = newRecoveryCodes();
    const changed = await states.change(caller.userId, (current) => {
      if (current.totp) throw badUserInput('Two-factor authentication is already on.', 'code');
      return { set: { totp: { secret: secrets.seal(secret, totpAad(caller.userId)), recoveryCodes: hashes, enabledAt: new Date() } }, credentials: true, change: 'totp-enabled' };
    });
    if (!changed) throw unauthenticated('SESSION_REVOKED');
    await sessions.authenticated(caller, { credentialVersion: changed.after.credentialVersion, amr: withAmr(authentication.amr, ['otp', 'mfa']) });
    const ended = await sessions.endAllOf(caller.userId, 'FACTORS_CHANGED', caller.sessionId);
    await models.TotpEnrollment.deleteMany({ userId: caller.userId });
    await audit.record({ type: 'TOTP_ENABLED', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended} other sessions ended` });
    return codes;
  }

  /** Turns TOTP off (and its recovery codes with it): every other session ends. */
  async disableTotp(caller: Caller, client: ClientInfo): Promise<boolean> {
    const { sessions, states, audit } = this.deps;
    const { authentication } = await sessions.requireActive(caller);
    const changed = await states.change(caller.userId, (current) => (current.totp ? { set: { totp: null }, credentials: true, change: 'totp-disabled' } : undefined));
    if (!changed) throw unauthenticated('SESSION_REVOKED');
    if (changed.after === changed.before) return false;
    await sessions.authenticated(caller, { credentialVersion: changed.after.credentialVersion, amr: authentication.amr });
    const ended = await sessions.endAllOf(caller.userId, 'FACTORS_CHANGED', caller.sessionId);
    await audit.record({ type: 'TOTP_DISABLED', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended} other sessions ended` });
    return true;
  }

  /** The second step of a password login with TOTP on: MFA_REQUIRED carries this ticket. */
  issueTicket(account: Account): Promise<string> {
    return this.deps.tickets.issue(account);
  }

  /**
   * Finishes a password login: the ticket (unexpired, unused, for credentials that have not
   * changed since the password was checked) and a TOTP or recovery code. Wrong codes count like
   * wrong passwords (the same limits); the ticket is used only by a right code.
   */
  async verifyMfa(ticket: string, code: string, client: ClientInfo): Promise<Started> {
    const { tickets, users, limiter, inputs, sessions, audit } = this.deps;
    const doc = await tickets.find(ticket);
    if (!doc) throw unauthenticated('MFA_TICKET_INVALID');
    const account = await users.findById(doc.userId, { fresh: true });
    if (!account || account.state.credentialVersion !== doc.credentialVersion || !account.state.totp) throw unauthenticated('MFA_TICKET_INVALID');
    const attempt = await limiter.attempt(inputs.loginLimits(account.user.email, client));
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    const proof = await this.proveCode(account.state, code);
    if (!proof) {
      await attempt.failed();
      await audit.record({ type: 'MFA_FAILED', userId: account.user._id, client, detail: 'wrong code at login' });
      throw unauthenticated('INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
    if (!(await tickets.use(doc))) throw unauthenticated('MFA_TICKET_INVALID');
    if (proof === 'recovery_code') await audit.record({ type: 'RECOVERY_CODE_USED', userId: account.user._id, client });
    return sessions.start(account, client, { credentialVersion: doc.credentialVersion, amr: ['pwd', 'otp', 'mfa'] }, 'LOGIN_SUCCEEDED');
  }

  /**
   * A signed-in user's code for re-authentication (failures counted per session): throws
   * BAD_USER_INPUT when wrong. Accounts without TOTP have no code to give.
   */
  async verifyOwnCode(caller: Caller, state: AccountState, code: string): Promise<FactorProof> {
    if (!state.totp) throw badUserInput('This account has no second factor; re-authenticate with the password.', 'code');
    const { limiter, loginMaxFailures } = this.deps;
    const attempt = await limiter.attempt([{ key: `session:${caller.sessionId}`, max: loginMaxFailures, counts: 'failures' }]);
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    const proof = await this.proveCode(state, code);
    if (!proof) {
      await attempt.failed();
      throw badUserInput('The code is not correct.', 'code');
    }
    await attempt.succeeded();
    return proof;
  }

  /** Re-authentication with a code (and the password when given): the session's auth_time is now, with `mfa`. */
  reauthenticated(caller: Caller, state: AccountState, withPassword: boolean, client: ClientInfo): Promise<SignedIn> {
    return this.deps.sessions.authenticated(
      caller,
      { credentialVersion: state.credentialVersion, amr: [...(withPassword ? ['pwd'] : []), 'otp', 'mfa'] },
      { type: 'REAUTHENTICATED', client, detail: withPassword ? 'pwd otp' : 'otp' },
    );
  }

  /** A TOTP code (its step used once) or an unused recovery code of this state, or null. */
  private async proveCode(state: AccountState, code: string): Promise<FactorProof | null> {
    const { singleUse } = this.deps;
    if (!state.totp || code.length > 64) return null;
    if (isTotpCode(code)) {
      const secret = this.openSecret(state.totp.secret, state.userId);
      const step = matchingStep(secret, code);
      if (step === null) return null;
      return (await singleUse.claim(`totp:${String(state.userId)}:${step}`, new Date(Date.now() + 3 * TOTP_PERIOD_S * 1_000))) ? 'totp' : null;
    }
    const hash = hashRecoveryCode(code);
    if (!state.totp.recoveryCodes.includes(hash)) return null;
    // Kept as long as the factor could be: a recovery code never works twice.
    return (await singleUse.claim(`recovery-code:${String(state.userId)}:${hash}`, new Date(Date.now() + 10 * 365 * 86_400_000))) ? 'recovery_code' : null;
  }

  /** A stored TOTP secret, opened; a failure means the key differs from the one that sealed it. */
  private openSecret(sealed: string, userId: Types.ObjectId | string): string {
    try {
      return this.deps.secrets.open(sealed, totpAad(userId));
    } catch (error) {
      throw new Error(`DATA_ENCRYPTION_KEY cannot open the TOTP secret of account ${String(userId)}: was the key changed, or do instances use different keys? (${(error as Error).message})`);
    }
  }

  /** A TOTP code during enrolment: a wrong one is BAD_USER_INPUT, counted against `key`. */
  private async checkTotp(userId: string, secret: string, code: string, limit: { key: string; field: string }): Promise<void> {
    const { limiter, loginMaxFailures, singleUse } = this.deps;
    const attempt = await limiter.attempt([{ key: limit.key, max: loginMaxFailures, counts: 'failures' }]);
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    const step = matchingStep(secret, code);
    if (step === null || !(await singleUse.claim(`totp:${userId}:${step}`, new Date(Date.now() + 3 * TOTP_PERIOD_S * 1_000)))) {
      await attempt.failed();
      throw badUserInput('The code is not correct. Enter the 6 digits your app shows now.', limit.field);
    }
    await attempt.succeeded();
  }
}

/** An `amr` list with more methods, each once. */
export function withAmr(amr: readonly string[], more: readonly string[]): string[] {
  return [...new Set([...amr, ...more])];
}
