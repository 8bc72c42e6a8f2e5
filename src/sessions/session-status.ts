import { BoundedCache } from '../lib/bounded-cache';
import type { SessionStore } from './session-store';

/**
 * Whether the session behind an access token is still alive, as the request guard sees it.
 * Always present: `SESSION_CHECK=stateless` gets the no-op one, so callers never branch on mode.
 */
export interface SessionStatus {
  /** A boolean when known without I/O, else a promise. */
  isActive(sessionId: string): Promise<boolean> | boolean;
  /** This instance ended the session: stop trusting it here at once. */
  forget(sessionId: string): void;
}

/** `SESSION_CHECK=stateless`: access tokens live until they expire. */
export const STATELESS_SESSION_STATUS: SessionStatus = {
  isActive: () => true,
  forget: () => undefined,
};

/**
 * `SESSION_CHECK=strict`: answers are cached for `maxAgeMs` (default 500 ms) and concurrent
 * look-ups of one session share one query, so a revocation on any instance is seen everywhere
 * within ~0.5 s plus one round trip, while a busy client costs one query per half second, not
 * one per request.
 */
export class StrictSessionStatus implements SessionStatus {
  private readonly cache: BoundedCache<string, boolean>;
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly sessions: SessionStore,
    private readonly maxAgeMs = 500,
    maxEntries = 50_000,
  ) {
    this.cache = new BoundedCache(maxEntries);
  }

  isActive(sessionId: string, now = Date.now()): Promise<boolean> | boolean {
    const cached = this.cache.get(sessionId, now);
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(sessionId);
    if (!pending) {
      pending = this.load(sessionId).finally(() => this.inFlight.delete(sessionId));
      this.inFlight.set(sessionId, pending);
    }
    return pending;
  }

  forget(sessionId: string): void {
    this.cache.set(sessionId, false, Date.now() + this.maxAgeMs);
  }

  private async load(sessionId: string): Promise<boolean> {
    const active = (await this.sessions.state(sessionId)).state === 'active';
    this.cache.set(sessionId, active, Date.now() + this.maxAgeMs);
    return active;
  }
}
