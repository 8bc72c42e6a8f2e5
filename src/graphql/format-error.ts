import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseUnavailable } from '../db/errors';
import type { Logger } from '../logging/logger';
import type { ErrorCode } from './errors';

const PASS_THROUGH = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
]);

/** Apollo's own codes that the contract calls BAD_REQUEST. */
const AS_BAD_REQUEST = new Set(['OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/** "Did you mean …?" hints leak schema names, including in variable coercion errors (apollo-server#8086). */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * The last word on every error a client sees: contract codes only, database outages as
 * SERVICE_UNAVAILABLE, and outside development no stack traces, no internals, no suggestions.
 */
export function createFormatError(options: { development: boolean; hideSuggestions: boolean; logger: Logger }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    const message = options.hideSuggestions ? formatted.message.replace(SUGGESTION, '') : formatted.message;
    const base = { message, ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };

    if (isDatabaseUnavailable(original)) {
      return { ...base, message: 'The service is temporarily unavailable. Please try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' satisfies ErrorCode } };
    }
    if (PASS_THROUGH.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...base, extensions: options.development ? { ...formatted.extensions } : extensions };
    }
    if (AS_BAD_REQUEST.has(code)) return { ...base, extensions: { code: 'BAD_REQUEST' } };

    options.logger.error({ event: 'graphql.internal_error', err: original, path: formatted.path }, 'unexpected error');
    if (options.development) return { ...formatted, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' } };
    return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
