import type { Resolvers } from '../generated/resolvers-types';
import { accountMutations } from './account-mutations';
import { adminMutations } from './admin-mutations';
import { factorMutations, factorQueries } from './factor-mutations';
import { queries } from './queries';
import { recoveryMutations } from './recovery-mutations';
import { sessionMutations } from './session-mutations';
import { typeResolvers } from './types';

/** The product's resolvers (schema/). Schema modules such as the examples bring their own. */
export const resolvers: Resolvers = {
  ...typeResolvers,
  Query: { ...queries, ...factorQueries },
  Mutation: { ...accountMutations, ...sessionMutations, ...recoveryMutations, ...adminMutations, ...factorMutations },
};
