import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { ClientInfo } from '../audit/audit-log';
import type { Models, SessionDoc } from '../db/models';
import { generateRefreshToken, hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token';

export type RevokeReason = 'LOGOUT' | 'LOGOUT_ALL' | 'REVOKED' | 'PASSWORD_CHANGED' | 'REFRESH_TOKEN_REUSED';

export interface StartedSession {
  session: SessionDoc;
  refreshToken: string;
}

/**
 * Sessions (refresh-token families): creation, listing and revocation. Revocation sets
 * `revokedAt` once and nothing ever clears it, so concurrent revocations can only agree.
 */
export class SessionStore {
  constructor(
    private readonly models: Models,
    private readonly options: { refreshTokenTtlMs: number },
  ) {}

  async start(userId: Types.ObjectId, client: ClientInfo, now = new Date()): Promise<StartedSession> {
    const session: SessionDoc = {
      _id: randomBytes(16).toString('base64url'),
      userId,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.options.refreshTokenTtlMs),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip,
      revokedAt: null,
      revokedReason: null,
    };
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

  /** Active sessions of a user, newest first. */
  async listActive(userId: Types.ObjectId | string, now = new Date()): Promise<SessionDoc[]> {
    return this.models.Session.find({ userId, revokedAt: null, expiresAt: { $gt: now } })
      .sort({ createdAt: -1 })
      .limit(200)
      .lean<SessionDoc[]>();
  }

  /** Ends one session; true when it was active. */
  async revoke(sessionId: string, reason: RevokeReason, now = new Date()): Promise<boolean> {
    const result = await this.models.Session.updateOne({ _id: sessionId, revokedAt: null }, { $set: { revokedAt: now, revokedReason: reason } });
    return result.modifiedCount > 0;
  }

  /** Ends one of `userId`'s sessions; false when it is not theirs or already ended. */
  async revokeOwn(userId: Types.ObjectId | string, sessionId: string, reason: RevokeReason, now = new Date()): Promise<boolean> {
    const result = await this.models.Session.updateOne(
      { _id: sessionId, userId, revokedAt: null },
      { $set: { revokedAt: now, revokedReason: reason } },
    );
    return result.modifiedCount > 0;
  }

  /** Ends every active session of a user except `keepSessionId`; returns the ids it ended. */
  async revokeAll(userId: Types.ObjectId | string, reason: RevokeReason, keepSessionId?: string, now = new Date()): Promise<string[]> {
    const filter = { userId, revokedAt: null, expiresAt: { $gt: now }, ...(keepSessionId ? { _id: { $ne: keepSessionId } } : {}) };
    const ids = (await this.models.Session.find(filter, { _id: 1 }).lean()).map((doc) => doc._id);
    if (ids.length === 0) return [];
    await this.models.Session.updateMany({ _id: { $in: ids }, revokedAt: null }, { $set: { revokedAt: now, revokedReason: reason } });
    return ids;
  }

  /** The session a refresh token (of any generation) belongs to. */
  async findByRefreshToken(token: string): Promise<{ sessionId: string; userId: Types.ObjectId } | null> {
    if (!isRefreshTokenShaped(token)) return null;
    const found = await this.models.RefreshToken.findById(hashRefreshToken(token), { sessionId: 1, userId: 1 }).lean();
    return found ? { sessionId: found.sessionId, userId: found.userId } : null;
  }

  findById(sessionId: string): Promise<SessionDoc | null> {
    return this.models.Session.findById(sessionId).lean<SessionDoc>();
  }
}
