import type { MutationResolvers } from '../generated/resolvers-types';
import { issueSession } from './issue-session';

/** signUp and login: both start a new session (refresh-token family) and set the cookie. */
export const accountMutations: Pick<MutationResolvers, 'signUp' | 'login'> = {
  async signUp(_parent, { email, password }, ctx) {
    const user = await ctx.services.accounts.signUp(email, password, ctx.client);
    const { session, refreshToken } = await ctx.services.sessions.start(user._id, ctx.client);
    return issueSession(ctx, user, session, refreshToken);
  },

  async login(_parent, { email, password }, ctx) {
    const user = await ctx.services.accounts.authenticate(email, password, ctx.client);
    const { session, refreshToken } = await ctx.services.sessions.start(user._id, ctx.client);
    await ctx.services.audit.record({ type: 'LOGIN_SUCCEEDED', userId: user._id, sessionId: session._id, client: ctx.client });
    return issueSession(ctx, user, session, refreshToken);
  },
};
