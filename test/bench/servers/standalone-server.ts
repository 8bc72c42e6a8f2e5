import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { loadConfig } from '../../../src/config/config';
import { connectDatabase } from '../../../src/db/connection';
import { createDomain } from '../../../src/domain';
import type { RequestContext } from '../../../src/graphql/context';
import { buildSchema, declaredRoles, schemaParts } from '../../../src/graphql/schema';
import { createRequestContext } from '../../../src/http/request-context';
import { createLogger } from '../../../src/logging/logger';
import { smtpTransport } from '../../../src/mail/mailer';
import { loadSchemaModules, moduleContext, moduleScopes } from '../../../src/schema-modules';

/**
 * P2's baseline: the same schema and resolvers, without @auth, served by Apollo's
 * startStandaloneServer (what most tutorials use) instead of our node:http layer; the request
 * context is built the same way.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('warn');
  const connection = await connectDatabase(config.mongodbUri!, logger);
  const modules = loadSchemaModules({ examples: config.examples, connection });
  const schema = buildSchema(schemaParts(modules), { denyByDefault: false, explainDenials: false, enforceAuth: false });
  const domain = createDomain(config, connection, logger, { roles: declaredRoles(schema), mailTransport: smtpTransport(config.smtpUrl!), appUrl: 'http://localhost', webauthnOrigins: ['http://localhost'], moduleScopes: moduleScopes(modules) });
  const apollo = new ApolloServer<RequestContext>({ schema });
  const deps = {
    useCases: domain.useCases,
    accessTokens: domain.accessTokens,
    sessionStatus: domain.sessionStatus,
    scopes: domain.scopes,
    trustProxyHops: 0,
    corsOrigins: [],
    moduleContext: moduleContext(modules),
  };
  const { url } = await startStandaloneServer(apollo, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => createRequestContext(req, deps).context,
  });
  process.stdout.write(`${JSON.stringify({ event: 'server.listening', url: `${url}graphql`.replace('//graphql', '/graphql') })}\n`);
}

void main();
