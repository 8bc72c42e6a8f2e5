import {
  defaultFieldResolver,
  getNullableType,
  isAbstractType,
  isListType,
  isNonNullType,
  isObjectType,
  isIntrospectionType,
  type GraphQLAbstractType,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { forbidden, stepUpRequired, unauthenticated, type DomainError } from '../../errors';
import { effectiveRequirements, policyNames, typePlaces, unprotectedFields } from './effective-rules';
import type { RequestAuth, Viewer } from './request-auth';
import { roleHierarchy } from './role-hierarchy';
import { checkRule, describeRule, type CompiledRule, type Denial, type PolicyFn, type RuleEnvironment } from './rules';

/** What the directive needs from the request context. */
export interface AuthContext {
  auth: Pick<RequestAuth, 'verifyNow' | 'viewer' | 'failure' | 'memo' | 'issuedViewer'>;
}

export interface AuthDirectiveOptions {
  /** Fail schema construction when a field has neither a rule nor @public. */
  denyByDefault: boolean;
  /** Name the requirement in FORBIDDEN errors (development only). */
  explainDenials: boolean;
  /** REAUTH_MAX_AGE, for `@auth(fresh: true)` (default 300). */
  reauthMaxAgeSeconds?: number;
  /** Named policies for `@auth(policy: "name")` and `@policy`; a name the schema uses without one here fails start-up. */
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

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown> | undefined)?.then === 'function';

/**
 * Runs `use` with the viewer to check `target` against: the one it was issued to in this request
 * (an AuthPayload's user), else the request's caller. No promise when the caller is settled.
 */
function withViewer<T>(ctx: AuthContext, target: unknown, use: (viewer: Viewer | null) => T): T | Promise<T> {
  const issued = ctx.auth.issuedViewer(target);
  if (issued) return use(issued);
  const known = ctx.auth.verifyNow();
  return known !== undefined ? use(known) : ctx.auth.viewer().then(use);
}

/** A field's guard: checks the caller against the compiled rule before the resolver runs. */
function guard<TSource, TArgs>(resolve: GraphQLFieldResolver<TSource, AuthContext, TArgs>, rule: CompiledRule, env: RuleEnvironment, explain: boolean): GraphQLFieldResolver<TSource, AuthContext, TArgs> {
  return (source, args, ctx, info) =>
    withViewer(ctx, source, (viewer) => {
      const denial = checkRule(rule, viewer, source, args as Record<string, unknown>, ctx, env);
      const settle = (settled: Denial | undefined) => {
        if (settled) throw denialError(settled, rule, ctx, explain);
        return resolve(source, args, ctx, info);
      };
      return denial instanceof Promise ? denial.then(settle) : settle(denial);
    });
}

/**
 * A type's rules guard its objects wherever they are returned: a field whose type can hold a
 * guarded object (directly, in a list, through a union or an interface) has what it returns
 * screened, object by object. A refused object is replaced by its denial: the field answers null
 * with the error (a list item: null with the error at its index; in a non-null position the null
 * propagates as the spec says). Nothing of a refused object is resolved, not even `__typename`.
 */
function screener(schema: GraphQLSchema, objectRules: ReadonlyMap<string, CompiledRule>, env: RuleEnvironment, explain: boolean) {
  const guardsType = (type: GraphQLOutputType): boolean => {
    const bare = getNullableType(type);
    if (isListType(bare)) return guardsType(bare.ofType);
    if (isObjectType(bare)) return objectRules.has(bare.name);
    if (isAbstractType(bare)) return schema.getPossibleTypes(bare).some((possible) => objectRules.has(possible.name));
    return false;
  };

  /** The object's concrete type, as execution will decide it. */
  const concreteType = (value: unknown, abstract: GraphQLAbstractType, ctx: AuthContext, info: GraphQLResolveInfo): string | undefined | Promise<string | undefined> => {
    if (abstract.resolveType) return abstract.resolveType(value, ctx, info, abstract) as string | undefined | Promise<string | undefined>;
    return schema.getPossibleTypes(abstract).find((possible) => possible.isTypeOf?.(value, ctx, info) === true)?.name;
  };

  /** The value, or its denial (an Error, which execution turns into null plus the error). */
  const screenObject = (value: object, typeName: string | undefined, ctx: AuthContext): unknown => {
    const rule = typeName === undefined ? undefined : objectRules.get(typeName);
    if (!rule) return value;
    return withViewer(ctx, value, (viewer) => {
      const denial = checkRule(rule, viewer, value, {}, ctx, env);
      const settle = (settled: Denial | undefined) => (settled ? denialError(settled, rule, ctx, explain) : value);
      return denial instanceof Promise ? denial.then(settle) : settle(denial);
    });
  };

  const screen = (value: unknown, type: GraphQLOutputType, ctx: AuthContext, info: GraphQLResolveInfo): unknown => {
    if (value === null || value === undefined || value instanceof Error) return value;
    if (isPromise(value)) return value.then((settled) => screen(settled, type, ctx, info));
    if (isNonNullType(type)) return screen(value, type.ofType, ctx, info);
    if (isListType(type)) return typeof value === 'object' && Symbol.iterator in value ? [...(value as Iterable<unknown>)].map((item) => screen(item, type.ofType, ctx, info)) : value;
    if (isObjectType(type)) return screenObject(value as object, type.name, ctx);
    if (isAbstractType(type)) {
      const name = concreteType(value, type, ctx, info);
      return isPromise(name) ? name.then((resolved) => screenObject(value as object, resolved, ctx)) : screenObject(value as object, name, ctx);
    }
    return value;
  };

  return {
    guardsType,
    wrap: <TSource, TArgs>(resolve: GraphQLFieldResolver<TSource, AuthContext, TArgs>, type: GraphQLOutputType): GraphQLFieldResolver<TSource, AuthContext, TArgs> =>
      (source, args, ctx, info) => {
        const screened = screen(resolve(source, args, ctx, info), type, ctx, info);
        const raise = (settled: unknown) => {
          if (settled instanceof Error) throw settled;
          return settled;
        };
        return isPromise(screened) ? screened.then(raise) : raise(screened);
      },
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
 * Applies the rules to an executable schema: every field with an effective rule (see
 * effective-rules.ts) gets its resolver, or the default one, wrapped by a guard compiled once
 * here, and every field that can return an object of a guarded type screens what it returns.
 * Fields without either are left untouched and cost nothing. Fails on unprotected fields
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
  const objectRules = new Map<string, CompiledRule>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const places = typePlaces(schema, type);
    if (places.length > 0) objectRules.set(type.name, { places });
  }
  const reachability = screener(schema, objectRules, env, options.explainDenials);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const rule = rules.get(`${typeName}.${fieldName}`);
      const screens = reachability.guardsType(fieldConfig.type);
      if (!rule && !screens) return fieldConfig;
      let resolve = (fieldConfig.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, AuthContext, unknown>;
      if (screens) resolve = reachability.wrap(resolve, fieldConfig.type);
      if (rule) resolve = guard(resolve, rule, env, options.explainDenials);
      return { ...fieldConfig, resolve };
    },
  });
}
