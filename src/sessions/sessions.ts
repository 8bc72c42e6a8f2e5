import type { Types } from 'mongoose';
import type { ScopeTable } from '../accounts/roles';
import type { AuditLog, ClientInfo } from '../audit/audit-log';
import type { AuditEventType, SessionDoc, UserDoc } from '../db/models';
import { DomainError, unauthenticated } from '../errors';
import type { AccessTokens } from '../tokens/access-token';
import type { RefreshRotation } from './rotation';
import type { SessionStatus } from './session-status';
import { refOf, type RevokeReason, type SessionRef, type SessionStore } from './session-store';

/**
 * Sessions, the use cases. A session is one refresh-token chain: it starts at sign-up or login,
 * every refresh swaps its token for the next (src/sessions/rotation.ts), and it ends at logout,
 * when revoked, when a rotated token is replayed, or at its absolute or idle expiry.
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
  user: UserDoc;
  sessionId: string;
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

/** How sessions find the account a token belongs to. */
export interface UserLookup {
  findById(userId: string | Types.ObjectId): Promise<UserDoc | null>;
}

export interface SessionsDeps {
  store: SessionStore;
  rotation: RefreshRotation;
  status: SessionStatus;
  audit: AuditLog;
  accessTokens: AccessTokens;
  scopes: ScopeTable;
  users: UserLookup;
}

function setCookie(token: string, session: { expiresAt: Date }): RefreshCookieAction {
  return { set: token, expiresAt: session.expiresAt };
}

export class Sessions {
  constructor(private readonly deps: SessionsDeps) {}

  /** Starts a session for a user who just proved who they are; `event` is audited with it. */
  async start(user: UserDoc, client: ClientInfo, event?: AuditEventType): Promise<{ signedIn: SignedIn; cookie: RefreshCookieAction }> {
    const { session, refreshToken } = await this.deps.store.start(user._id, client);
    if (event) await this.deps.audit.record({ type: event, userId: user._id, sessionId: session._id, client });
    return { signedIn: this.issue(user, session._id), cookie: setCookie(refreshToken, session) };
  }

  /** A new access token for a session the caller already holds. */
  issue(user: UserDoc, sessionId: string, now = Date.now()): SignedIn {
    const { accessTokens, scopes } = this.deps;
    const accessToken = accessTokens.sign({ userId: user._id.toHexString(), sessionId, roles: user.roles, scope: scopes.claimFor(user.roles) }, now);
    return { accessToken, expiresIn: accessTokens.ttlSeconds, user, sessionId };
  }

  /** Exchanges a refresh token for the next one and a new access token (see rotation.ts). */
  async refresh(token: string, client: ClientInfo): Promise<RefreshOutcome> {
    const { rotation, users, audit } = this.deps;
    const presented = await rotation.lookup(token);
    if (!presented) return { ok: false, error: unauthenticated('REFRESH_TOKEN_INVALID'), cookie: CLEAR };
    // The user is needed for the new access token whatever happens: look it up alongside.
    const [result, user] = await Promise.all([rotation.exchange(presented), users.findById(presented.session.userId)]);
    const { session } = result;
    if (result.outcome === 'REUSED') {
      // Rotation has revoked the session already (an insert nothing can undo).
      this.deps.status.forget(session.sessionId);
      await audit.record({ type: 'REFRESH_TOKEN_REUSED', userId: session.userId, sessionId: session.sessionId, client, detail: 'a rotated refresh token was presented again: session revoked' });
      return { ok: false, error: unauthenticated('REFRESH_TOKEN_REUSED'), cookie: CLEAR };
    }
    if (result.outcome === 'REJECTED') return { ok: false, error: unauthenticated(result.reason), cookie: CLEAR };
    if (!user) return { ok: false, error: unauthenticated('SESSION_REVOKED'), cookie: CLEAR };
    // The successor is a credential from now on: it goes out even if the audit write fails.
    const cookie = setCookie(result.refreshToken, session);
    if (result.outcome === 'ROTATED') {
      await audit.record({ type: 'REFRESHED', userId: session.userId, sessionId: session.sessionId, client, detail: `generation ${result.generation}` });
    }
    return { ok: true, signedIn: this.issue(user, session.sessionId), cookie };
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
    const session = await this.deps.store.findOwn(caller.userId, sessionId);
    const ended = session !== null && (await this.end([refOf(session)], 'REVOKED')).length > 0;
    if (ended) await this.deps.audit.record({ type: 'SESSION_REVOKED', userId: caller.userId, sessionId, client });
    return ended;
  }

  /** Ends every session of the caller, the current one included; returns how many. */
  async revokeAll(caller: Caller, client: ClientInfo): Promise<number> {
    const sessions = await this.deps.store.listActive(caller.userId);
    const ended = await this.end(sessions.map(refOf), 'LOGOUT_ALL');
    await this.deps.audit.record({ type: 'LOGOUT_ALL', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended.length} sessions` });
    return ended.length;
  }

  /** Ends every session of the caller but the current one, after a credential change; returns how many. */
  async revokeOthers(caller: Caller, client: ClientInfo): Promise<number> {
    const others = (await this.deps.store.listActive(caller.userId)).filter((session) => session._id !== caller.sessionId);
    const ended = await this.end(others.map(refOf), 'PASSWORD_CHANGED');
    await this.deps.audit.record({ type: 'PASSWORD_CHANGED', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended.length} other sessions ended` });
    return ended.length;
  }

  /** The caller's sessions that can still be used, newest first. */
  async list(caller: Caller): Promise<SessionView[]> {
    const sessions = await this.deps.store.listActiveWithLastUse(caller.userId);
    return sessions.map((session) => ({ ...session, current: session._id === caller.sessionId }));
  }

  /**
   * Refuses a caller whose session has ended, read from the database now (not the status cache):
   * operations that change credentials or sessions must not run on a dead session in any mode.
   */
  async requireActive(caller: Caller): Promise<void> {
    if ((await this.deps.store.state(caller.sessionId)).state !== 'active') throw unauthenticated('SESSION_REVOKED');
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
