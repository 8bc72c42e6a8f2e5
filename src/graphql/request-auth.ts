import type { AccessTokens } from '../tokens/access-token';
import type { SessionStatus } from '../sessions/session-status';
import type { Viewer } from '../directives/rules';
import type { UnauthenticatedReason } from './errors';

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
    /** null in `SESSION_CHECK=stateless` mode. */
    private readonly sessionStatus: SessionStatus | null,
  ) {
    if (bearer === undefined) this.settled = null;
  }

  /** Reads `Authorization: Bearer <token>`; anything else counts as no token. */
  static bearerFrom(header: string | undefined): string | undefined {
    if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
    const token = header.slice(7).trim();
    return token || undefined;
  }

  peek(): Viewer | null | undefined {
    if (this.settled === undefined && !this.pending) this.resolveSync();
    return this.settled;
  }

  viewer(): Promise<Viewer | null> {
    if (this.settled !== undefined) return Promise.resolve(this.settled);
    this.pending ??= this.resolveAsync();
    return this.pending;
  }

  failure(): UnauthenticatedReason {
    return this.reason;
  }

  /** Verifies the token; settles at once unless the session check must go to the database. */
  private resolveSync(): void {
    const result = this.tokens.verify(this.bearer!);
    if (!result.ok) {
      this.reason = result.reason;
      this.settled = null;
      return;
    }
    const { claims } = result;
    const viewer: Viewer = { userId: claims.sub, sessionId: claims.sid, roles: claims.roles, scopes: claims.scopes };
    if (!this.sessionStatus) {
      this.settled = viewer;
      return;
    }
    const active = this.sessionStatus.isActive(claims.sid);
    if (typeof active === 'boolean') {
      this.settleSession(viewer, active);
      return;
    }
    this.pending = active.then((isActive) => {
      this.settleSession(viewer, isActive);
      return this.settled!;
    });
  }

  private settleSession(viewer: Viewer, active: boolean): void {
    if (active) this.settled = viewer;
    else {
      this.reason = 'SESSION_REVOKED';
      this.settled = null;
    }
  }

  private resolveAsync(): Promise<Viewer | null> {
    this.resolveSync();
    return this.pending ?? Promise.resolve(this.settled ?? null);
  }
}
