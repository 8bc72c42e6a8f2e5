import { clearedRefreshCookie, refreshCookie } from '../../http/cookies';
import type { RequestContext } from '../context';
import { forbidden, unauthenticated } from '../errors';
import type { MutationResolvers } from '../generated/resolvers-types';
import { accessPayload } from './issue-session';

/** Cookie-reading mutations act only for our own origin (or CORS_ORIGINS): nothing else changes state. */
function assertTrustedOrigin(ctx: RequestContext): void {
  if (!ctx.originTrusted) throw forbidden('This origin may not use the refresh cookie.');
}

/** refresh and logout: the two mutations that act on the refresh cookie rather than the access token. */
export const refreshMutations: Pick<MutationResolvers, 'refresh' | 'logout'> = {
  async refresh(_parent, _args, ctx) {
    assertTrustedOrigin(ctx);
    const { rotation, accounts, audit } = ctx.services;
    const cookie = ctx.refreshCookie;
    if (cookie.state !== 'present') {
      if (cookie.state === 'ambiguous') ctx.setCookies.push(clearedRefreshCookie());
      throw unauthenticated(cookie.state === 'missing' ? 'REFRESH_TOKEN_MISSING' : 'REFRESH_TOKEN_INVALID');
    }
    const result = await rotation.exchange(cookie.token);
    if (result.outcome === 'REUSED') {
      ctx.services.sessionStatus?.forget(result.session._id);
      ctx.setCookies.push(clearedRefreshCookie());
      await audit.record({
        type: 'REFRESH_TOKEN_REUSED',
        userId: result.session.userId,
        sessionId: result.session._id,
        client: ctx.client,
        detail: 'a rotated refresh token was presented again: session revoked',
      });
      throw unauthenticated('REFRESH_TOKEN_REUSED');
    }
    if (result.outcome === 'REJECTED') {
      ctx.setCookies.push(clearedRefreshCookie());
      throw unauthenticated(result.reason);
    }
    // The successor is a credential from now on: send it even if what follows fails (a database
    // outage now must not leave the client holding a token that is already rotated).
    ctx.setCookies.push(refreshCookie(result.refreshToken, (result.session.expiresAt.getTime() - Date.now()) / 1_000));
    const [user] = await Promise.all([
      accounts.findById(result.session.userId),
      result.outcome === 'ROTATED'
        ? audit.record({ type: 'REFRESHED', userId: result.session.userId, sessionId: result.session._id, client: ctx.client, detail: `generation ${result.generation}` })
        : undefined,
    ]);
    if (!user) {
      ctx.setCookies.splice(0, ctx.setCookies.length, clearedRefreshCookie());
      throw unauthenticated('SESSION_REVOKED');
    }
    return accessPayload(ctx, user, result.session._id);
  },

  async logout(_parent, _args, ctx) {
    assertTrustedOrigin(ctx);
    ctx.setCookies.push(clearedRefreshCookie());
    const cookie = ctx.refreshCookie;
    if (cookie.state !== 'present') return false;
    const session = await ctx.services.sessions.findByRefreshToken(cookie.token);
    if (!session) return false;
    const ended = await ctx.services.sessions.revoke(session, 'LOGOUT');
    ctx.services.sessionStatus?.forget(session._id);
    if (ended) await ctx.services.audit.record({ type: 'LOGOUT', userId: session.userId, sessionId: session._id, client: ctx.client });
    return ended;
  },
};
