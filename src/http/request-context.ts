import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ScopeTable } from '../accounts/roles';
import type { UseCases } from '../domain';
import type { RequestContext } from '../graphql/context';
import { RequestAuth } from '../graphql/auth/request-auth';
import type { SessionStatus } from '../sessions/session-status';
import type { AccessTokens } from '../tokens/access-token';
import { clientInfo } from './client-info';
import { ResponseCookies } from './cookies';
import { isTrustedOrigin } from './origin';

export interface RequestContextDeps {
  useCases: UseCases;
  accessTokens: AccessTokens;
  sessionStatus: SessionStatus;
  scopes: ScopeTable;
  trustProxyHops: number;
  corsOrigins: readonly string[];
  /** What schema modules (the examples) add to every context, e.g. their stores. */
  moduleContext?: Readonly<Record<string, unknown>>;
}

/**
 * The GraphQL context of one HTTP request: who the client is, the caller's identity (worked out
 * lazily), the refresh cookie port, and the use cases. `cookies.setCookies` is what the response
 * must carry.
 */
export function createRequestContext(req: IncomingMessage, deps: RequestContextDeps, requestId: string = randomUUID()): { context: RequestContext; cookies: ResponseCookies } {
  const cookies = new ResponseCookies(req.headers.cookie);
  const context: RequestContext = {
    ...deps.moduleContext,
    ...deps.useCases,
    requestId,
    client: clientInfo(req, deps.trustProxyHops),
    auth: new RequestAuth(RequestAuth.bearerFrom(req.headers.authorization), deps.accessTokens, deps.sessionStatus, deps.scopes),
    cookies,
    originTrusted: isTrustedOrigin(req.headers.origin, req.headers.host, deps.corsOrigins),
  };
  return { context, cookies };
}
