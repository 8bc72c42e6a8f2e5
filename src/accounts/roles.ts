/**
 * Roles. Which roles exist, and what each includes, is the schema's `Role` enum (schema authors
 * add roles by editing it, or extending it from a schema module): read at start-up into a
 * RoleCatalog and handed to whatever checks roles. This file holds what the product itself
 * relies on, and the scopes each role grants in the access token's `scope` claim.
 */
export type Role = string;

/** What every account starts with. */
export const DEFAULT_ROLES: readonly Role[] = ['USER'];
/** The role ADMIN_EMAILS grants at verification and the admin operations require. */
export const ADMIN_ROLE: Role = 'ADMIN';

/** The roles a deployment's schema declares, in the enum's order. */
export class RoleCatalog {
  private readonly known: ReadonlySet<string>;

  constructor(readonly names: readonly Role[]) {
    this.known = new Set(names);
    for (const required of [...DEFAULT_ROLES, ADMIN_ROLE]) {
      if (!this.known.has(required)) throw new Error(`the Role enum must declare ${required} (it has: ${names.join(', ')})`);
    }
  }

  has(role: unknown): role is Role {
    return typeof role === 'string' && this.known.has(role);
  }

  /** Known roles only, each once, in the enum's order. */
  normalize(roles: readonly Role[]): Role[] {
    return this.names.filter((role) => roles.includes(role));
  }
}

/** Scopes per role. The product's own; schema modules (the examples) add theirs at start-up. */
export type RoleScopes = Readonly<Record<Role, readonly string[]>>;

export const PRODUCT_SCOPES: RoleScopes = {
  USER: ['profile'],
  ADMIN: ['profile', 'audit:read'],
};

/** Merges scope tables and answers the `scope` claim for a set of roles. */
export class ScopeTable {
  private readonly byRole = new Map<Role, Set<string>>();

  constructor(tables: readonly RoleScopes[]) {
    for (const table of tables) {
      for (const [role, scopes] of Object.entries(table)) {
        if (!this.byRole.has(role)) this.byRole.set(role, new Set());
        for (const scope of scopes) this.byRole.get(role)!.add(scope);
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
