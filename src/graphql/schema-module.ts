import type { IResolvers } from '@graphql-tools/utils';
import type { Model } from 'mongoose';
import type { RoleScopes } from '../accounts/roles';
import type { PolicyFn } from './auth/rules';

/**
 * A piece of schema served beside the product's own (schema/): its SDL, its resolvers, and what
 * they need. The example domain (examples/notes) is one; a schema author's domain is another.
 * Modules are listed in one place, src/schema-modules.ts.
 */
export interface SchemaModule {
  name: string;
  /** SDL, merged with schema/ (it may `extend type Query`); @auth rules apply as everywhere. */
  typeDefs: string[];
  resolvers: IResolvers;
  /** Named policies for `@auth(policy: "name")` (viewer, parent, arguments, context → boolean or a promise of one). */
  policies?: Record<string, PolicyFn>;
  /** Scopes the module's rules ask for, granted by role in the access token. */
  scopes?: RoleScopes;
  /** Collections the module stores: created, with their indexes, at start-up. */
  models?: Model<any>[];
  /** Added to every request's GraphQL context (e.g. the module's store). */
  context?: Record<string, unknown>;
  /** Operations appended to Sandbox's initial document. */
  sandboxDocument?: string;
  /** Erases what the module keeps about an account when the account is deleted. */
  erase?: (userId: string) => Promise<void>;
}
