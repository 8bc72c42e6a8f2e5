import type { RefreshCookieAction, SignedIn, Started } from '../../sessions/sessions';
import type { RefreshCookiePort, RequestContext } from '../context';
import type { AuthPayloadModel } from '../mappers';

/**
 * A use case's sign-in as the `AuthPayload` type. Its `user` is the person the token was just
 * issued to, and is read as them (the request's own caller may be anonymous: a login).
 */
export function toAuthPayload(ctx: Pick<RequestContext, 'auth'>, signedIn: SignedIn): AuthPayloadModel {
  ctx.auth.issue(signedIn.account, signedIn.accessToken);
  return { accessToken: signedIn.accessToken, tokenType: 'Bearer', expiresIn: signedIn.expiresIn, user: signedIn.account };
}

/** Does what a use case said to do with the refresh cookie. */
export function applyRefreshCookie(cookies: RefreshCookiePort, action: RefreshCookieAction | undefined): void {
  if (!action) return;
  if ('clear' in action) cookies.clearRefresh();
  else cookies.setRefresh(action.set, action.expiresAt);
}

/** A new session: its refresh cookie, the known-device cookie, and the AuthPayload. */
export function signedInPayload(ctx: Pick<RequestContext, 'auth' | 'cookies'>, started: Started): AuthPayloadModel {
  applyRefreshCookie(ctx.cookies, started.cookie);
  ctx.cookies.setDevice(started.device);
  return toAuthPayload(ctx, started.signedIn);
}
