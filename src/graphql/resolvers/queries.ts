import type { QueryResolvers } from '../generated/resolvers-types';

export const queries: QueryResolvers = {
  async me(_parent, _args, ctx) {
    return ctx.users.findById((await ctx.auth.require()).userId);
  },

  async sessions(_parent, _args, ctx) {
    return ctx.sessions.list(await ctx.auth.require());
  },

  users(_parent, _args, ctx) {
    return ctx.users.list();
  },

  auditEvents(_parent, { filter, first }, ctx) {
    return ctx.audit.find({
      userId: filter?.userId ?? undefined,
      sessionId: filter?.sessionId ?? undefined,
      type: filter?.type ?? undefined,
      before: filter?.before ?? undefined,
      first: first ?? 50,
    });
  },
};
