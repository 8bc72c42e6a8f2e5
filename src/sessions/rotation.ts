import type { KeyObject } from 'node:crypto';
import type { Models, RefreshTokenDoc, SessionDoc } from '../db/models';
import { isDuplicateKey } from '../db/errors';
import type { SessionStore } from './session-store';
import { deriveSuccessor, hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token';

export interface RotationOptions {
  refreshTokenKey: KeyObject;
  refreshIdleTtlMs: number;
  refreshReuseGraceMs: number;
}

export type RotationResult =
  | { outcome: 'ROTATED' | 'RETRIED'; session: SessionDoc; refreshToken: string; generation: number }
  | { outcome: 'REUSED'; session: SessionDoc }
  | { outcome: 'REJECTED'; reason: 'REFRESH_TOKEN_INVALID' | 'SESSION_REVOKED' | 'SESSION_EXPIRED'; session?: SessionDoc };

/**
 * Exchanges a refresh token for its successor. The algorithm, and why it is race-free on a
 * database whose only atomic primitive is the unique index:
 *
 * 1. Find the presented token by its hash; find its session. Unknown, revoked or expired: reject.
 * 2. Its successor is HMAC(key, token): every exchange of the same token, concurrent or retried,
 *    on any instance, computes the same successor without the raw token being stored anywhere.
 * 3. Insert the successor's hash with generation + 1. The unique index on `_id` (and the one on
 *    (sessionId, generation)) lets exactly one insert win; the winner has rotated.
 * 4. A loser (duplicate key) is a retry of a token that was already exchanged. If the successor
 *    has not itself been exchanged and was created within the grace window, it answers the same
 *    successor (a lost response, two tabs at once). Otherwise the token is a replay: revoke the
 *    whole family by inserting its revocation (unique by session id).
 *
 * Because revocation is one insert that nothing can undo, checked on every exchange, a replay
 * racing a legitimate refresh leaves the family revoked, never half-revoked: whatever successor
 * the legitimate request wrote belongs to a revoked session and is refused when presented.
 * (A flag on the session document is not enough: FerretDB writes whole documents back without
 * isolation, so a concurrent `lastUsedAt` update can restore `revokedAt: null`. The test
 * "a replay racing legitimate refreshes" caught exactly that.)
 */
export class RefreshRotation {
  constructor(
    private readonly models: Models,
    private readonly sessions: SessionStore,
    private readonly options: RotationOptions,
  ) {}

  async exchange(presentedToken: string, now = new Date()): Promise<RotationResult> {
    if (!isRefreshTokenShaped(presentedToken)) return { outcome: 'REJECTED', reason: 'REFRESH_TOKEN_INVALID' };
    const { RefreshToken } = this.models;

    const presented = await RefreshToken.findById(hashRefreshToken(presentedToken)).lean<RefreshTokenDoc>().exec();
    if (!presented) return { outcome: 'REJECTED', reason: 'REFRESH_TOKEN_INVALID' };
    const successor = deriveSuccessor(presentedToken, this.options.refreshTokenKey);
    const successorHash = hashRefreshToken(successor);
    const idle = presented.createdAt.getTime() + this.options.refreshIdleTtlMs <= now.getTime();
    const [current, successorExists] = await Promise.all([
      this.sessions.state(presented.sessionId, now.getTime()),
      // Only needed for an idle token: it may still be retried (its successor exists), never exchanged anew.
      idle ? RefreshToken.exists({ _id: successorHash }).exec() : null,
    ]);
    if (current.state === 'unknown') return { outcome: 'REJECTED', reason: 'REFRESH_TOKEN_INVALID' };
    const { session } = current;
    if (current.state === 'revoked') return { outcome: 'REJECTED', reason: 'SESSION_REVOKED', session };
    if (current.state === 'expired' || (idle && !successorExists)) return { outcome: 'REJECTED', reason: 'SESSION_EXPIRED', session };

    const generation = presented.generation + 1;
    try {
      await RefreshToken.create({
        _id: successorHash,
        sessionId: session._id,
        userId: session.userId,
        generation,
        createdAt: now,
        expiresAt: session.expiresAt,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return this.resolveConflict(session, successorHash, successor, generation, now);
    }
    return { outcome: 'ROTATED', session, refreshToken: successor, generation };
  }

  private async resolveConflict(
    session: SessionDoc,
    successorHash: string,
    successor: string,
    generation: number,
    now: Date,
  ): Promise<RotationResult> {
    const { RefreshToken } = this.models;
    const [existing, successorWasExchanged] = await Promise.all([
      RefreshToken.findOne({ sessionId: session._id, generation }).lean<RefreshTokenDoc>().exec(),
      RefreshToken.exists({ sessionId: session._id, generation: generation + 1 }).exec(),
    ]);
    const withinGrace = existing !== null && now.getTime() - existing.createdAt.getTime() <= this.options.refreshReuseGraceMs;
    // `existing._id !== successorHash` only when the successor was derived with another key
    // (REFRESH_TOKEN_SECRET changed): it cannot be reproduced, so it is refused, not replayed.
    if (existing && existing._id === successorHash && withinGrace && !successorWasExchanged) {
      return { outcome: 'RETRIED', session, refreshToken: successor, generation };
    }
    if (existing && existing._id !== successorHash && withinGrace) {
      return { outcome: 'REJECTED', reason: 'REFRESH_TOKEN_INVALID', session };
    }
    await this.sessions.revoke(session, 'REFRESH_TOKEN_REUSED', now);
    return { outcome: 'REUSED', session };
  }
}
