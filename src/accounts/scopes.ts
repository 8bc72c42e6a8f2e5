import type { Role } from '../db/models';

/**
 * Scopes granted in the access token's `scope` claim, by role. The example domain's
 * (schema/examples.graphql) scopes; a deployment with other needs edits this table.
 */
export const ROLE_SCOPES: Record<Role, readonly string[]> = {
  USER: ['profile', 'notes:read', 'notes:write'],
  ADMIN: ['profile', 'notes:read', 'notes:write', 'notes:moderate', 'audit:read'],
};

export function scopesFor(roles: readonly Role[]): string {
  return [...new Set(roles.flatMap((role) => ROLE_SCOPES[role] ?? []))].join(' ');
}
