import type { ClientInfo } from '../audit/audit-log';
import type { UseCases } from '../domain';
import type { AuthContext } from './auth/directive';
import type { RequestAuth } from './auth/request-auth';

/** The refresh cookie as the request carried it. Two of that name (a planted one beside ours) are `ambiguous`. */
export type PresentedRefreshToken = { state: 'present'; token: string } | { state: 'missing' } | { state: 'ambiguous' };

/**
 * The refresh cookie, as resolvers see it: what came in, and what to send back. Only the HTTP
 * layer knows how a cookie is written.
 */
export interface RefreshCookiePort {
  readonly presented: PresentedRefreshToken;
  setRefresh(token: string, expiresAt: Date): void;
  clearRefresh(): void;
  /** Remembers this device for the account it just signed in to (the known-device cookie). */
  setDevice(token: string): void;
}

/** Per-request context handed to every resolver. */
export interface RequestContext extends AuthContext, UseCases {
  requestId: string;
  client: ClientInfo;
  auth: RequestAuth;
  cookies: RefreshCookiePort;
  /** Origin is ours or in CORS_ORIGINS (or absent: not a browser). */
  originTrusted: boolean;
}
