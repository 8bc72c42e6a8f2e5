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
    const presented = await rotation.lookup(cookie.token);
    if (!presented) {
      ctx.setCookies.push(clearedRefreshCookie());
      throw unauthenticated('REFRESH_TOKEN_INVALID');
    }
    // The user is needed for the new access token whatever happens: look it up alongside.
    const [result, user] = await Promise.all([rotation.exchange(presented), accounts.findById(presented.family.userId)]);
    const { family } = result;
    if (result.outcome === 'REUSED') {
      ctx.services.sessionStatus?.forget(family.sessionId);
      ctx.setCookies.push(clearedRefreshCookie());
      await audit.record({
        type: 'REFRESH_TOKEN_REUSED',
        userId: family.userId,
        sessionId: family.sessionId,
        client: ctx.client,
        detail: 'a rotated refresh token was presented again: session revoked',
      });
      throw unauthenticated('REFRESH_TOKEN_REUSED');
    }
    if (result.outcome === 'REJECTED') {
      ctx.setCookies.push(clearedRefreshCookie());
      throw unauthenticated(result.reason);
    }
    if (!user) {
      ctx.setCookies.push(clearedRefreshCookie());
      throw unauthenticated('SESSION_REVOKED');
    }
    // The successor is a credential from now on: it goes out even if the audit write below fails.
    ctx.setCookies.push(refreshCookie(result.refreshToken, (family.expiresAt.getTime() - Date.now()) / 1_000));
    if (result.outcome === 'ROTATED') {
      await audit.record({ type: 'REFRESHED', userId: family.userId, sessionId: family.sessionId, client: ctx.client, detail: `generation ${result.generation}` });
    }
    return accessPayload(ctx, user, family.sessionId);
  },

  async logout(_parent, _args, ctx) {
    assertTrustedOrigin(ctx);
    ctx.setCookies.push(clearedRefreshCookie());
    const cookie = ctx.refreshCookie;
    if (cookie.state !== 'present') return false;
    const presented = await ctx.services.rotation.lookup(cookie.token);
    if (!presented) return false;
    const { family } = presented;
    const ended = await ctx.services.sessions.revoke(family, 'LOGOUT');
    ctx.services.sessionStatus?.forget(family.sessionId);
    if (ended) await ctx.services.audit.record({ type: 'LOGOUT', userId: family.userId, sessionId: family.sessionId, client: ctx.client });
    return ended;
  },
};
