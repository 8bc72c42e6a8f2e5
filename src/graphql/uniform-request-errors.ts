import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { ContractErrorCode } from './format-error';

/**
 * The one message each kind of refused document gets in production. graphql-js' messages name
 * types, fields and arguments, and differ between a field that exists and one that does not
 * ("must have a selection of subfields" versus "Cannot query field"): a wordlist tool such as
 * clairvoyance rebuilds the schema from them with introspection off.
 */
export const UNIFORM_MESSAGES: Readonly<Partial<Record<ContractErrorCode, string>>> = {
  GRAPHQL_PARSE_FAILED: 'The GraphQL document could not be parsed.',
  GRAPHQL_VALIDATION_FAILED: 'The GraphQL document is not valid for this API.',
  BAD_USER_INPUT: "The operation's variables are not valid for its variable types.",
};

/**
 * Answers a document refused before execution (parse, validation, variable coercion) with one
 * error: a fixed message, its code, no locations. One error, not one per problem: the count
 * would tell too (an unknown argument is reported only on a field that exists).
 */
export function uniformRequestErrorsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          // Errors of execution come with `data` (null at worst); refused documents have none.
          if (result.data !== undefined || !result.errors?.length) return;
          const uniform = uniformError(result.errors[0]!);
          if (uniform) result.errors = [uniform];
        },
      };
    },
  };
}

function uniformError(error: GraphQLFormattedError): GraphQLFormattedError | undefined {
  const code = error.extensions?.code as ContractErrorCode | undefined;
  const message = code && UNIFORM_MESSAGES[code];
  return message ? { message, extensions: { code } } : undefined;
}
