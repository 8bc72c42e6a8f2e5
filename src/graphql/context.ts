import type { ClientInfo } from '../audit/audit-log';
import type { AuthContext } from '../directives/auth-directive';
import type { RefreshCookie } from '../http/cookies';
import type { Services } from '../services';
import type { RequestAuth } from './request-auth';

/** Per-request context handed to every resolver. */
export interface RequestContext extends AuthContext {
  requestId: string;
  client: ClientInfo;
  services: Services;
  auth: RequestAuth;
  refreshCookie: RefreshCookie;
  /** Origin is ours or in CORS_ORIGINS (or absent: not a browser). */
  originTrusted: boolean;
  /** Set-Cookie headers the HTTP layer adds to the response. */
  setCookies: string[];
}
