import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readRefreshCookie } from '../../../src/http/cookies';
import { loadConfig } from '../../../src/config/config';
import { connectDatabase } from '../../../src/db/connection';
import type { RequestContext } from '../../../src/graphql/context';
import { RequestAuth } from '../../../src/graphql/request-auth';
import { resolvers } from '../../../src/graphql/resolvers';
import { buildSchema } from '../../../src/graphql/schema';
import { createLogger } from '../../../src/logging/logger';
import { createServices } from '../../../src/services';

/**
 * P2's baseline: the same schema and resolvers, without @auth, served by Apollo's
 * startStandaloneServer (what most tutorials use) instead of our node:http layer.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('warn');
  const services = createServices(config, await connectDatabase(config.mongodbUri!, logger), logger);
  const apollo = new ApolloServer<RequestContext>({ schema: buildSchema(resolvers as never, { denyByDefault: false, explainDenials: false, enforceAuth: false }) });
  const { url } = await startStandaloneServer(apollo, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({
      requestId: '',
      client: { ip: req.socket.remoteAddress ?? null, userAgent: null },
      services,
      auth: new RequestAuth(RequestAuth.bearerFrom(req.headers.authorization), services.accessTokens, services.sessionStatus),
      refreshCookie: readRefreshCookie(req.headers.cookie),
      originTrusted: true,
      setCookies: [],
    }),
  });
  process.stdout.write(`${JSON.stringify({ event: 'server.listening', url: `${url}graphql`.replace('//graphql', '/graphql') })}\n`);
}

void main();
