import type { MutationResolvers } from '../generated/resolvers-types';
import { signedInPayload, toAuthPayload } from './results';

/** Mutations on credentials: each is one use case of src/accounts. */
export const accountMutations: Pick<MutationResolvers, 'signUp' | 'login' | 'changePassword' | 'reauthenticate'> = {
  async signUp(_parent, { email, password }, ctx) {
    const started = await ctx.accounts.signUp(email, password, ctx.client);
    return signedInPayload(ctx, started);
  },

  async login(_parent, { email, password }, ctx) {
    const started = await ctx.accounts.login(email, password, ctx.client);
    return signedInPayload(ctx, started);
  },

  async changePassword(_parent, { currentPassword, newPassword }, ctx) {
    const viewer = await ctx.auth.require();
    return toAuthPayload(ctx, await ctx.accounts.changePassword(viewer, currentPassword, newPassword, ctx.client));
  },

  async reauthenticate(_parent, { password, code }, ctx) {
    const viewer = await ctx.auth.require();
    return toAuthPayload(ctx, await ctx.accounts.reauthenticate(viewer, password ?? undefined, code ?? undefined, ctx.client));
  },
};
