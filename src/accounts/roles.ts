/**
 * The roles an account can hold, and the scopes each one grants in the access token's `scope`
 * claim. The one place roles are listed: the schema's `Role` enum, the token verifier and the
 * rule checks all read them from here.
 */
export const ROLES = ['USER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** What every account starts with. */
export const DEFAULT_ROLES: readonly Role[] = ['USER'];

/** Which roles a role includes besides itself: ADMIN may do whatever USER may. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { USER: 1, ADMIN: 2 };

/** Scopes per role. The product's own; schema modules (the examples) add theirs at start-up. */
export type RoleScopes = Partial<Record<Role, readonly string[]>>;

export const PRODUCT_SCOPES: RoleScopes = {
  USER: ['profile'],
  ADMIN: ['profile', 'audit:read'],
};

/** Merges scope tables and answers the `scope` claim for a set of roles. */
export class ScopeTable {
  private readonly byRole = new Map<Role, Set<string>>();

  constructor(tables: readonly RoleScopes[]) {
    for (const table of tables) {
      for (const role of ROLES) {
        for (const scope of table[role] ?? []) {
          if (!this.byRole.has(role)) this.byRole.set(role, new Set());
          this.byRole.get(role)!.add(scope);
        }
      }
    }
  }

  scopesFor(roles: readonly Role[]): ReadonlySet<string> {
    return new Set(roles.flatMap((role) => [...(this.byRole.get(role) ?? [])]));
  }

  /** The space-separated `scope` claim for these roles. */
  claimFor(roles: readonly Role[]): string {
    return [...this.scopesFor(roles)].join(' ');
  }
}
