import { createServer } from 'node:http';
import { execute, parse, validate, type DocumentNode } from 'graphql';
import { loadConfig } from '../../../src/config/config';
import { connectDatabase } from '../../../src/db/connection';
import { createDomain } from '../../../src/domain';
import { buildSchema, declaredRoles, schemaParts } from '../../../src/graphql/schema';
import { createRequestContext } from '../../../src/http/request-context';
import { createLogger } from '../../../src/logging/logger';
import { smtpTransport } from '../../../src/mail/mailer';
import { loadSchemaModules, moduleContext, modulePolicies, moduleScopes } from '../../../src/schema-modules';

/**
 * P2's limit: the same guarded schema, resolvers and request context, executed by graphql-js
 * alone on node:http (documents parsed and validated once), without Apollo Server or our HTTP
 * layer. What we cost above this is what our layer adds per request.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('warn');
  const connection = await connectDatabase(config.mongodbUri!, logger);
  const modules = loadSchemaModules({ examples: config.examples, connection });
  const schema = buildSchema(schemaParts(modules), { denyByDefault: false, explainDenials: false, policies: modulePolicies(modules) });
  const domain = createDomain(config, connection, logger, { roles: declaredRoles(schema), mailTransport: smtpTransport(config.smtpUrl!), appUrl: 'http://localhost', webauthnOrigins: ['http://localhost'], moduleScopes: moduleScopes(modules) });
  const deps = { useCases: domain.useCases, accessTokens: domain.accessTokens, sessionStatus: domain.sessionStatus, scopes: domain.scopes, trustProxyHops: 0, corsOrigins: [], moduleContext: moduleContext(modules) };
  const documents = new Map<string, DocumentNode>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
    let document = documents.get(query);
    if (!document) {
      document = parse(query);
      const errors = validate(schema, document);
      if (errors.length > 0) {
        res.statusCode = 400;
        res.end(JSON.stringify({ errors }));
        return;
      }
      documents.set(query, document);
    }
    const result = await execute({ schema, document, variableValues: variables, contextValue: createRequestContext(req, deps).context });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(result));
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ event: 'server.listening', url: `http://127.0.0.1:${port}/graphql` })}\n`);
  });
}

void main();
