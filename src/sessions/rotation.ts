import type { KeyObject } from 'node:crypto';
import type { Models, RefreshTokenDoc } from '../db/models';
import { isDuplicateKey } from '../db/errors';
import type { Family, SessionStore } from './session-store';
import { deriveSuccessor, hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token';

export interface RotationOptions {
  refreshTokenKey: KeyObject;
  refreshIdleTtlMs: number;
  refreshReuseGraceMs: number;
}

/** A presented refresh token that exists: what lookup() found and exchange() rotates. */
export interface PresentedToken {
  token: string;
  record: RefreshTokenDoc;
  family: Family;
}

export type RotationResult =
  | { outcome: 'ROTATED' | 'RETRIED'; family: Family; refreshToken: string; generation: number }
  | { outcome: 'REUSED'; family: Family }
  | { outcome: 'REJECTED'; reason: 'SESSION_REVOKED' | 'SESSION_EXPIRED' | 'REFRESH_TOKEN_INVALID'; family: Family };

/**
 * Exchanges a refresh token for its successor. The algorithm, and why it is race-free on a
 * database whose only atomic primitive is the unique index:
 *
 * 1. Find the presented token by its hash (lookup); its document names the family, the user and
 *    the family's absolute end. Then (exchange): revoked or expired: reject.
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

  /** Step 1: the presented token's record, or null when it is malformed or unknown. */
  async lookup(presentedToken: string): Promise<PresentedToken | null> {
    if (!isRefreshTokenShaped(presentedToken)) return null;
    const record = await this.models.RefreshToken.findById(hashRefreshToken(presentedToken)).lean<RefreshTokenDoc>().exec();
    if (!record) return null;
    return { token: presentedToken, record, family: { sessionId: record.sessionId, userId: record.userId, expiresAt: record.expiresAt } };
  }

  /** Step 2: rotate (or answer a retry, or detect reuse). Callers may look up the user alongside. */
  async exchange(presented: PresentedToken, now = new Date()): Promise<RotationResult> {
    const { RefreshToken } = this.models;
    const { record, family } = presented;
    const successor = deriveSuccessor(presented.token, this.options.refreshTokenKey);
    const successorHash = hashRefreshToken(successor);
    const idle = record.createdAt.getTime() + this.options.refreshIdleTtlMs <= now.getTime();
    const [revoked, successorExists] = await Promise.all([
      this.sessions.isRevoked(family.sessionId),
      // Only needed for an idle token: it may still be retried (its successor exists), never exchanged anew.
      idle ? RefreshToken.exists({ _id: successorHash }).exec() : null,
    ]);
    if (revoked) return { outcome: 'REJECTED', reason: 'SESSION_REVOKED', family };
    if (family.expiresAt.getTime() <= now.getTime() || (idle && !successorExists)) return { outcome: 'REJECTED', reason: 'SESSION_EXPIRED', family };

    const generation = record.generation + 1;
    try {
      await RefreshToken.create({ _id: successorHash, sessionId: family.sessionId, userId: family.userId, generation, createdAt: now, expiresAt: family.expiresAt });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return this.resolveConflict(family, successorHash, successor, generation, now);
    }
    return { outcome: 'ROTATED', family, refreshToken: successor, generation };
  }

  private async resolveConflict(
    family: Family,
    successorHash: string,
    successor: string,
    generation: number,
    now: Date,
  ): Promise<RotationResult> {
    const { RefreshToken } = this.models;
    const [existing, successorWasExchanged] = await Promise.all([
      RefreshToken.findOne({ sessionId: family.sessionId, generation }).lean<RefreshTokenDoc>().exec(),
      RefreshToken.exists({ sessionId: family.sessionId, generation: generation + 1 }).exec(),
    ]);
    const withinGrace = existing !== null && now.getTime() - existing.createdAt.getTime() <= this.options.refreshReuseGraceMs;
    // `existing._id !== successorHash` only when the successor was derived with another key
    // (REFRESH_TOKEN_SECRET changed): it cannot be reproduced, so it is refused, not replayed.
    if (existing && existing._id === successorHash && withinGrace && !successorWasExchanged) {
      return { outcome: 'RETRIED', family, refreshToken: successor, generation };
    }
    if (existing && existing._id !== successorHash && withinGrace) {
      return { outcome: 'REJECTED', reason: 'REFRESH_TOKEN_INVALID', family };
    }
    await this.sessions.revoke(family, 'REFRESH_TOKEN_REUSED', now);
    return { outcome: 'REUSED', family };
  }
}
