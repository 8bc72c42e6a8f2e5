import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { ClientInfo } from '../audit/audit-log';
import { isDuplicateKey } from '../db/errors';
import type { Models, SessionDoc } from '../db/models';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry';
import { generateRefreshToken, hashRefreshToken } from '../tokens/refresh-token';

export type RevokeReason = 'LOGOUT' | 'LOGOUT_ALL' | 'REVOKED' | 'PASSWORD_CHANGED' | 'REFRESH_TOKEN_REUSED';

export interface StartedSession {
  session: SessionDoc;
  refreshToken: string;
}

/** A session as each of its refresh tokens records it: enough to revoke it. */
export interface SessionRef {
  sessionId: string;
  userId: Types.ObjectId;
  /** The session's absolute end (copied to every token of the session). */
  expiresAt: Date;
}

export function refOf(session: SessionDoc): SessionRef {
  return { sessionId: session._id, userId: session.userId, expiresAt: session.expiresAt };
}

export type SessionState = { state: 'active'; session: SessionDoc } | { state: 'revoked' | 'expired'; session: SessionDoc } | { state: 'unknown' };

/**
 * Session storage: creation, state, listing and revocation (the use cases are in sessions.ts). A revocation is
 * an insert keyed by the session id (see SessionRevocationDoc): atomic, idempotent, and never
 * undone, whatever else writes to the session concurrently.
 */
export class SessionStore {
  constructor(
    private readonly models: Models,
    private readonly options: { refreshTokenTtlMs: number },
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {}

  async start(userId: Types.ObjectId, client: ClientInfo, now = new Date()): Promise<StartedSession> {
    const session: SessionDoc = {
      _id: randomBytes(16).toString('base64url'),
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.refreshTokenTtlMs),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip,
    };
    // In this order, not in parallel: rotation trusts the session a token names, so a token must
    // never exist without its session.
    await this.models.Session.create(session);
    const refreshToken = generateRefreshToken();
    await this.models.RefreshToken.create({
      _id: hashRefreshToken(refreshToken),
      sessionId: session._id,
      userId,
      generation: 0,
      createdAt: now,
      expiresAt: session.expiresAt,
    });
    return { session, refreshToken };
  }

  /** The session and whether it may still be used. */
  async state(sessionId: string, now = Date.now()): Promise<SessionState> {
    const [session, revoked] = await Promise.all([this.models.Session.findById(sessionId).lean<SessionDoc>().exec(), this.isRevoked(sessionId)]);
    if (!session) return { state: 'unknown' };
    if (revoked) return { state: 'revoked', session };
    if (session.expiresAt.getTime() <= now) return { state: 'expired', session };
    return { state: 'active', session };
  }

  /** Active sessions of a user, newest first. */
  async listActive(userId: Types.ObjectId | string, now = new Date()): Promise<SessionDoc[]> {
    const sessions = await this.models.Session.find({ userId, expiresAt: { $gt: now } })
      .sort({ createdAt: -1 })
      .limit(500)
      .lean<SessionDoc[]>()
      .exec();
    if (sessions.length === 0) return sessions;
    const revoked = await this.models.SessionRevocation.find({ _id: { $in: sessions.map((session) => session._id) } }, { _id: 1 }).lean().exec();
    const revokedIds = new Set(revoked.map((doc) => doc._id));
    return sessions.filter((session) => !revokedIds.has(session._id));
  }

  /**
   * Active sessions with `lastUsedAt` from their newest refresh token: one indexed look-up per
   * session on (sessionId, generation), in parallel. (FerretDB v1 has no `$group` `$max`.)
   */
  async listActiveWithLastUse(userId: Types.ObjectId | string, now = new Date()): Promise<(SessionDoc & { lastUsedAt: Date })[]> {
    const sessions = await this.listActive(userId, now);
    const newest = await Promise.all(
      sessions.map((session) =>
        this.models.RefreshToken.findOne({ sessionId: session._id }, { createdAt: 1 }).sort({ generation: -1 }).lean().exec(),
      ),
    );
    return sessions.map((session, index) => ({ ...session, lastUsedAt: newest[index]?.createdAt ?? session.createdAt }));
  }

  isRevoked(sessionId: string): Promise<boolean> {
    return this.models.SessionRevocation.exists({ _id: sessionId })
      .exec()
      .then((found) => found !== null);
  }

  /** Ends a session; true when this call ended it (false: already ended). */
  async revoke(session: SessionRef, reason: RevokeReason, now = new Date()): Promise<boolean> {
    try {
      await this.models.SessionRevocation.create({ _id: session.sessionId, userId: session.userId, at: now, reason, expiresAt: session.expiresAt });
      this.telemetry.sessionsRevoked(reason, 1);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** One of `userId`'s sessions by id; null when it is not theirs or unknown. */
  findOwn(userId: Types.ObjectId | string, sessionId: string): Promise<SessionDoc | null> {
    return this.models.Session.findOne({ _id: sessionId, userId }).lean<SessionDoc>().exec();
  }
}
