import { isEnumType, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';

export const INCLUDES_DIRECTIVE = 'includes';

export class RoleHierarchyError extends Error {
  override name = 'RoleHierarchyError';
}

/** The roles a schema declares and what each includes, transitively. */
export interface RoleHierarchy {
  roles: readonly string[];
  /** Each role and every role it includes, itself first. */
  closure: ReadonlyMap<string, ReadonlySet<string>>;
  satisfies(held: readonly string[], required: string): boolean;
}

/**
 * Reads the `Role` enum: its values are the roles, `@includes(roles: [...])` on a value says which
 * others it includes (ADMIN includes USER). Transitive; a value without `@includes` includes only
 * itself. A cycle fails start-up (unknown roles already fail: the argument is of type [Role!]!).
 */
export function roleHierarchy(schema: GraphQLSchema): RoleHierarchy {
  const roleEnum = schema.getType('Role');
  if (!isEnumType(roleEnum)) throw new RoleHierarchyError('the schema has no `enum Role`');
  const direct = new Map<string, string[]>();
  for (const value of roleEnum.getValues()) {
    const includes = getDirective(schema, value, INCLUDES_DIRECTIVE)?.[0]?.roles as string[] | undefined;
    direct.set(value.name, includes ?? []);
  }
  const closure = new Map<string, Set<string>>();
  const visit = (role: string, path: string[]): Set<string> => {
    if (path.includes(role)) throw new RoleHierarchyError(`the Role enum's @includes form a cycle: ${[...path, role].join(' -> ')}`);
    const known = closure.get(role);
    if (known) return known;
    const all = new Set<string>([role]);
    for (const included of direct.get(role) ?? []) for (const inner of visit(included, [...path, role])) all.add(inner);
    closure.set(role, all);
    return all;
  };
  for (const role of direct.keys()) visit(role, []);
  return {
    roles: [...direct.keys()],
    closure,
    satisfies: (held, required) => held.some((role) => closure.get(role)?.has(required) ?? false),
  };
}
