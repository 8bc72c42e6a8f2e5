import type { SessionDoc, UserDoc } from '../../db/models';
import { scopesFor } from '../../accounts/scopes';
import { refreshCookie } from '../../http/cookies';
import type { RequestContext } from '../context';
import type { AuthPayloadModel } from '../mappers';

/** A fresh access token for a user's session, as an AuthPayload. */
export function accessPayload(ctx: RequestContext, user: UserDoc, sessionId: string, now = Date.now()): AuthPayloadModel {
  const { accessTokens } = ctx.services;
  const accessToken = accessTokens.sign({ userId: user._id.toHexString(), sessionId, roles: user.roles, scope: scopesFor(user.roles) }, now);
  return { accessToken, tokenType: 'Bearer', expiresIn: accessTokens.ttlSeconds, user };
}

/** accessPayload, plus the refresh cookie for the rest of the session's life. */
export function issueSession(ctx: RequestContext, user: UserDoc, session: SessionDoc, refreshToken: string, now = Date.now()): AuthPayloadModel {
  ctx.setCookies.push(refreshCookie(refreshToken, (session.expiresAt.getTime() - now) / 1_000));
  return accessPayload(ctx, user, session._id, now);
}
