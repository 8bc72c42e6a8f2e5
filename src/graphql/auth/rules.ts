import type { Viewer } from './request-auth';

/** One `@auth(...)` as written (or as a Federation directive is read, see effective-rules.ts). */
export interface AuthRule {
  /** The least role (the Role enum's `@includes` hierarchy decides what includes it); none: any signed-in caller. */
  requires?: string;
  /** OR of ANDs: the caller must hold every scope of at least one group. */
  scopes?: string[][];
  /** Name of the parent's field that must equal the caller's user id. */
  owner?: string;
  /** Named policies registered in code, all of which must grant. */
  policies?: string[];
  /** Authenticated within REAUTH_MAX_AGE. */
  fresh?: boolean;
  /** Authenticated within this many seconds. */
  maxAge?: number;
  /** Authenticated with two factors (`amr` contains `mfa`). */
  mfa?: boolean;
}

/** The rules written at one place (a type, an interface, an interface field, a field): alternatives, any one grants. */
export interface RulePlace {
  /** Where, e.g. `type Note` or `field Note.body`: for the report. */
  source: string;
  alternatives: AuthRule[];
}

/** Every place that applies to one field: all must grant (a field can tighten its type's rule, never loosen it). */
export interface CompiledRule {
  places: RulePlace[];
}

export type Denial = { kind: 'UNAUTHENTICATED' } | { kind: 'FORBIDDEN' } | { kind: 'STEP_UP'; maxAge: number | undefined; mfa: boolean };

export type PolicyFn = (viewer: Viewer, parent: unknown, args: Readonly<Record<string, unknown>>, context: unknown) => boolean | Promise<boolean>;

/** What rule checks need besides the rule and the caller: the role hierarchy, REAUTH_MAX_AGE, policies. */
export interface RuleEnvironment {
  /** Whether holding `held` satisfies `requires` (transitively, through `@includes`). */
  satisfies(held: readonly string[], required: string): boolean;
  reauthMaxAgeSeconds: number;
  /** Evaluates a registered policy, memoised per parent object and request by the caller. */
  policy(name: string, viewer: Viewer, parent: unknown, args: Readonly<Record<string, unknown>>, context: unknown): boolean | Promise<boolean>;
}

const UNAUTHENTICATED: Denial = { kind: 'UNAUTHENTICATED' };
const FORBIDDEN: Denial = { kind: 'FORBIDDEN' };

/** Denials from worst to mildest: across places the worst wins (AND); among alternatives the mildest (OR). */
function severity(denial: Denial): number {
  return denial.kind === 'UNAUTHENTICATED' ? 3 : denial.kind === 'FORBIDDEN' ? 2 : 1;
}

/** Of two step-ups, the easier one to satisfy (no second factor; the longer age). */
function easier(a: Denial, b: Denial): Denial {
  if (severity(a) !== severity(b)) return severity(a) < severity(b) ? a : b;
  if (a.kind !== 'STEP_UP' || b.kind !== 'STEP_UP') return a;
  if (a.mfa !== b.mfa) return a.mfa ? b : a;
  return (a.maxAge ?? Infinity) >= (b.maxAge ?? Infinity) ? a : b;
}

/** Everything but the policy: synchronous. A step-up is offered only when nothing else stands in the way. */
function checkStatic(rule: AuthRule, viewer: Viewer, parent: unknown, env: RuleEnvironment): Denial | undefined {
  if (rule.requires !== undefined && !env.satisfies(viewer.roles, rule.requires)) return FORBIDDEN;
  if (rule.scopes && rule.scopes.length > 0 && !rule.scopes.some((group) => group.every((scope) => viewer.scopes.has(scope)))) return FORBIDDEN;
  if (rule.owner !== undefined) {
    const value = parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[rule.owner] : undefined;
    if (value === undefined || value === null || String(value) !== viewer.userId) return FORBIDDEN;
  }
  return undefined;
}

function checkFreshness(rule: AuthRule, viewer: Viewer, env: RuleEnvironment, now: number): Denial | undefined {
  const limits = [rule.maxAge, rule.fresh ? env.reauthMaxAgeSeconds : undefined].filter((limit): limit is number => limit !== undefined);
  const maxAge = limits.length > 0 ? Math.min(...limits) : undefined;
  const stale = maxAge !== undefined && now - viewer.authTime > maxAge * 1_000;
  const needsMfa = rule.mfa === true && !viewer.amr.includes('mfa');
  return stale || needsMfa ? { kind: 'STEP_UP', maxAge, mfa: rule.mfa === true } : undefined;
}

function checkAlternative(rule: AuthRule, viewer: Viewer, parent: unknown, args: Readonly<Record<string, unknown>>, context: unknown, env: RuleEnvironment, now: number): Denial | undefined | Promise<Denial | undefined> {
  const denial = checkStatic(rule, viewer, parent, env);
  if (denial) return denial;
  if (!rule.policies || rule.policies.length === 0) return checkFreshness(rule, viewer, env, now);
  const verdicts = rule.policies.map((name) => env.policy(name, viewer, parent, args, context));
  if (verdicts.every((verdict) => typeof verdict === 'boolean')) return verdicts.every(Boolean) ? checkFreshness(rule, viewer, env, now) : FORBIDDEN;
  return Promise.all(verdicts).then((granted) => (granted.every(Boolean) ? checkFreshness(rule, viewer, env, now) : FORBIDDEN));
}

/** A place grants when any alternative does; otherwise its mildest denial stands. */
function checkPlace(place: RulePlace, viewer: Viewer, parent: unknown, args: Readonly<Record<string, unknown>>, context: unknown, env: RuleEnvironment, now: number): Denial | undefined | Promise<Denial | undefined> {
  let mildest: Denial | undefined;
  const pending: Promise<Denial | undefined>[] = [];
  for (const alternative of place.alternatives) {
    const result = checkAlternative(alternative, viewer, parent, args, context, env, now);
    if (result instanceof Promise) pending.push(result);
    else if (result === undefined) return undefined;
    else mildest = mildest ? easier(mildest, result) : result;
  }
  if (pending.length === 0) return mildest;
  return Promise.all(pending).then((results) => {
    if (results.some((result) => result === undefined)) return undefined;
    return (results as Denial[]).reduce((a, b) => easier(a, b), mildest ?? results[0]!);
  });
}

/**
 * The decision for one field, a pure function of the rule, the caller, the parent object and the
 * environment: undefined when allowed. Synchronous unless a policy is asynchronous.
 */
export function checkRule(
  rule: CompiledRule,
  viewer: Viewer | null,
  parent: unknown,
  args: Readonly<Record<string, unknown>>,
  context: unknown,
  env: RuleEnvironment,
  now = Date.now(),
): Denial | undefined | Promise<Denial | undefined> {
  if (!viewer) return UNAUTHENTICATED;
  let worst: Denial | undefined;
  const pending: Promise<Denial | undefined>[] = [];
  for (const place of rule.places) {
    const result = checkPlace(place, viewer, parent, args, context, env, now);
    if (result instanceof Promise) pending.push(result);
    else if (result && (!worst || severity(result) > severity(worst))) worst = result;
  }
  if (pending.length === 0 || worst?.kind === 'FORBIDDEN') return worst;
  return Promise.all(pending).then((results) =>
    [worst, ...results].reduce<Denial | undefined>((acc, result) => (result && (!acc || severity(result) > severity(acc)) ? result : acc), undefined),
  );
}

function describeAlternative(rule: AuthRule): string {
  const parts: string[] = [rule.requires ?? 'signed in'];
  if (rule.scopes && rule.scopes.length > 0) parts.push(`scopes (${rule.scopes.map((group) => group.join(' ')).join(' | ')})`);
  if (rule.owner !== undefined) parts.push(`owner(${rule.owner})`);
  for (const policy of rule.policies ?? []) parts.push(`policy(${policy})`);
  if (rule.fresh) parts.push('fresh');
  if (rule.maxAge !== undefined) parts.push(`maxAge(${rule.maxAge}s)`);
  if (rule.mfa) parts.push('mfa');
  return parts.join(' + ');
}

/** "ADMIN", "USER + owner(id) | ADMIN", "(…) AND (…)": for the report and development errors. */
export function describeRule(rule: CompiledRule): string {
  const places = rule.places.map((place) => place.alternatives.map(describeAlternative).join(' | '));
  return places.length === 1 ? places[0]! : places.map((place) => (place.includes(' | ') ? `(${place})` : place)).join(' AND ');
}
