import { forbidden, unauthenticated } from '../../errors';
import type { RequestContext } from '../context';
import type { MutationResolvers } from '../generated/resolvers-types';
import { applyRefreshCookie, toAuthPayload } from './results';

/** Cookie-reading mutations act only for our own origin (or CORS_ORIGINS): nothing else changes state. */
function assertTrustedOrigin(ctx: RequestContext): void {
  if (!ctx.originTrusted) throw forbidden('This origin may not use the refresh cookie.');
}

/** Mutations on sessions: each is one use case of src/sessions/sessions.ts. */
export const sessionMutations: Pick<MutationResolvers, 'refresh' | 'logout' | 'logoutAll' | 'revokeSession'> = {
  async refresh(_parent, _args, ctx) {
    assertTrustedOrigin(ctx);
    const presented = ctx.cookies.presented;
    if (presented.state === 'missing') throw unauthenticated('REFRESH_TOKEN_MISSING');
    if (presented.state === 'ambiguous') {
      ctx.cookies.clearRefresh();
      throw unauthenticated('REFRESH_TOKEN_INVALID');
    }
    const result = await ctx.sessions.refresh(presented.token, ctx.client);
    applyRefreshCookie(ctx.cookies, result.cookie);
    if (!result.ok) throw result.error;
    return toAuthPayload(ctx, result.signedIn);
  },

  async logout(_parent, _args, ctx) {
    assertTrustedOrigin(ctx);
    const presented = ctx.cookies.presented;
    const result = await ctx.sessions.logout(presented.state === 'present' ? presented.token : undefined, ctx.client);
    applyRefreshCookie(ctx.cookies, result.cookie);
    return result.ended;
  },

  async logoutAll(_parent, _args, ctx) {
    return ctx.sessions.revokeAll(await ctx.auth.require(), ctx.client);
  },

  async revokeSession(_parent, { id }, ctx) {
    return ctx.sessions.revokeOwn(await ctx.auth.require(), id, ctx.client);
  },
};
