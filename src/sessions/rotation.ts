import type { KeyObject } from 'node:crypto';
import type { Models, RefreshTokenDoc } from '../db/models';
import { BatchedInserts } from '../db/batched-inserts';
import type { SessionRef, SessionStore } from './session-store';
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
  session: SessionRef;
}

export type RotationResult =
  | { outcome: 'ROTATED' | 'RETRIED'; session: SessionRef; refreshToken: string; generation: number }
  | { outcome: 'REUSED'; session: SessionRef }
  | { outcome: 'REJECTED'; reason: 'SESSION_REVOKED' | 'SESSION_EXPIRED' | 'REFRESH_TOKEN_INVALID'; session: SessionRef };

/** What a lost race for generation N+1 found (step 4 below). */
export interface ConflictFacts {
  /** The token stored at generation N+1, if any. */
  existing: Pick<RefreshTokenDoc, '_id' | 'createdAt'> | null;
  /** Hash of the successor this request derived. */
  successorHash: string;
  /** Generation N+2 exists: the successor itself was exchanged already. */
  successorWasExchanged: boolean;
  now: number;
  graceMs: number;
}

/**
 * Step 4's decision, a pure function: a retry within the grace window gets the same successor;
 * a successor made with another key (REFRESH_TOKEN_SECRET changed) cannot be reproduced and is
 * refused, not treated as reuse; everything else is a replay.
 */
export function decideConflict(facts: ConflictFacts): 'RETRIED' | 'REFUSED' | 'REUSED' {
  const { existing } = facts;
  const withinGrace = existing !== null && facts.now - existing.createdAt.getTime() <= facts.graceMs;
  if (existing && existing._id === facts.successorHash && withinGrace && !facts.successorWasExchanged) return 'RETRIED';
  if (existing && existing._id !== facts.successorHash && withinGrace) return 'REFUSED';
  return 'REUSED';
}

/**
 * Exchanges a refresh token for its successor. The algorithm, and why it is race-free on a
 * database whose only atomic primitive is the unique index:
 *
 * 1. Find the presented token by its hash (lookup); its document names the session, the user and
 *    the session's absolute end. Then (exchange): revoked or expired: reject.
 * 2. Its successor is HMAC(key, token): every exchange of the same token, concurrent or retried,
 *    on any instance, computes the same successor without the raw token being stored anywhere.
 * 3. Insert the successor's hash with generation + 1. The unique index on `_id` (and the one on
 *    (sessionId, generation)) lets exactly one insert win; the winner has rotated. Concurrent
 *    refreshes' inserts share one unordered insertMany; each learns its own document's outcome.
 * 4. A loser (duplicate key) is a retry of a token that was already exchanged: decideConflict.
 *    A replay revokes the whole session by inserting its revocation (unique by session id).
 *
 * Because revocation is one insert that nothing can undo, checked on every exchange, a replay
 * racing a legitimate refresh leaves the session revoked, never half-revoked: whatever successor
 * the legitimate request wrote belongs to a revoked session and is refused when presented.
 * (A flag on the session document is not enough: FerretDB writes whole documents back without
 * isolation, so a concurrent `lastUsedAt` update can restore `revokedAt: null`. The test
 * "a replay racing legitimate refreshes" caught exactly that.)
 */
export class RefreshRotation {
  /** Successors of concurrent refreshes share one write (step 3 is an insert; its outcome is per document). */
  private readonly successors: BatchedInserts<RefreshTokenDoc>;

  constructor(
    private readonly models: Pick<Models, 'RefreshToken'>,
    private readonly sessions: SessionStore,
    private readonly options: RotationOptions,
  ) {
    this.successors = new BatchedInserts(models.RefreshToken);
  }

  /** Step 1: the presented token's record, or null when it is malformed or unknown. */
  async lookup(presentedToken: string): Promise<PresentedToken | null> {
    if (!isRefreshTokenShaped(presentedToken)) return null;
    const record = await this.models.RefreshToken.findById(hashRefreshToken(presentedToken)).lean<RefreshTokenDoc>().exec();
    if (!record) return null;
    return { token: presentedToken, record, session: { sessionId: record.sessionId, userId: record.userId, expiresAt: record.expiresAt } };
  }

  /** Steps 2–4: rotate (or answer a retry, or detect reuse). Callers may look up the user alongside. */
  async exchange(presented: PresentedToken, now = new Date()): Promise<RotationResult> {
    const { RefreshToken } = this.models;
    const { record, session } = presented;
    const successor = deriveSuccessor(presented.token, this.options.refreshTokenKey);
    const successorHash = hashRefreshToken(successor);
    const idle = record.createdAt.getTime() + this.options.refreshIdleTtlMs <= now.getTime();
    const [revoked, successorExists] = await Promise.all([
      this.sessions.isRevoked(session.sessionId),
      // Only needed for an idle token: it may still be retried (its successor exists), never exchanged anew.
      idle ? RefreshToken.exists({ _id: successorHash }).exec() : null,
    ]);
    if (revoked) return { outcome: 'REJECTED', reason: 'SESSION_REVOKED', session };
    if (session.expiresAt.getTime() <= now.getTime() || (idle && !successorExists)) return { outcome: 'REJECTED', reason: 'SESSION_EXPIRED', session };

    const generation = record.generation + 1;
    const inserted = await this.successors.insert({ _id: successorHash, sessionId: session.sessionId, userId: session.userId, generation, createdAt: now, expiresAt: session.expiresAt });
    if (inserted === 'inserted') return { outcome: 'ROTATED', session, refreshToken: successor, generation };

    const [existing, successorWasExchanged] = await Promise.all([
      RefreshToken.findOne({ sessionId: session.sessionId, generation }, { createdAt: 1 }).lean<RefreshTokenDoc>().exec(),
      RefreshToken.exists({ sessionId: session.sessionId, generation: generation + 1 }).exec(),
    ]);
    const decision = decideConflict({
      existing,
      successorHash,
      successorWasExchanged: successorWasExchanged !== null,
      now: now.getTime(),
      graceMs: this.options.refreshReuseGraceMs,
    });
    if (decision === 'RETRIED') return { outcome: 'RETRIED', session, refreshToken: successor, generation };
    if (decision === 'REFUSED') return { outcome: 'REJECTED', reason: 'REFRESH_TOKEN_INVALID', session };
    await this.sessions.revoke(session, 'REFRESH_TOKEN_REUSED', now);
    return { outcome: 'REUSED', session };
  }
}
