import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

/** Mutations that check or issue credentials: one per operation, so aliases cannot batch guesses. */
export const CREDENTIAL_MUTATIONS: ReadonlySet<string> = new Set([
  'signUp',
  'login',
  'verifyMfa',
  'refresh',
  'changePassword',
  'reauthenticate',
  'requestPasswordReset',
  'resetPassword',
]);

/**
 * Validation rule: an operation may select at most one credential mutation (counted across
 * aliases, fragments and inline fragments). Rejected before anything executes.
 */
export function SingleCredentialMutationRule(context: ValidationContext): ASTVisitor {
  const count = (selectionSet: SelectionSetNode, seenFragments: Set<string>): string[] => {
    const names: string[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (CREDENTIAL_MUTATIONS.has(selection.name.value)) names.push(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        names.push(...count(selection.selectionSet, seenFragments));
      } else {
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        if (fragment && !seenFragments.has(name)) {
          seenFragments.add(name);
          names.push(...count(fragment.selectionSet, seenFragments));
        }
      }
    }
    return names;
  };

  return {
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      const names = count(node.selectionSet, new Set());
      if (names.length > 1) {
        context.reportError(
          new GraphQLError(`An operation may select only one of ${[...CREDENTIAL_MUTATIONS].join(', ')}; this one selects ${names.length} (${names.join(', ')}).`, {
            nodes: [node],
          }),
        );
      }
    },
  };
}
