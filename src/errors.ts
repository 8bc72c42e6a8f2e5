/**
 * Errors the domain reports to its callers. Neutral on purpose: accounts, sessions and tokens know
 * nothing of GraphQL or HTTP; `graphql/format-error.ts` turns a DomainError into the contract's
 * `extensions` (code, reason, retryAfter, field, ...), and every other layer just rethrows it.
 */

/** The contract's codes a domain operation can end with (`extensions.code`). */
export type DomainErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'MFA_REQUIRED'
  | 'STEP_UP_REQUIRED';

/** Why a request is not authenticated (`extensions.reason`), so clients know whether to refresh. */
export type UnauthenticatedReason =
  | 'NO_TOKEN'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_INVALID'
  | 'SESSION_REVOKED'
  | 'SESSION_EXPIRED'
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_DISABLED'
  | 'REFRESH_TOKEN_MISSING'
  | 'REFRESH_TOKEN_INVALID'
  | 'REFRESH_TOKEN_REUSED'
  | 'MFA_TICKET_INVALID';

/** Extra facts for the client; every key becomes a member of `extensions`. */
export interface ErrorDetails {
  reason?: string;
  /** Seconds (RATE_LIMITED). */
  retryAfter?: number;
  /** The argument that was refused (BAD_USER_INPUT). */
  field?: string;
  [extension: string]: unknown;
}

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

const UNAUTHENTICATED_MESSAGES: Record<UnauthenticatedReason, string> = {
  NO_TOKEN: 'You must be signed in.',
  TOKEN_EXPIRED: 'The access token has expired: refresh it.',
  TOKEN_INVALID: 'The access token is not valid.',
  SESSION_REVOKED: 'This session has ended. Please sign in again.',
  SESSION_EXPIRED: 'This session has expired. Please sign in again.',
  INVALID_CREDENTIALS: 'Invalid email or password.',
  ACCOUNT_DISABLED: 'This account is disabled.',
  REFRESH_TOKEN_MISSING: 'No refresh token was sent. Please sign in.',
  REFRESH_TOKEN_INVALID: 'The refresh token is not valid. Please sign in again.',
  REFRESH_TOKEN_REUSED: 'This refresh token was already used; the session has been ended for your safety. Please sign in again.',
  MFA_TICKET_INVALID: 'This sign-in has expired or was already completed. Please log in again.',
};

export function unauthenticated(reason: UnauthenticatedReason): DomainError {
  return new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGES[reason], { reason });
}

export function forbidden(message = 'You are not allowed to do this.'): DomainError {
  return new DomainError('FORBIDDEN', message);
}

export function badUserInput(message: string, field?: string, reason?: string): DomainError {
  return new DomainError('BAD_USER_INPUT', message, { ...(field ? { field } : {}), ...(reason ? { reason } : {}) });
}

export function rateLimited(retryAfterSeconds: number): DomainError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new DomainError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, { retryAfter });
}

/** A password was right and a second factor is due: `verifyMfa(mfaTicket, code)` finishes the sign-in. */
export function mfaRequired(mfaTicket: string, methods: readonly string[]): DomainError {
  return new DomainError('MFA_REQUIRED', 'Enter a code from your authenticator app (or a recovery code) to finish signing in.', { mfaTicket, methods: [...methods] });
}

/** The operation needs a more recent (`maxAge` seconds) or stronger (`mfa`) authentication: reauthenticate, then retry. */
export function stepUpRequired(maxAge: number | undefined, mfa: boolean): DomainError {
  const what = mfa ? 'with your second factor' : 'again';
  return new DomainError('STEP_UP_REQUIRED', `Please confirm it is you: sign in ${what}, then try again.`, { maxAge: maxAge ?? null, mfa });
}
