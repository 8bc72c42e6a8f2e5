import type { Role } from '../accounts/roles';
import { BoundedCache } from '../lib/bounded-cache';
import type { SessionStore } from './session-store';

/** What the request guard learns about an access token's session. */
export type SessionCheck = { alive: false } | { alive: true; roles?: readonly Role[] };

/**
 * Whether the session behind an access token is still alive, and (in strict mode) which roles its
 * account holds now. Always present: `SESSION_CHECK=stateless` gets the no-op one, so callers
 * never branch on mode.
 */
export interface SessionStatus {
  /** A value when known without I/O, else a promise. */
  check(sessionId: string, userId: string): Promise<SessionCheck> | SessionCheck;
  /** This instance ended the session: stop trusting it here at once. */
  forget(sessionId: string): void;
  /** This instance just read the session's account (a refresh): use what it saw. */
  observed(sessionId: string, roles: readonly Role[]): void;
}

const TRUST_THE_TOKEN: SessionCheck = { alive: true };
const DEAD: SessionCheck = { alive: false };

/** `SESSION_CHECK=stateless`: access tokens live, with their roles, until they expire. */
export const STATELESS_SESSION_STATUS: SessionStatus = {
  check: () => TRUST_THE_TOKEN,
  forget: () => undefined,
  observed: () => undefined,
};

/** How long a strict answer is reused: with one query's round trip, changes show within ~0.5 s everywhere. */
export const SESSION_STATUS_MAX_AGE_MS = 400;

/**
 * `SESSION_CHECK=strict`: the session's liveness (revocation, expiry, credential version,
 * disabling, deletion: see liveness.ts) and its account's current roles, read from the database
 * and reused for SESSION_STATUS_MAX_AGE_MS. Concurrent look-ups of one session share one query, so
 * a busy client costs one look-up per 0.4 s, not one per request.
 */
export class StrictSessionStatus implements SessionStatus {
  private readonly cache: BoundedCache<string, SessionCheck>;
  private readonly inFlight = new Map<string, Promise<SessionCheck>>();

  constructor(
    private readonly sessions: SessionStore,
    private readonly maxAgeMs = SESSION_STATUS_MAX_AGE_MS,
    maxEntries = 50_000,
  ) {
    this.cache = new BoundedCache(maxEntries);
  }

  check(sessionId: string, userId: string, now = Date.now()): Promise<SessionCheck> | SessionCheck {
    const cached = this.cache.get(sessionId, now);
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(sessionId);
    if (!pending) {
      pending = this.load(sessionId, userId).finally(() => this.inFlight.delete(sessionId));
      this.inFlight.set(sessionId, pending);
    }
    return pending;
  }

  forget(sessionId: string): void {
    this.cache.set(sessionId, DEAD, Date.now() + this.maxAgeMs);
  }

  observed(sessionId: string, roles: readonly Role[]): void {
    this.cache.set(sessionId, { alive: true, roles }, Date.now() + this.maxAgeMs);
  }

  private async load(sessionId: string, userId: string): Promise<SessionCheck> {
    const state = await this.sessions.state(sessionId, userId);
    const result: SessionCheck = state.state === 'active' ? { alive: true, roles: state.account.roles } : DEAD;
    this.cache.set(sessionId, result, Date.now() + this.maxAgeMs);
    return result;
  }
}
