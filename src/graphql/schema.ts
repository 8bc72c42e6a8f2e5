import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { projectRoot } from '../lib/project-root';
import { RoleCatalog } from '../accounts/roles';
import { applyAuthDirective, type AuthDirectiveOptions } from './auth/directive';
import { roleHierarchy } from './auth/role-hierarchy';
import { applyRateLimitDirective } from './rate-limit/directive';
import { resolvers as productResolvers } from './resolvers';
import type { SchemaModule } from './schema-module';

export const SCHEMA_DIR = join(projectRoot(), 'schema');

/** Every `.graphql` file of a directory (default: the product's schema/), in name order. */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

export interface SchemaParts {
  typeDefs: string[];
  resolvers: IResolvers[];
}

/** The product's SDL and resolvers, followed by each module's. */
export function schemaParts(modules: readonly SchemaModule[] = []): SchemaParts {
  return {
    typeDefs: [...loadTypeDefs(), ...modules.flatMap((module) => module.typeDefs)],
    resolvers: [productResolvers as IResolvers, ...modules.map((module) => module.resolvers)],
  };
}

export interface SchemaOptions extends AuthDirectiveOptions {
  /** false only in the benchmark's "directive off" baseline. */
  enforceAuth?: boolean;
}

/**
 * The executable schema: SDL + resolvers, then @rateLimit, then @auth around it (which checks
 * deny-by-default): a denied call never spends the caller's budget.
 */
export function buildSchema(parts: SchemaParts, options: SchemaOptions): GraphQLSchema {
  const schema = applyRateLimitDirective(makeExecutableSchema({ typeDefs: parts.typeDefs, resolvers: parts.resolvers }));
  return options.enforceAuth === false ? schema : applyAuthDirective(schema, options);
}

/** The roles the schema declares (its `Role` enum, with the modules' extensions). */
export function declaredRoles(schema: GraphQLSchema): RoleCatalog {
  return new RoleCatalog(roleHierarchy(schema).roles);
}
