import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';
import type { Resolvers, Role } from '../generated/resolvers-types';

function toDate(value: unknown): Date {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 instant such as 2026-11-27T08:30:00Z.');
  return date;
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date.');
    return date.toISOString();
  },
  parseValue: toDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string.');
    return toDate(ast.value);
  },
});

/** Any JSON value, as WebAuthn's options and responses are: passed through, never interpreted here. */
export const JSON_SCALAR = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

/** Field resolvers where the document differs from the GraphQL type. */
export const typeResolvers: Pick<Resolvers, 'User' | 'Session' | 'AuditEvent' | 'DateTime' | 'JSON'> = {
  DateTime,
  JSON: JSON_SCALAR,
  User: {
    id: (account) => account.user._id.toHexString(),
    email: (account) => account.user.email,
    emailVerified: (account) => account.state.emailVerified,
    // The generated type lists the enum's values at codegen time; schema modules may extend it.
    roles: (account) => account.state.roles as Role[],
    mfaEnabled: (account) => account.state.totp !== null,
    createdAt: (account) => account.user.createdAt,
  },
  Session: { id: (session) => session._id },
  AuditEvent: {
    id: (event) => event._id.toHexString(),
    userId: (event) => event.userId?.toHexString() ?? null,
  },
};
