import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../logging/logger';
import type { RequestContext } from './context';
import { createFormatError } from './format-error';
import { sandboxPlugin } from './sandbox';
import { SingleCredentialMutationRule } from './validation/single-credential-mutation';
import { uniformRequestErrorsPlugin } from './uniform-request-errors';

export interface ApolloOptions {
  /** Stack traces on internal errors, the requirement in FORBIDDEN errors. */
  development: boolean;
  /** Production hardening: no suggestions, one fixed message per kind of refused document. */
  production: boolean;
  introspection: boolean;
  sandbox: boolean;
  /** Schema modules' Sandbox operations. */
  sandboxDocuments?: readonly string[];
  /** The endpoint's URL and whether /demo is served: Sandbox's offline help. */
  appUrl: string;
  demo: boolean;
  limits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number };
  logger: Logger;
}

/**
 * Apollo Server with the hardening of a public endpoint: CSRF prevention on, batching off,
 * graphql-armor limits refusing expensive documents before execution, introspection and
 * suggestions only where configured, and our error formatting. It never handles signals: the
 * process has one owner of SIGTERM/SIGINT (src/main.ts), which stops Apollo in its turn.
 */
export function createApolloServer(schema: GraphQLSchema, options: ApolloOptions): ApolloServer<RequestContext> {
  const { limits, logger } = options;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    // Token limit through graphql-js' own parser option instead (below): armor's plugin re-parses
    // and reports syntax errors as GRAPHQL_VALIDATION_FAILED rather than GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    maxDirectives: { n: 50 },
    blockFieldSuggestion: { enabled: options.production },
  }).protect();

  return new ApolloServer<RequestContext>({
    schema,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: options.introspection,
    persistedQueries: false,
    // Apollo's default outside NODE_ENV=test is to stop itself on SIGTERM and re-send the signal,
    // which made the process exit 1 mid-shutdown in development and production.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: limits.maxTokens },
    includeStacktraceInErrorResponses: options.development,
    validationRules: [SingleCredentialMutationRule, ...armor.validationRules],
    // Cache-control hints are computed per field by default; every answer here is no-store.
    plugins: [...armor.plugins, sandboxPlugin({ enabled: options.sandbox, url: options.appUrl, demo: options.demo, moduleDocuments: options.sandboxDocuments }), ApolloServerPluginCacheControlDisabled(), ...(options.production ? [uniformRequestErrorsPlugin()] : [])],
    formatError: createFormatError({ development: options.development, hideSuggestions: options.production, logger }),
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
}
