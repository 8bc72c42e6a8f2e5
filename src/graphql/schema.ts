import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { applyAuthDirective, type AuthDirectiveOptions } from '../directives/auth-directive';
import type { IResolvers } from '@graphql-tools/utils';

export const SCHEMA_DIR = join(__dirname, '..', '..', 'schema');

/** Every `.graphql` file of schema/, in name order. */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

export interface SchemaOptions extends AuthDirectiveOptions {
  /** false only in the benchmark's "directive off" baseline. */
  enforceAuth?: boolean;
}

/** The executable schema: SDL + resolvers, then @auth applied (which checks deny-by-default). */
export function buildSchema(resolvers: IResolvers, options: SchemaOptions, typeDefs = loadTypeDefs()): GraphQLSchema {
  const schema = makeExecutableSchema({ typeDefs, resolvers });
  return options.enforceAuth === false ? schema : applyAuthDirective(schema, options);
}
