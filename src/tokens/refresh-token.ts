import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Refresh tokens are opaque: 256 bits from the CSPRNG, base64url (43 characters).
 * Only `hashRefreshToken(token)` is stored.
 */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isRefreshTokenShaped(value: string): boolean {
  return REFRESH_TOKEN_SHAPE.test(value);
}

/**
 * SHA-256, not a slow hash: the input already has 256 bits of entropy, so there is nothing to
 * brute-force, and lookups by hash need a deterministic function.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * The successor of a refresh token: HMAC(server key, token). Every exchange of the same token,
 * on any instance, computes the same successor, so a retry can be answered with it without the
 * raw token ever being stored (see src/sessions/rotation.ts).
 */
export function deriveSuccessor(token: string, key: KeyObject): string {
  return createHmac('sha256', key).update(token).digest('base64url');
}
