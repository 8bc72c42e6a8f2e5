import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { SigningKey, VerificationKey } from '../config/keys';
import type { Role, RoleCatalog } from '../accounts/roles';
import { BoundedCache } from '../lib/bounded-cache';
import { SeenBefore } from '../lib/seen-before';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Seconds of clock skew tolerated on exp, nbf and iat between instances. */
export const CLOCK_TOLERANCE_S = 5;
/** Longer than any token we issue; refusing early keeps junk from reaching the JSON parser. */
export const MAX_TOKEN_LENGTH = 4_096;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  roles: Role[];
  scope: string;
  /** When the session last authenticated (seconds), RFC 9068 / OIDC. */
  auth_time: number;
  /** How (RFC 8176): `pwd`, `otp`, `hwk`/`swk`, `user`, `mfa`. */
  amr: string[];
  iat: number;
  exp: number;
  jti: string;
}

/** What an access token says about its subject. */
export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  roles: readonly Role[];
  scope: string;
  authTime: Date;
  amr: readonly string[];
}

export type AccessTokenFailure = 'TOKEN_EXPIRED' | 'TOKEN_INVALID';

/** Verified claims, with the `scope` claim already split: done once per token, not per request. */
export interface VerifiedClaims extends AccessTokenClaims {
  scopes: ReadonlySet<string>;
}

export type VerifyResult = { ok: true; claims: VerifiedClaims } | { ok: false; reason: AccessTokenFailure };

export interface AccessTokenOptions {
  signing: SigningKey;
  verification: VerificationKey[];
  issuer: string;
  audience: string;
  ttlMs: number;
  /** The roles the schema declares: a token naming another is refused. */
  roles: RoleCatalog;
  /** Verified tokens remembered until their exp (default 10 000). */
  cacheSize?: number;
}

const INVALID: VerifyResult = { ok: false, reason: 'TOKEN_INVALID' };
const EXPIRED: VerifyResult = { ok: false, reason: 'TOKEN_EXPIRED' };

function decodeHeader(segment: string): Record<string, unknown> | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function hasClaimShapes(payload: Record<string, unknown>, roles: RoleCatalog): payload is Record<string, unknown> & AccessTokenClaims {
  return (
    typeof payload.sub === 'string' &&
    typeof payload.sid === 'string' &&
    typeof payload.jti === 'string' &&
    typeof payload.scope === 'string' &&
    Number.isInteger(payload.iat) &&
    Number.isInteger(payload.exp) &&
    Number.isInteger(payload.auth_time) &&
    Array.isArray(payload.amr) &&
    payload.amr.every((method) => typeof method === 'string') &&
    Array.isArray(payload.roles) &&
    payload.roles.every((role) => roles.has(role))
  );
}

/**
 * Issues and verifies access tokens. Keys are KeyObjects (a string secret costs ~31x more per
 * verify), each pinned to one algorithm; the token's `kid` only selects among configured keys and
 * its `alg`, `jwk`, `jku`, `x5u`, `x5c` headers are never used to find or choose a key.
 */
export class AccessTokens {
  private readonly keysById = new Map<string, VerificationKey>();
  private readonly verified: BoundedCache<string, VerifiedClaims>;
  /** A token is cached from its second use: a client reuses its token; a one-off one would only churn the cache. */
  private readonly seen = new SeenBefore();

  constructor(private readonly options: AccessTokenOptions) {
    for (const key of options.verification) this.keysById.set(key.kid, key);
    this.verified = new BoundedCache(options.cacheSize ?? 10_000);
  }

  get ttlSeconds(): number {
    return Math.floor(this.options.ttlMs / 1_000);
  }

  sign(subject: AccessTokenSubject, now = Date.now()): string {
    const { signing, issuer, audience } = this.options;
    const iat = Math.floor(now / 1_000);
    return jwt.sign(
      {
        sid: subject.sessionId,
        roles: subject.roles,
        scope: subject.scope,
        auth_time: Math.floor(subject.authTime.getTime() / 1_000),
        amr: subject.amr,
        iat,
        exp: iat + this.ttlSeconds,
      },
      signing.key,
      {
        algorithm: signing.alg,
        keyid: signing.kid,
        header: { alg: signing.alg, typ: ACCESS_TOKEN_TYPE, kid: signing.kid },
        issuer,
        audience,
        subject: subject.userId,
        jwtid: randomUUID(),
      },
    );
  }

  verify(token: string, now = Date.now()): VerifyResult {
    const cached = this.verified.get(token, now - CLOCK_TOLERANCE_S * 1_000);
    if (cached) return { ok: true, claims: cached };
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return INVALID;

    const header = decodeHeader(token.slice(0, token.indexOf('.')));
    if (!header || header.typ !== ACCESS_TOKEN_TYPE || typeof header.kid !== 'string') return INVALID;
    const key = this.keysById.get(header.kid);
    if (!key) return INVALID;

    let payload: unknown;
    try {
      payload = jwt.verify(token, key.key, {
        algorithms: [key.alg],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        clockTimestamp: Math.floor(now / 1_000),
      });
    } catch (error) {
      return (error as Error).name === 'TokenExpiredError' ? EXPIRED : INVALID;
    }
    if (typeof payload !== 'object' || payload === null || !hasClaimShapes(payload as Record<string, unknown>, this.options.roles)) return INVALID;
    const claims = payload as AccessTokenClaims;
    if (claims.iat > now / 1_000 + CLOCK_TOLERANCE_S || claims.auth_time > claims.iat + CLOCK_TOLERANCE_S) return INVALID;

    const verifiedClaims: VerifiedClaims = {
      scopes: new Set(claims.scope.split(' ').filter(Boolean)),
      sub: claims.sub,
      sid: claims.sid,
      roles: claims.roles,
      scope: claims.scope,
      auth_time: claims.auth_time,
      amr: claims.amr,
      iat: claims.iat,
      exp: claims.exp,
      jti: claims.jti,
    };
    if (this.seen.check(token)) this.verified.set(token, verifiedClaims, claims.exp * 1_000);
    return { ok: true, claims: verifiedClaims };
  }
}

/** Public keys for `/.well-known/jwks.json` (empty with HS256 only: secrets are never published). */
export function publishedJwks(verification: readonly VerificationKey[]): { keys: Record<string, unknown>[] } {
  return {
    keys: verification
      .filter((key) => key.alg !== 'HS256')
      .map((key) => ({ ...key.key.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' })),
  };
}
