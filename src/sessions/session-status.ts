import type { Role } from '../accounts/roles';
import { RefreshAheadCache } from '../lib/refresh-ahead-cache';
import type { SessionLiveness } from './liveness';
import type { SessionStore } from './session-store';

/** What the request guard learns about an access token's session. */
export type SessionCheck = { alive: false } | { alive: true; roles?: readonly Role[] };

/**
 * What a session's liveness says, and for a live one the facts a new access token is made from
 * (the account's state and the session's authentication).
 */
export type SessionFacts = { state: Exclude<SessionLiveness['state'], 'active'> } | Pick<Extract<SessionLiveness, { state: 'active' }>, 'state' | 'account' | 'authentication'>;

/**
 * Whether the session behind an access token is still alive, and (in strict mode) which roles its
 * account holds now. Always present: `SESSION_CHECK=stateless` gets one that trusts the token,
 * so callers never branch on mode.
 */
export interface SessionStatus {
  /** For the request guard: a value when known without I/O, else a promise. */
  check(sessionId: string, userId: string): Promise<SessionCheck> | SessionCheck;
  /**
   * For refresh: the session's facts, at most as old as the mode allows account changes to take
   * to reach refresh (contract: within 1 s, in every mode).
   */
  facts(sessionId: string, userId: string): Promise<SessionFacts> | SessionFacts;
  /** This instance ended the session: stop trusting it here at once. */
  forget(sessionId: string): void;
  /** This instance just issued a token from these facts (a refresh): use what it saw. */
  observed(sessionId: string, facts: SessionFacts): void;
}

const TRUST_THE_TOKEN: SessionCheck = { alive: true };
const DEAD: SessionCheck = { alive: false };
const ENDED: SessionFacts = { state: 'revoked' };

/** The facts of a liveness (what is cached: not the session document). */
function factsOf(liveness: SessionLiveness): SessionFacts {
  return liveness.state === 'active' ? { state: 'active', account: liveness.account, authentication: liveness.authentication } : { state: liveness.state };
}

/**
 * `SESSION_CHECK=stateless`: access tokens live, with their roles, until they expire; refresh
 * reads the session's facts from the database every time.
 */
export class StatelessSessionStatus implements SessionStatus {
  constructor(private readonly sessions: Pick<SessionStore, 'state'>) {}

  check(): SessionCheck {
    return TRUST_THE_TOKEN;
  }

  async facts(sessionId: string, userId: string): Promise<SessionFacts> {
    return factsOf(await this.sessions.state(sessionId, userId));
  }

  forget(): void {}

  observed(): void {}
}

/** How long a strict answer is reused: with one query's round trip, changes show within ~0.5 s everywhere. */
export const SESSION_STATUS_MAX_AGE_MS = 400;

/**
 * `SESSION_CHECK=strict`: the session's liveness (revocation, expiry, credential version,
 * disabling, deletion: see liveness.ts) and its account's current state, read from the database
 * and reused for at most SESSION_STATUS_MAX_AGE_MS, by the request guard and by refresh alike (so
 * a client whose access token was refused is never let refresh by an older answer). Concurrent
 * look-ups of one session share one read, and a busy session's next read starts before its answer
 * expires (RefreshAheadCache): a busy client costs about three reads a second and never waits for one.
 */
export class StrictSessionStatus implements SessionStatus {
  private readonly cache: RefreshAheadCache<string, SessionFacts>;

  constructor(
    private readonly sessions: Pick<SessionStore, 'state'>,
    maxAgeMs = SESSION_STATUS_MAX_AGE_MS,
    maxEntries = 50_000,
  ) {
    this.cache = new RefreshAheadCache({ maxAgeMs, maxEntries });
  }

  check(sessionId: string, userId: string): Promise<SessionCheck> | SessionCheck {
    const facts = this.facts(sessionId, userId);
    return facts instanceof Promise ? facts.then(checkOf) : checkOf(facts);
  }

  facts(sessionId: string, userId: string, now = Date.now()): Promise<SessionFacts> | SessionFacts {
    return this.cache.get(sessionId, async () => factsOf(await this.sessions.state(sessionId, userId)), now);
  }

  forget(sessionId: string): void {
    this.cache.put(sessionId, ENDED);
  }

  observed(sessionId: string, facts: SessionFacts): void {
    this.cache.put(sessionId, facts);
  }
}

function checkOf(facts: SessionFacts): SessionCheck {
  return facts.state === 'active' ? { alive: true, roles: facts.account.roles } : DEAD;
}
