import { ROLE_RANK, type Role } from '../../accounts/roles';
import type { Viewer } from './request-auth';

/** One `@auth(...)` as written on a type, interface or field. */
export interface AuthRule {
  requires: Role;
  /** OR of ANDs: the caller must hold every scope of at least one group. */
  scopes?: string[][];
  /** Name of the parent's field that must equal the caller's user id. */
  owner?: string;
  /** Where the rule was written, e.g. `type Note` or `field Note.body`: for the report. */
  source: string;
}

export type Denial = 'UNAUTHENTICATED' | 'FORBIDDEN';

/**
 * Every rule that applies to one field, merged once at schema build: the highest role, each
 * scope requirement (all must hold), each owner field (all must match).
 */
export interface CompiledRule {
  minRank: number;
  scopeRequirements: string[][][];
  owners: string[];
  rules: AuthRule[];
}

export function compileRules(rules: AuthRule[]): CompiledRule {
  return {
    minRank: Math.max(0, ...rules.map((rule) => ROLE_RANK[rule.requires])),
    scopeRequirements: rules.flatMap((rule) => (rule.scopes && rule.scopes.length > 0 ? [rule.scopes] : [])),
    owners: [...new Set(rules.flatMap((rule) => (rule.owner ? [rule.owner] : [])))],
    rules,
  };
}

function viewerRank(viewer: Viewer): number {
  let rank = 0;
  for (const role of viewer.roles) rank = Math.max(rank, ROLE_RANK[role] ?? 0);
  return rank;
}

/** Pure decision: undefined when allowed. `parent` is the object the field is resolved on. */
export function checkRule(rule: CompiledRule, viewer: Viewer | null, parent: unknown): Denial | undefined {
  if (!viewer) return 'UNAUTHENTICATED';
  if (viewerRank(viewer) < rule.minRank) return 'FORBIDDEN';
  for (const alternatives of rule.scopeRequirements) {
    if (!alternatives.some((group) => group.every((scope) => viewer.scopes.has(scope)))) return 'FORBIDDEN';
  }
  for (const owner of rule.owners) {
    const value = parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[owner] : undefined;
    if (value === undefined || value === null || String(value) !== viewer.userId) return 'FORBIDDEN';
  }
  return undefined;
}

/** "ADMIN", "USER + scopes (a b | c) + owner(authorId)": for the report and development errors. */
export function describeRule(rule: CompiledRule): string {
  const role = (Object.keys(ROLE_RANK) as Role[]).find((name) => ROLE_RANK[name] === rule.minRank) ?? 'USER';
  const parts: string[] = [role];
  for (const alternatives of rule.scopeRequirements) parts.push(`scopes (${alternatives.map((group) => group.join(' ')).join(' | ')})`);
  for (const owner of rule.owners) parts.push(`owner(${owner})`);
  return parts.join(' + ');
}
