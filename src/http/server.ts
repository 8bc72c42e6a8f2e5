import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger';
import type { Telemetry } from '../observability/telemetry';
import type { GraphQLHandler } from './graphql-handler';
import { sendReadiness, type Readiness } from './health';
import { sendGraphQLError, sendJson } from './respond';
import { applyCors } from './origin';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A handler for extra GET paths (development pages); resolves false when the path is not its own. */
export type RouteHandler = (path: string, req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface HttpServerDeps {
  /** The GraphQL handler once start-up has finished; undefined before (answered 503). */
  graphql: () => GraphQLHandler | undefined;
  /** `/.well-known/jwks.json`; empty keys: not served. */
  jwks: { keys: unknown[] };
  /** `/readyz`. */
  readiness: () => Promise<Readiness>;
  logger: Logger;
  corsOrigins: readonly string[];
  /** Development pages (/demo, /dev/mail), when there are any. */
  extraRoutes?: () => RouteHandler | undefined;
  telemetry: Telemetry;
}

/** Paths that get their own label in request metrics; everything else is `other`. */
const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/.well-known/jwks.json']);

/**
 * The HTTP server: plain node:http (measured ~1.3x Apollo's standalone server), routing
 * /graphql, /healthz, /readyz and /.well-known/jwks.json. Every response carries a request id.
 * It listens from the first moment of start-up: /healthz answers at once, and until the service
 * is ready /readyz and /graphql answer 503 saying what start-up is waiting for.
 */
export function createHttpServer(deps: HttpServerDeps): Server {
  const { logger, jwks } = deps;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader('x-request-id', requestId);
    res.setHeader('x-content-type-options', 'nosniff');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ event: 'http.request', requestId, method: req.method, path, status: res.statusCode, ms }, 'request');
      deps.telemetry.httpRequest(ROUTES.has(path) ? path : 'other', req.method ?? 'GET', res.statusCode, ms / 1_000);
    });

    if (path === '/graphql') {
      if (applyCors(req, res, deps.corsOrigins)) return;
      const graphql = deps.graphql();
      if (graphql) return graphql(req, res, requestId);
      const readiness = await deps.readiness();
      const waitingFor = readiness.state === 'starting' ? readiness.waitingFor : 'start-up';
      sendGraphQLError(res, 503, 'SERVICE_UNAVAILABLE', `The service is starting (waiting for: ${waitingFor}). Try again shortly.`, { 'retry-after': '2' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendGraphQLError(res, 405, 'BAD_REQUEST', 'Method not allowed.', { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return sendReadiness(res, deps.readiness);
    if (path === '/.well-known/jwks.json' && jwks.keys.length > 0) {
      return sendJson(res, 200, jwks, { 'cache-control': 'public, max-age=300' });
    }
    const extra = deps.extraRoutes?.();
    if (extra && (await extra(path, req, res))) return;
    sendGraphQLError(res, 404, 'BAD_REQUEST', 'Not found. The API is at /graphql.');
  };

  return createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ event: 'http.unhandled', err: error }, 'unhandled error in request handler');
      if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.destroy();
    });
  });
}
