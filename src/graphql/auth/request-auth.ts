import type { Role } from '../../accounts/roles';
import { unauthenticated, type UnauthenticatedReason } from '../../errors';
import type { SessionStatus } from '../../sessions/session-status';
import type { AccessTokens } from '../../tokens/access-token';

/** Who is asking: what the access token (and, in strict mode, the session check) established. */
export interface Viewer {
  userId: string;
  sessionId: string;
  roles: readonly Role[];
  scopes: ReadonlySet<string>;
}

/**
 * The caller's identity for one request, worked out at most once and only when a field asks.
 * A missing or bad token never fails the request: it leaves the viewer anonymous and remembers
 * why, so protected fields can answer UNAUTHENTICATED with a useful reason.
 */
export class RequestAuth {
  private settled: Viewer | null | undefined;
  private pending: Promise<Viewer | null> | undefined;
  private reason: UnauthenticatedReason = 'NO_TOKEN';

  constructor(
    private readonly bearer: string | undefined,
    private readonly tokens: AccessTokens,
    private readonly sessionStatus: SessionStatus,
  ) {
    if (bearer === undefined) this.settled = null;
  }

  /** Reads `Authorization: Bearer <token>`; anything else counts as no token. */
  static bearerFrom(header: string | undefined): string | undefined {
    if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
    const token = header.slice(7).trim();
    return token || undefined;
  }

  /**
   * Starts verification if it has not started, and returns the viewer if that settled it without
   * waiting (null: anonymous); undefined while the session check is still in flight. The guards'
   * fast path: no promise per field once the request's caller is known.
   */
  verifyNow(): Viewer | null | undefined {
    if (this.settled === undefined && !this.pending) this.verify();
    return this.settled;
  }

  /** The viewer (null: anonymous), waiting for the session check if needed. */
  viewer(): Promise<Viewer | null> {
    const known = this.verifyNow();
    if (known !== undefined) return Promise.resolve(known);
    return this.pending!;
  }

  /** The viewer, or UNAUTHENTICATED with the reason: for resolvers that act on the caller's behalf. */
  async require(): Promise<Viewer> {
    const viewer = await this.viewer();
    if (!viewer) throw unauthenticated(this.reason);
    return viewer;
  }

  /** Why the viewer is anonymous. */
  failure(): UnauthenticatedReason {
    return this.reason;
  }

  /** Verifies the token; settles at once unless the session check must go to the database. */
  private verify(): void {
    const result = this.tokens.verify(this.bearer!);
    if (!result.ok) {
      this.reason = result.reason;
      this.settled = null;
      return;
    }
    const { claims } = result;
    const viewer: Viewer = { userId: claims.sub, sessionId: claims.sid, roles: claims.roles, scopes: claims.scopes };
    const active = this.sessionStatus.isActive(claims.sid);
    if (typeof active === 'boolean') {
      this.settle(viewer, active);
      return;
    }
    this.pending = active.then((isActive) => {
      this.settle(viewer, isActive);
      return this.settled!;
    });
  }

  private settle(viewer: Viewer, active: boolean): void {
    if (active) this.settled = viewer;
    else {
      this.reason = 'SESSION_REVOKED';
      this.settled = null;
    }
  }
}
