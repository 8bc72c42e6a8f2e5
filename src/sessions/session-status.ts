import type { SessionStore } from './session-store';
import { BoundedCache } from '../tokens/bounded-cache';

/**
 * `SESSION_CHECK=strict`: is the session behind an access token still alive? Answers are
 * cached for `maxAgeMs` (default 500 ms) and concurrent look-ups of one session share one query,
 * so a revocation on any instance is seen everywhere within ~0.5 s plus one round trip, while a
 * busy client costs one query per half second, not one per request.
 */
export class SessionStatus {
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

  /** This instance ended the session: stop trusting it here at once. */
  forget(sessionId: string): void {
    this.cache.set(sessionId, false, Date.now() + this.maxAgeMs);
  }

  private async load(sessionId: string): Promise<boolean> {
    const active = (await this.sessions.state(sessionId)).state === 'active';
    this.cache.set(sessionId, active, Date.now() + this.maxAgeMs);
    return active;
  }
}
