import type { Role, ScopeTable } from '../../accounts/roles';
import { unauthenticated, type UnauthenticatedReason } from '../../errors';
import type { SessionCheck, SessionStatus } from '../../sessions/session-status';
import type { AccessTokens, VerifiedClaims } from '../../tokens/access-token';

/** Who is asking: what the access token (and, in strict mode, the session check) established. */
export interface Viewer {
  userId: string;
  sessionId: string;
  roles: readonly Role[];
  scopes: ReadonlySet<string>;
  /** When the session last authenticated (ms since the epoch). */
  authTime: number;
  /** How it authenticated (RFC 8176). */
  amr: readonly string[];
}

/**
 * The viewer an access token describes, narrowed to the roles its account holds now (strict
 * mode): a token never carries more than the account has, so a demotion takes effect within the
 * session check's budget, while a promotion waits for the next refresh (re-deriving only ever
 * narrows; see the README, "Account changes").
 */
export function viewerFrom(claims: VerifiedClaims, currentRoles: readonly Role[] | undefined, scopes: ScopeTable): Viewer {
  const base = { userId: claims.sub, sessionId: claims.sid, authTime: claims.auth_time * 1_000, amr: claims.amr };
  if (!currentRoles || claims.roles.every((role) => currentRoles.includes(role))) return { ...base, roles: claims.roles, scopes: claims.scopes };
  const roles = claims.roles.filter((role) => currentRoles.includes(role));
  const allowed = scopes.scopesFor(roles);
  return { ...base, roles, scopes: new Set([...claims.scopes].filter((scope) => allowed.has(scope))) };
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
  private memos: WeakMap<object, Map<string, unknown>> | undefined;
  private issued: WeakMap<object, Viewer> | undefined;

  constructor(
    private readonly bearer: string | undefined,
    private readonly tokens: AccessTokens,
    private readonly sessionStatus: SessionStatus,
    private readonly scopes: ScopeTable,
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

  /**
   * This request signed someone in (login, refresh, ...): the object it returns as that person
   * (AuthPayload.user) is read as them, whoever the request's own bearer token says is calling.
   */
  issue(target: object, accessToken: string): void {
    const result = this.tokens.verify(accessToken);
    if (!result.ok) return;
    this.issued ??= new WeakMap();
    this.issued.set(target, viewerFrom(result.claims, undefined, this.scopes));
  }

  /** The viewer an object was issued to in this request, if it was. */
  issuedViewer(target: unknown): Viewer | undefined {
    return this.issued && typeof target === 'object' && target !== null ? this.issued.get(target) : undefined;
  }

  /** A value computed once per object and key for this request (policies); non-objects are not memoised. */
  memo<T>(target: unknown, key: string, compute: () => T): T {
    if (typeof target !== 'object' || target === null) return compute();
    this.memos ??= new WeakMap();
    let entries = this.memos.get(target);
    if (!entries) this.memos.set(target, (entries = new Map()));
    if (!entries.has(key)) entries.set(key, compute());
    return entries.get(key) as T;
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
    const check = this.sessionStatus.check(claims.sid, claims.sub);
    if (!(check instanceof Promise)) {
      this.settle(claims, check);
      return;
    }
    this.pending = check.then((known) => {
      this.settle(claims, known);
      return this.settled!;
    });
  }

  private settle(claims: VerifiedClaims, check: SessionCheck): void {
    if (check.alive) this.settled = viewerFrom(claims, check.roles, this.scopes);
    else {
      this.reason = 'SESSION_REVOKED';
      this.settled = null;
    }
  }
}
