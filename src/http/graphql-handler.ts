import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { RequestContext } from '../graphql/context';
import { BodyTooLargeError, readBody } from './body';
import { createRequestContext, type RequestContextDeps } from './request-context';
import { sendGraphQLError } from './respond';
import type { TrustedDocuments } from '../graphql/trusted-documents';
import { trustedBody, trustedSearch } from './trusted-documents';

const JSON_CONTENT_TYPE = /^application\/(?:graphql-response\+)?json\b/i;

export type GraphQLHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

export interface GraphQLHandlerOptions {
  maxBodyBytes: number;
  /** When set, only these documents run (TRUSTED_DOCUMENTS); others get BAD_REQUEST before parsing. */
  trustedDocuments?: TrustedDocuments;
}

/** `/graphql`: reads the body (bounded), builds the request context, runs Apollo, writes the answer. */
export function createGraphQLHandler(apollo: ApolloServer<RequestContext>, deps: RequestContextDeps & GraphQLHandlerOptions): GraphQLHandler {
  return async (req, res, requestId) => {
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req, deps.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          sendGraphQLError(res, 413, 'BAD_REQUEST', `The request body is larger than ${deps.maxBodyBytes} bytes.`, { connection: 'close' });
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
    let search = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    if (deps.trustedDocuments && (method === 'POST' || method === 'GET')) {
      const trusted = method === 'POST' ? trustedBody(deps.trustedDocuments, body) : trustedSearch(deps.trustedDocuments, search);
      if ('refused' in trusted) {
        sendGraphQLError(res, 400, 'BAD_REQUEST', trusted.refused);
        return;
      }
      if ('body' in trusted) body = trusted.body;
      else search = trusted.search;
    }
    const { context, cookies } = createRequestContext(req, deps, requestId);

    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search, body },
      context: async () => context,
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (cookies.setCookies.length > 0) res.setHeader('set-cookie', cookies.setCookies);
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
