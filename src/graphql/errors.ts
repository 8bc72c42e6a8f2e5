import { GraphQLError } from 'graphql';

/** The contract's error codes (`extensions.code`). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'BAD_REQUEST'
  | 'INTERNAL_SERVER_ERROR';

/** Why a request is not authenticated (`extensions.reason`), so clients know whether to refresh. */
export type UnauthenticatedReason =
  | 'NO_TOKEN'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_INVALID'
  | 'SESSION_REVOKED'
  | 'SESSION_EXPIRED'
  | 'INVALID_CREDENTIALS'
  | 'REFRESH_TOKEN_MISSING'
  | 'REFRESH_TOKEN_INVALID'
  | 'REFRESH_TOKEN_REUSED';

const MESSAGES: Record<UnauthenticatedReason, string> = {
  NO_TOKEN: 'You must be signed in.',
  TOKEN_EXPIRED: 'The access token has expired: refresh it.',
  TOKEN_INVALID: 'The access token is not valid.',
  SESSION_REVOKED: 'This session has ended. Please sign in again.',
  SESSION_EXPIRED: 'This session has expired. Please sign in again.',
  INVALID_CREDENTIALS: 'Invalid email or password.',
  REFRESH_TOKEN_MISSING: 'No refresh token was sent. Please sign in.',
  REFRESH_TOKEN_INVALID: 'The refresh token is not valid. Please sign in again.',
  REFRESH_TOKEN_REUSED: 'This refresh token was already used; the session has been ended for your safety. Please sign in again.',
};

export function unauthenticated(reason: UnauthenticatedReason): GraphQLError {
  return new GraphQLError(MESSAGES[reason], { extensions: { code: 'UNAUTHENTICATED', reason } });
}

export function forbidden(message = 'You are not allowed to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
}

export function rateLimited(retryAfterSeconds: number): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new GraphQLError(`Too many attempts. Try again in ${retryAfter} seconds.`, {
    extensions: { code: 'RATE_LIMITED', retryAfter },
  });
}

export function serviceUnavailable(): GraphQLError {
  return new GraphQLError('The service is temporarily unavailable. Please try again shortly.', {
    extensions: { code: 'SERVICE_UNAVAILABLE' },
  });
}
