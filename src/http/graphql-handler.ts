import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { RequestContext } from '../graphql/context';
import { RequestAuth } from '../graphql/request-auth';
import type { Services } from '../services';
import { BodyTooLargeError, readBody } from './body';
import { clientInfo } from './client-info';
import { readRefreshCookie } from './cookies';
import { sendGraphQLError } from './respond';
import { isTrustedOrigin } from './origin';

const JSON_CONTENT_TYPE = /^application\/(?:graphql-response\+)?json\b/i;

/** `/graphql`: reads the body (bounded), builds the request context, runs Apollo, writes the answer. */
export function createGraphQLHandler(apollo: ApolloServer<RequestContext>, services: Services) {
  const { config } = services;
  return async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req, config.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          sendGraphQLError(res, 413, 'BAD_REQUEST', `The request body is larger than ${config.maxBodyBytes} bytes.`, { connection: 'close' });
          return;
        }
        throw error;
      }
      if (JSON_CONTENT_TYPE.test(req.headers['content-type'] ?? '')) {
        try {
          body = raw === '' ? {} : JSON.parse(raw);
        } catch {
          sendGraphQLError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
          return;
        }
      } else {
        body = raw; // Apollo refuses it (CSRF prevention / unsupported content type).
      }
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const search = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const context: RequestContext = {
      requestId,
      client: clientInfo(req, config.trustProxyHops),
      services,
      auth: new RequestAuth(RequestAuth.bearerFrom(req.headers.authorization), services.accessTokens, services.sessionStatus),
      refreshCookie: readRefreshCookie(req.headers.cookie),
      originTrusted: isTrustedOrigin(req.headers.origin, req.headers.host, config.corsOrigins),
      setCookies: [],
    };

    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search, body },
      context: async () => context,
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (context.setCookies.length > 0) res.setHeader('set-cookie', context.setCookies);
    const isHtml = response.headers.get('content-type')?.startsWith('text/html');
    if (!isHtml) res.setHeader('cache-control', 'no-store');
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
