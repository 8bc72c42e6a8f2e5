import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseUnavailable } from '../db/errors';
import { DomainError, type DomainErrorCode } from '../errors';
import type { Logger } from '../logging/logger';

/** Every `extensions.code` a client may see (the contract's "Errors"). */
export type ContractErrorCode = DomainErrorCode | 'GRAPHQL_VALIDATION_FAILED' | 'GRAPHQL_PARSE_FAILED' | 'BAD_REQUEST' | 'INTERNAL_SERVER_ERROR';

/** Codes GraphQL errors may already carry that reach clients unchanged. */
const PASS_THROUGH: ReadonlySet<string> = new Set<ContractErrorCode>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'MFA_REQUIRED',
  'STEP_UP_REQUIRED',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
]);

/** Apollo's own codes that the contract calls BAD_REQUEST. */
const AS_BAD_REQUEST: ReadonlySet<string> = new Set(['OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/** "Did you mean …?" hints leak schema names, including in variable coercion errors (apollo-server#8086). */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export interface FormatErrorOptions {
  development: boolean;
  hideSuggestions: boolean;
  logger: Logger;
}

/**
 * The last word on every error a client sees: domain errors become their contract code and
 * details, database outages SERVICE_UNAVAILABLE, anything unexpected INTERNAL_SERVER_ERROR
 * (logged; with its stack trace in development only). Outside development: no internals, no
 * suggestions.
 */
export function createFormatError(options: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const message = options.hideSuggestions ? formatted.message.replace(SUGGESTION, '') : formatted.message;
    const base = { message, ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };

    if (original instanceof DomainError) return { ...base, extensions: { ...original.details, code: original.code } };
    if (isDatabaseUnavailable(original)) {
      return { ...base, message: 'The service is temporarily unavailable. Please try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' satisfies ContractErrorCode } };
    }
    const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    if (PASS_THROUGH.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...base, extensions };
    }
    if (AS_BAD_REQUEST.has(code)) return { ...base, extensions: { code: 'BAD_REQUEST' satisfies ContractErrorCode } };

    options.logger.error({ event: 'graphql.internal_error', err: original, path: formatted.path }, 'unexpected error');
    if (options.development) return { ...formatted, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' } };
    return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ContractErrorCode } };
  };
}
