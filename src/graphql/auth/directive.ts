import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { forbidden, unauthenticated, type DomainError } from '../../errors';
import { effectiveRequirements, unprotectedFields } from './effective-rules';
import type { RequestAuth, Viewer } from './request-auth';
import { checkRule, describeRule, type CompiledRule } from './rules';

/** What the directive needs from the request context. */
export interface AuthContext {
  auth: Pick<RequestAuth, 'verifyNow' | 'viewer' | 'failure'>;
}

export interface AuthDirectiveOptions {
  /** Fail schema construction when a field has neither a rule nor @public. */
  denyByDefault: boolean;
  /** Name the missing role/scope in FORBIDDEN errors (development only). */
  explainDenials: boolean;
}

export class UnprotectedFieldsError extends Error {
  constructor(readonly fields: string[]) {
    super(`Deny-by-default: these fields have neither @auth nor @public (on the field or its type):\n  ${fields.join('\n  ')}`);
    this.name = 'UnprotectedFieldsError';
  }
}

function denialError(denial: 'UNAUTHENTICATED' | 'FORBIDDEN', rule: CompiledRule, ctx: AuthContext, explain: boolean): DomainError {
  if (denial === 'UNAUTHENTICATED') return unauthenticated(ctx.auth.failure());
  const error = forbidden();
  if (explain) error.details.requires = describeRule(rule);
  return error;
}

function guard<TSource, TArgs>(
  resolve: GraphQLFieldResolver<TSource, AuthContext, TArgs>,
  rule: CompiledRule,
  explain: boolean,
): GraphQLFieldResolver<TSource, AuthContext, TArgs> {
  return (source, args, ctx, info) => {
    const run = (viewer: Viewer | null) => {
      const denial = checkRule(rule, viewer, source);
      if (denial) throw denialError(denial, rule, ctx, explain);
      return resolve(source, args, ctx, info);
    };
    const known = ctx.auth.verifyNow();
    // Fast path: the viewer is settled for this request, so no promise is allocated per field.
    return known !== undefined ? run(known) : ctx.auth.viewer().then(run);
  };
}

/**
 * Applies @auth to an executable schema: every field with an effective rule (see
 * effective-rules.ts) gets its resolver, or the default one, wrapped by a guard compiled once
 * here. Fields without a rule are left untouched and cost nothing.
 */
export function applyAuthDirective(schema: GraphQLSchema, options: AuthDirectiveOptions): GraphQLSchema {
  const requirements = effectiveRequirements(schema);
  if (options.denyByDefault) {
    const missing = unprotectedFields(requirements);
    if (missing.length > 0) throw new UnprotectedFieldsError(missing);
  }
  const rules = new Map(requirements.filter((entry) => entry.rule).map((entry) => [`${entry.type}.${entry.field}`, entry.rule!]));
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const rule = rules.get(`${typeName}.${fieldName}`);
      if (!rule) return fieldConfig;
      const resolve = (fieldConfig.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, AuthContext, unknown>;
      return { ...fieldConfig, resolve: guard(resolve, rule, options.explainDenials) };
    },
  });
}
