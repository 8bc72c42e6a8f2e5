import type { QueryResolvers } from '../generated/resolvers-types';
import { viewerOf } from './viewer';

export const queries: QueryResolvers = {
  async me(_parent, _args, ctx) {
    return ctx.services.accounts.findById((await viewerOf(ctx)).userId);
  },

  async sessions(_parent, _args, ctx) {
    const viewer = await viewerOf(ctx);
    const sessions = await ctx.services.sessions.listActiveWithLastUse(viewer.userId);
    return sessions.map((session) => ({ ...session, current: session._id === viewer.sessionId }));
  },

  users(_parent, _args, ctx) {
    return ctx.services.accounts.list();
  },

  auditEvents(_parent, { filter, first }, ctx) {
    return ctx.services.audit.find({
      userId: filter?.userId ?? undefined,
      sessionId: filter?.sessionId ?? undefined,
      type: filter?.type ?? undefined,
      before: filter?.before ?? undefined,
      first: first ?? 50,
    });
  },
};
