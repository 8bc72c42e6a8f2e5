import type { Resolvers } from '../generated/resolvers-types';
import { accountMutations } from './account-mutations';
import { noteResolvers } from './notes';
import { queries } from './queries';
import { refreshMutations } from './refresh-mutations';
import { sessionMutations } from './session-mutations';
import { typeResolvers } from './types';

const { Query: noteQueries, Mutation: noteMutations, ...noteTypes } = noteResolvers;

export const resolvers: Resolvers = {
  ...typeResolvers,
  ...noteTypes,
  Query: { ...queries, ...noteQueries },
  Mutation: { ...accountMutations, ...refreshMutations, ...sessionMutations, ...noteMutations },
};
