import type { Connection } from 'mongoose';
import type { RoleScopes } from './accounts/roles';
import type { PolicyFn } from './graphql/auth/rules';
import type { SchemaModule } from './graphql/schema-module';

/**
 * The schema modules served beside the product's auth schema: the one place to register yours.
 * The example domain is loaded only when EXAMPLES is on (development and test by default), so
 * production never loads its code.
 */
export function loadSchemaModules(options: { examples: boolean; connection: Connection }): SchemaModule[] {
  const modules: SchemaModule[] = [];
  if (options.examples) {
    const { notesModule } = require('../examples/notes') as typeof import('../examples/notes');
    modules.push(notesModule(options.connection));
  }
  return modules;
}

/** The modules' scope tables, for the access token's `scope` claim. */
export function moduleScopes(modules: readonly SchemaModule[]): RoleScopes[] {
  return modules.flatMap((module) => (module.scopes ? [module.scopes] : []));
}

/** What the modules keep about an account, erased with it. */
export function moduleErasures(modules: readonly SchemaModule[]): ((userId: string) => Promise<void>)[] {
  return modules.flatMap((module) => (module.erase ? [module.erase] : []));
}

/** The named policies the modules register for `@auth(policy: "name")`. */
export function modulePolicies(modules: readonly SchemaModule[]): Record<string, PolicyFn> {
  return Object.assign({}, ...modules.map((module) => module.policies ?? {})) as Record<string, PolicyFn>;
}

/** What the modules add to every request's GraphQL context. */
export function moduleContext(modules: readonly SchemaModule[]): Record<string, unknown> {
  return Object.assign({}, ...modules.map((module) => module.context ?? {})) as Record<string, unknown>;
}
