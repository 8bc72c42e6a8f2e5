import type { RefreshCookieAction, SignedIn, Started } from '../../sessions/sessions';
import type { RefreshCookiePort } from '../context';
import type { AuthPayloadModel } from '../mappers';

/** A use case's sign-in as the `AuthPayload` type. */
export function toAuthPayload(signedIn: SignedIn): AuthPayloadModel {
  return { accessToken: signedIn.accessToken, tokenType: 'Bearer', expiresIn: signedIn.expiresIn, user: signedIn.account };
}

/** Does what a use case said to do with the refresh cookie. */
export function applyRefreshCookie(cookies: RefreshCookiePort, action: RefreshCookieAction | undefined): void {
  if (!action) return;
  if ('clear' in action) cookies.clearRefresh();
  else cookies.setRefresh(action.set, action.expiresAt);
}

/** A new session: its refresh cookie, the known-device cookie, and the AuthPayload. */
export function signedInPayload(cookies: RefreshCookiePort, started: Started): AuthPayloadModel {
  applyRefreshCookie(cookies, started.cookie);
  cookies.setDevice(started.device);
  return toAuthPayload(started.signedIn);
}
