import type { MutationResolvers } from '../generated/resolvers-types';

/** Changes to accounts by administrators, and deletion by the owner: src/accounts/administration.ts. */
export const adminMutations: Pick<MutationResolvers, 'setUserRoles' | 'setUserDisabled' | 'deleteAccount'> = {
  async setUserRoles(_parent, { userId, roles }, ctx) {
    return ctx.administration.setRoles(await ctx.auth.require(), userId, roles, ctx.client);
  },

  async setUserDisabled(_parent, { userId, disabled }, ctx) {
    return ctx.administration.setDisabled(await ctx.auth.require(), userId, disabled, ctx.client);
  },

  async deleteAccount(_parent, _args, ctx) {
    await ctx.administration.deleteOwn(await ctx.auth.require(), ctx.client);
    ctx.cookies.clearRefresh();
    return true;
  },
};
