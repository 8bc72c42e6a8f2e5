import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import type { RequestContext } from './context';
import { createFormatError } from './format-error';
import { sandboxPlugin } from './sandbox';
import { SingleCredentialMutationRule } from './validation/single-credential-mutation';

/**
 * Apollo Server with the hardening of a public endpoint: CSRF prevention on, batching off,
 * graphql-armor limits refusing expensive documents before execution, introspection and
 * suggestions only where configured, and our error formatting.
 */
export function createApolloServer(schema: GraphQLSchema, config: Config, logger: Logger): ApolloServer<RequestContext> {
  const production = config.nodeEnv === 'production';
  const armor = new ApolloArmor({
    maxDepth: { n: config.limits.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: config.limits.maxAliases },
    costLimit: { maxCost: config.limits.maxCost, ignoreIntrospection: true },
    // Token limit through graphql-js' own parser option instead (below): armor's plugin re-parses
    // and reports syntax errors as GRAPHQL_VALIDATION_FAILED rather than GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    maxDirectives: { n: 50 },
    blockFieldSuggestion: { enabled: production },
  }).protect();

  return new ApolloServer<RequestContext>({
    schema,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: config.introspection,
    persistedQueries: false,
    parseOptions: { maxTokens: config.limits.maxTokens },
    includeStacktraceInErrorResponses: config.nodeEnv === 'development',
    validationRules: [SingleCredentialMutationRule, ...armor.validationRules],
    // Cache-control hints are computed per field by default; every answer here is no-store.
    plugins: [...armor.plugins, sandboxPlugin(config.sandbox), ApolloServerPluginCacheControlDisabled()],
    formatError: createFormatError({ development: config.nodeEnv === 'development', hideSuggestions: production, logger }),
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
}
