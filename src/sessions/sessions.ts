import type { Types } from 'mongoose';
import type { KnownDevices } from '../accounts/known-devices';
import type { ScopeTable } from '../accounts/roles';
import type { Account } from '../accounts/user-directory';
import type { AuditLog, ClientInfo } from '../audit/audit-log';
import type { AuditEventType, SessionDoc } from '../db/models';
import { DomainError, unauthenticated, type UnauthenticatedReason } from '../errors';
import type { AccessTokens } from '../tokens/access-token';
import type { SessionLiveness } from './liveness';
import type { RefreshRotation } from './rotation';
import type { SessionStatus } from './session-status';
import { refOf, type Authentication, type RevokeReason, type SessionRef, type SessionStore } from './session-store';

/**
 * Sessions, the use cases. A session is one refresh-token chain: it starts when someone proves who
 * they are (sign-up, login, a second factor, a passkey), every refresh swaps its token for the
 * next (rotation.ts), and it ends at logout, when revoked, when a rotated token is replayed, at
 * its absolute or idle expiry, or when the account's credentials change under it (liveness.ts).
 *
 * Each use case returns what happened and what to do with the refresh cookie; the caller (the
 * GraphQL layer) only applies that. Ending a session always goes through `end()`: the
 * revocation insert, then this instance's status cache; each use case audits what it did.
 */

/** What the HTTP layer should do with the refresh cookie. */
export type RefreshCookieAction = { set: string; expiresAt: Date } | { clear: true };

const CLEAR: RefreshCookieAction = { clear: true };

/** An access token for a user's session. */
export interface SignedIn {
  accessToken: string;
  expiresIn: number;
  account: Account;
  sessionId: string;
}

/** A user who just proved who they are, signed in to a new session (and their device now known to the account). */
export interface Started {
  signedIn: SignedIn;
  cookie: RefreshCookieAction;
  /** The known-device token for the device cookie (accounts/known-devices.ts). */
  device: string;
}

/** Who is acting: the access token's subject and session. */
export interface Caller {
  userId: string;
  sessionId: string;
}

export type RefreshOutcome = { ok: true; signedIn: SignedIn; cookie: RefreshCookieAction } | { ok: false; error: DomainError; cookie?: RefreshCookieAction };

export interface SessionView extends SessionDoc {
  lastUsedAt: Date;
  current: boolean;
}

/** How sessions find the account a token belongs to (`fresh`: read now, not from the cache). */
export interface AccountLookup {
  findById(userId: string | Types.ObjectId, options?: { fresh?: boolean }): Promise<Account | null>;
}

export interface SessionsDeps {
  devices: KnownDevices;
  store: SessionStore;
  rotation: RefreshRotation;
  status: SessionStatus;
  audit: AuditLog;
  accessTokens: AccessTokens;
  scopes: ScopeTable;
  accounts: AccountLookup;
  refreshIdleTtlMs: number;
}

function setCookie(token: string, session: { expiresAt: Date }): RefreshCookieAction {
  return { set: token, expiresAt: session.expiresAt };
}

/** Why a session that is not alive cannot be used. */
function deadReason(state: Exclude<SessionLiveness['state'], 'active'>): UnauthenticatedReason {
  if (state === 'expired') return 'SESSION_EXPIRED';
  if (state === 'disabled') return 'ACCOUNT_DISABLED';
  return 'SESSION_REVOKED';
}

export class Sessions {
  constructor(private readonly deps: SessionsDeps) {}

  /**
   * Starts a session for someone who just proved `authentication` (the credential version they
   * checked, and how). If the account's credentials changed meanwhile (a password change racing
   * this login), the new session is already dead: it is ended and the sign-in refused.
   */
  async start(account: Account, client: ClientInfo, authentication: Authentication, event?: AuditEventType): Promise<Started> {
    const { store, accounts, audit } = this.deps;
    const now = new Date();
    const { session, refreshToken } = await store.start(account.user._id, client, authentication, now);
    const current = await accounts.findById(account.user._id, { fresh: true });
    if (!current || current.state.disabled || current.state.credentialVersion !== authentication.credentialVersion) {
      await this.end([refOf(session)], 'PASSWORD_CHANGED');
      throw unauthenticated(current?.state.disabled ? 'ACCOUNT_DISABLED' : 'INVALID_CREDENTIALS');
    }
    if (event) await audit.record({ type: event, userId: account.user._id, sessionId: session._id, client, detail: authentication.amr.join(' ') });
    return {
      signedIn: this.issue(current, session._id, { at: now, amr: authentication.amr }),
      cookie: setCookie(refreshToken, session),
      device: this.deps.devices.issue(current.user.email, client.device),
    };
  }

  /** A new access token for a session: the account's roles now, and how the session last authenticated. */
  issue(account: Account, sessionId: string, authentication: { at: Date; amr: readonly string[] }, now = Date.now()): SignedIn {
    const { accessTokens, scopes } = this.deps;
    const { roles } = account.state;
    const accessToken = accessTokens.sign(
      { userId: account.user._id.toHexString(), sessionId, roles, scope: scopes.claimFor(roles), authTime: authentication.at, amr: authentication.amr },
      now,
    );
    return { accessToken, expiresIn: accessTokens.ttlSeconds, account, sessionId };
  }

  /**
   * Exchanges a refresh token for the next one and a new access token (see rotation.ts). The
   * account is read now, whatever SESSION_CHECK says: a session whose credentials changed, or
   * whose account was disabled or deleted, never refreshes.
   */
  async refresh(token: string, client: ClientInfo): Promise<RefreshOutcome> {
    const { rotation, accounts, audit, status, store } = this.deps;
    const presented = await rotation.lookup(token);
    if (!presented) return { ok: false, error: unauthenticated('REFRESH_TOKEN_INVALID'), cookie: CLEAR };
    const { session: ref } = presented;
    const userId = ref.userId.toHexString();
    // Read now: the revocation (rotation) and the account (its roles go into the new token, so a
    // promotion arrives with the next refresh). The session's authentication as the session
    // check knows it: it changes only when the session signs in again, which is checked below.
    const [result, facts, account] = await Promise.all([rotation.exchange(presented), status.facts(ref.sessionId, userId), accounts.findById(userId, { fresh: true })]);
    if (result.outcome === 'REUSED') {
      // Rotation has revoked the session already (an insert nothing can undo).
      status.forget(ref.sessionId);
      await audit.record({ type: 'REFRESH_TOKEN_REUSED', userId: ref.userId, sessionId: ref.sessionId, client, detail: 'a rotated refresh token was presented again: session revoked' });
      return { ok: false, error: unauthenticated('REFRESH_TOKEN_REUSED'), cookie: CLEAR };
    }
    if (result.outcome === 'REJECTED') return { ok: false, error: unauthenticated(result.reason), cookie: CLEAR };
    if (facts.state !== 'active' && facts.state !== 'superseded') return { ok: false, error: unauthenticated(facts.state === 'unknown' ? 'SESSION_REVOKED' : deadReason(facts.state)), cookie: CLEAR };
    if (!account) return { ok: false, error: unauthenticated('SESSION_REVOKED'), cookie: CLEAR };
    if (account.state.disabled) return { ok: false, error: unauthenticated('ACCOUNT_DISABLED'), cookie: CLEAR };
    // Bound to the account's current credential version, as read now (another instance may have re-bound it).
    let authentication = facts.state === 'active' ? facts.authentication : null;
    if (authentication?.credentialVersion !== account.state.credentialVersion) authentication = await store.latestAuthentication(ref.sessionId);
    if (!authentication || authentication.credentialVersion !== account.state.credentialVersion) return { ok: false, error: unauthenticated('SESSION_REVOKED'), cookie: CLEAR };
    // The successor is a credential from now on: it goes out even if the audit write fails.
    const cookie = setCookie(result.refreshToken, ref);
    if (result.outcome === 'ROTATED') {
      await audit.record({ type: 'REFRESHED', userId: ref.userId, sessionId: ref.sessionId, client, detail: `generation ${result.generation}` });
    }
    // The new token carries the roles just read; this instance's session check must not narrow them to older ones.
    status.observed(ref.sessionId, { state: 'active', account: account.state, authentication });
    return { ok: true, signedIn: this.issue(account, ref.sessionId, authentication), cookie };
  }

  /**
   * The caller's session proved the account's credentials again (re-authentication, or a change
   * of its own password or factors): records it and returns an access token with the new
   * `auth_time` and `amr`. The session, its refresh token and its cookie stay as they are.
   */
  async authenticated(caller: Caller, authentication: Authentication, event?: { type: AuditEventType; client: ClientInfo; detail?: string }): Promise<SignedIn> {
    const { store, accounts, audit } = this.deps;
    const state = await this.requireActive(caller, { allowCredentialVersion: authentication.credentialVersion });
    const recorded = await store.authenticate(refOf(state.session), authentication);
    const account = await accounts.findById(caller.userId, { fresh: true });
    if (!account || account.state.credentialVersion !== authentication.credentialVersion) throw unauthenticated('SESSION_REVOKED');
    if (event) await audit.record({ type: event.type, userId: caller.userId, sessionId: caller.sessionId, client: event.client, detail: event.detail });
    return this.issue(account, caller.sessionId, recorded);
  }

  /** Ends the session of a refresh token (if it is one). The cookie is cleared either way. */
  async logout(token: string | undefined, client: ClientInfo): Promise<{ ended: boolean; cookie: RefreshCookieAction }> {
    const presented = token === undefined ? null : await this.deps.rotation.lookup(token);
    if (!presented) return { ended: false, cookie: CLEAR };
    const { session } = presented;
    const ended = (await this.end([session], 'LOGOUT')).length > 0;
    if (ended) await this.deps.audit.record({ type: 'LOGOUT', userId: session.userId, sessionId: session.sessionId, client });
    return { ended, cookie: CLEAR };
  }

  /** Ends one of the caller's own sessions; false when it is not theirs, unknown or already ended. */
  async revokeOwn(caller: Caller, sessionId: string, client: ClientInfo): Promise<boolean> {
    await this.requireActive(caller);
    const session = await this.deps.store.findOwn(caller.userId, sessionId);
    const ended = session !== null && (await this.end([refOf(session)], 'REVOKED')).length > 0;
    if (ended) await this.deps.audit.record({ type: 'SESSION_REVOKED', userId: caller.userId, sessionId, client });
    return ended;
  }

  /** Ends every session of the caller, the current one included; returns how many. */
  async revokeAll(caller: Caller, client: ClientInfo): Promise<number> {
    await this.requireActive(caller);
    const ended = await this.endAllOf(caller.userId, 'LOGOUT_ALL');
    await this.deps.audit.record({ type: 'LOGOUT_ALL', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended} sessions` });
    return ended;
  }

  /** Ends every session of a user but `keep` (after a credential change); returns how many it ended. */
  async endAllOf(userId: Types.ObjectId | string, reason: RevokeReason, keep?: string): Promise<number> {
    const sessions = (await this.deps.store.listActive(userId)).filter((session) => session._id !== keep);
    return (await this.end(sessions.map(refOf), reason)).length;
  }

  /** The caller's sessions that can still refresh, newest first. */
  async list(caller: Caller): Promise<SessionView[]> {
    const account = await this.deps.accounts.findById(caller.userId);
    if (!account) return [];
    const sessions = await this.deps.store.listUsable(caller.userId, account.state.credentialVersion, this.deps.refreshIdleTtlMs);
    return sessions.map((session) => ({ ...session, current: session._id === caller.sessionId }));
  }

  /**
   * The caller's session if it is alive, read from the database now (not the status cache):
   * operations on sessions, credentials, factors or roles must not run on a dead session in any
   * mode. `allowCredentialVersion`: a session being re-bound to a version it just proved.
   */
  async requireActive(caller: Caller, options: { allowCredentialVersion?: number } = {}): Promise<Extract<SessionLiveness, { state: 'active' }>> {
    const state = await this.deps.store.state(caller.sessionId, caller.userId);
    if (state.state === 'active') return state;
    if (state.state === 'superseded' && options.allowCredentialVersion !== undefined) {
      const account = await this.deps.accounts.findById(caller.userId, { fresh: true });
      const authentication = await this.deps.store.latestAuthentication(caller.sessionId);
      if (account && authentication && account.state.credentialVersion === options.allowCredentialVersion) {
        return { state: 'active', session: state.session, authentication, account: account.state };
      }
    }
    throw unauthenticated(state.state === 'unknown' ? 'SESSION_REVOKED' : deadReason(state.state));
  }

  /**
   * The one way sessions end: insert each revocation (idempotent, unique by session id) and stop
   * trusting them on this instance at once. Returns the ids this call ended (not those that had
   * ended already). Callers audit.
   */
  private async end(sessions: SessionRef[], reason: RevokeReason): Promise<string[]> {
    const { store, status } = this.deps;
    const endedNow = await Promise.all(sessions.map((session) => store.revoke(session, reason)));
    for (const session of sessions) status.forget(session.sessionId);
    return sessions.filter((_, index) => endedNow[index]).map((session) => session.sessionId);
  }
}
