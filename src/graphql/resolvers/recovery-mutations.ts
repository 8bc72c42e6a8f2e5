import type { MutationResolvers } from '../generated/resolvers-types';

/** Proving an address and resetting a password: each is one use case of src/accounts/recovery.ts. */
export const recoveryMutations: Pick<MutationResolvers, 'requestEmailVerification' | 'verifyEmail' | 'requestPasswordReset' | 'resetPassword'> = {
  async requestEmailVerification(_parent, _args, ctx) {
    return ctx.recovery.requestEmailVerification(await ctx.auth.require(), ctx.client);
  },

  verifyEmail: (_parent, { token }, ctx) => ctx.recovery.verifyEmail(token, ctx.client),

  requestPasswordReset: (_parent, { email }, ctx) => ctx.recovery.requestPasswordReset(email, ctx.client),

  resetPassword: (_parent, { token, newPassword }, ctx) => ctx.recovery.resetPassword(token, newPassword, ctx.client),
};
