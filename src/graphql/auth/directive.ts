import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { forbidden, stepUpRequired, unauthenticated, type DomainError } from '../../errors';
import { effectiveRequirements, policyNames, unprotectedFields } from './effective-rules';
import type { RequestAuth, Viewer } from './request-auth';
import { roleHierarchy } from './role-hierarchy';
import { checkRule, describeRule, type CompiledRule, type Denial, type PolicyFn, type RuleEnvironment } from './rules';

/** What the directive needs from the request context. */
export interface AuthContext {
  auth: Pick<RequestAuth, 'verifyNow' | 'viewer' | 'failure' | 'memo'>;
}

export interface AuthDirectiveOptions {
  /** Fail schema construction when a field has neither a rule nor @public. */
  denyByDefault: boolean;
  /** Name the requirement in FORBIDDEN errors (development only). */
  explainDenials: boolean;
  /** REAUTH_MAX_AGE, for `@auth(fresh: true)` (default 300). */
  reauthMaxAgeSeconds?: number;
  /** Named policies for `@auth(policy: "name")`; a name the schema uses without one here fails start-up. */
  policies?: Readonly<Record<string, PolicyFn>>;
}

export class UnprotectedFieldsError extends Error {
  constructor(readonly fields: string[]) {
    super(`Deny-by-default: these fields have neither @auth nor @public (on the field or its type):\n  ${fields.join('\n  ')}`);
    this.name = 'UnprotectedFieldsError';
  }
}

export class UnknownPolicyError extends Error {
  override name = 'UnknownPolicyError';
}

function denialError(denial: Denial, rule: CompiledRule, ctx: AuthContext, explain: boolean): DomainError {
  if (denial.kind === 'UNAUTHENTICATED') return unauthenticated(ctx.auth.failure());
  if (denial.kind === 'STEP_UP') return stepUpRequired(denial.maxAge, denial.mfa);
  const error = forbidden();
  if (explain) error.details.requires = describeRule(rule);
  return error;
}

/**
 * A field's guard: checks the caller against the compiled rule before the resolver runs. The
 * fast path (a settled caller, no asynchronous policy) allocates no promise.
 */
function guard<TSource, TArgs>(
  resolve: GraphQLFieldResolver<TSource, AuthContext, TArgs>,
  rule: CompiledRule,
  env: RuleEnvironment,
  explain: boolean,
): GraphQLFieldResolver<TSource, AuthContext, TArgs> {
  return (source, args, ctx, info) => {
    const run = (viewer: Viewer | null) => {
      const denial = checkRule(rule, viewer, source, args as Record<string, unknown>, ctx, env);
      const settle = (settled: Denial | undefined) => {
        if (settled) throw denialError(settled, rule, ctx, explain);
        return resolve(source, args, ctx, info);
      };
      return denial instanceof Promise ? denial.then(settle) : settle(denial);
    };
    const known = ctx.auth.verifyNow();
    return known !== undefined ? run(known) : ctx.auth.viewer().then(run);
  };
}

/** The environment rules are checked in, built once per schema. */
export function ruleEnvironment(schema: GraphQLSchema, options: Pick<AuthDirectiveOptions, 'reauthMaxAgeSeconds' | 'policies'>): RuleEnvironment {
  const hierarchy = roleHierarchy(schema);
  const policies = options.policies ?? {};
  return {
    satisfies: hierarchy.satisfies,
    reauthMaxAgeSeconds: options.reauthMaxAgeSeconds ?? 300,
    // Once per object and request: a policy that reads the database runs once for a note,
    // however many of its fields ask.
    policy: (name, viewer, parent, args, context) =>
      (context as AuthContext).auth.memo(parent, `policy:${name}`, () => policies[name]!(viewer, parent, args, context)),
  };
}

/**
 * Applies @auth to an executable schema: every field with an effective rule (see
 * effective-rules.ts) gets its resolver, or the default one, wrapped by a guard compiled once
 * here. Fields without a rule are left untouched and cost nothing. Fails on unprotected fields
 * (deny-by-default), unregistered policies, and a cyclic role hierarchy.
 */
export function applyAuthDirective(schema: GraphQLSchema, options: AuthDirectiveOptions): GraphQLSchema {
  const requirements = effectiveRequirements(schema);
  if (options.denyByDefault) {
    const missing = unprotectedFields(requirements);
    if (missing.length > 0) throw new UnprotectedFieldsError(missing);
  }
  const unknown = [...policyNames(requirements)].filter((name) => !options.policies?.[name]);
  if (unknown.length > 0) throw new UnknownPolicyError(`@auth names policies that are not registered: ${unknown.join(', ')}`);
  const env = ruleEnvironment(schema, options);
  const rules = new Map(requirements.filter((entry) => entry.rule).map((entry) => [`${entry.type}.${entry.field}`, entry.rule!]));
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const rule = rules.get(`${typeName}.${fieldName}`);
      if (!rule) return fieldConfig;
      const resolve = (fieldConfig.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, AuthContext, unknown>;
      return { ...fieldConfig, resolve: guard(resolve, rule, env, options.explainDenials) };
    },
  });
}
