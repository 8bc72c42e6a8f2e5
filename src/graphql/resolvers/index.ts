import type { Resolvers } from '../generated/resolvers-types';
import { accountMutations } from './account-mutations';
import { queries } from './queries';
import { refreshMutations } from './refresh-mutations';
import { sessionMutations } from './session-mutations';
import { typeResolvers } from './types';

export const resolvers: Resolvers = {
  ...typeResolvers,
  Query: queries,
  Mutation: { ...accountMutations, ...refreshMutations, ...sessionMutations },
};
