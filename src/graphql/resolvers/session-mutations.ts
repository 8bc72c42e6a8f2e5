import { unauthenticated } from '../errors';
import type { MutationResolvers } from '../generated/resolvers-types';
import { accessPayload } from './issue-session';
import { viewerOf } from './viewer';

/** Mutations on the signed-in user's sessions (all guarded by @auth). */
export const sessionMutations: Pick<MutationResolvers, 'logoutAll' | 'revokeSession' | 'changePassword'> = {
  async logoutAll(_parent, _args, ctx) {
    const viewer = await viewerOf(ctx);
    const ended = await ctx.services.sessions.revokeAll(viewer.userId, 'LOGOUT_ALL');
    for (const id of ended) ctx.services.sessionStatus?.forget(id);
    await ctx.services.audit.record({ type: 'LOGOUT_ALL', userId: viewer.userId, sessionId: viewer.sessionId, client: ctx.client, detail: `${ended.length} sessions` });
    return ended.length;
  },

  async revokeSession(_parent, { id }, ctx) {
    const viewer = await viewerOf(ctx);
    const ended = await ctx.services.sessions.revokeOwn(viewer.userId, id, 'REVOKED');
    if (ended) {
      ctx.services.sessionStatus?.forget(id);
      await ctx.services.audit.record({ type: 'SESSION_REVOKED', userId: viewer.userId, sessionId: id, client: ctx.client });
    }
    return ended;
  },

  async changePassword(_parent, { currentPassword, newPassword }, ctx) {
    const viewer = await viewerOf(ctx);
    const { accounts, sessions, audit, sessionStatus } = ctx.services;
    // The current session goes on (its refresh cookie stays valid), so it must be alive before
    // anything changes; with SESSION_CHECK=stateless the guard has not looked.
    if ((await sessions.state(viewer.sessionId)).state !== 'active') throw unauthenticated('SESSION_REVOKED');
    const user = await accounts.changePassword(viewer.userId, currentPassword, newPassword, ctx.client);
    const ended = await sessions.revokeAll(viewer.userId, 'PASSWORD_CHANGED', viewer.sessionId);
    for (const id of ended) sessionStatus?.forget(id);
    await audit.record({ type: 'PASSWORD_CHANGED', userId: viewer.userId, sessionId: viewer.sessionId, client: ctx.client, detail: `${ended.length} other sessions ended` });
    return accessPayload(ctx, user, viewer.sessionId);
  },
};
