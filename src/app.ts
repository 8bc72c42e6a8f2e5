import type { AddressInfo } from 'node:net';
import type { Config } from './config/config';
import { connectDatabase, pingDatabase } from './db/connection';
import { ensureIndexes } from './db/indexes';
import { startPurgeTimer } from './db/purge';
import { createDomain } from './domain';
import { createApolloServer } from './graphql/apollo';
import { buildSchema, schemaParts } from './graphql/schema';
import { createGraphQLHandler } from './http/graphql-handler';
import { createHttpServer, type RouteHandler } from './http/server';
import { createLogger, type Logger } from './logging/logger';
import { loadSchemaModules, moduleContext, moduleScopes } from './schema-modules';

export interface RunningApp {
  /** `http://localhost:PORT/graphql`. */
  url: string;
  port: number;
  /** Stops accepting, finishes in-flight requests, flushes, closes the database (and the embedded one). */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Benchmark baseline only: serve the schema without the @auth guards. */
  enforceAuth?: boolean;
  /** Interface to listen on (default: all). */
  host?: string;
}

/** Hides the password of a connection string in logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/**
 * Starts the whole service from a configuration: database, domain, schema, Apollo, HTTP. The
 * composition root: each part is handed what it uses. Development-only code (the embedded
 * database, the demo page) is required here on demand (a plain `require`: this is CommonJS, and
 * a dynamic `import()` would need file extensions), so production never loads it.
 */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  for (const name of config.generatedSecrets) {
    logger.warn({ event: 'config.generated_secret', variable: name }, `${name} is not set: using a random one for this process (tokens will not survive a restart)`);
  }

  // Undone in reverse order by stop(), or if start-up fails half-way.
  const cleanUps: (() => Promise<void> | void)[] = [];
  try {
    let uri = config.mongodbUri;
    if (!uri) {
      const { startEmbeddedDatabase } = require('./dev/embedded-database') as typeof import('./dev/embedded-database');
      const embedded = await startEmbeddedDatabase(logger);
      cleanUps.unshift(() => embedded.stop());
      uri = `${embedded.uri}/graphql-auth`;
    }
    const connection = await connectDatabase(uri, logger).catch((error: Error) => {
      throw new Error(`Cannot reach MongoDB at ${redactUri(uri)}: ${error.message}`);
    });
    cleanUps.unshift(() => connection.close());

    const modules = loadSchemaModules({ examples: config.examples, connection });
    const domain = createDomain(config, connection, logger, moduleScopes(modules));
    cleanUps.unshift(() => domain.audit.flush());
    const needPurge = await ensureIndexes([...Object.values(domain.models), ...modules.flatMap((module) => module.models ?? [])], logger);
    cleanUps.unshift(startPurgeTimer(needPurge, config.purgeIntervalMs, logger));

    const schema = buildSchema(schemaParts(modules), {
      denyByDefault: config.authDenyByDefault,
      explainDenials: config.nodeEnv === 'development',
      enforceAuth: options.enforceAuth,
    });
    const apollo = createApolloServer(schema, {
      development: config.nodeEnv === 'development',
      production: config.nodeEnv === 'production',
      introspection: config.introspection,
      sandbox: config.sandbox,
      sandboxDocuments: modules.flatMap((module) => (module.sandboxDocument ? [module.sandboxDocument] : [])),
      limits: config.limits,
      logger,
    });
    await apollo.start();
    cleanUps.unshift(() => apollo.stop());

    let extraRoutes: RouteHandler | undefined;
    if (config.demo) {
      const { demoRoutes } = require('./dev/demo/serve') as typeof import('./dev/demo/serve');
      const demo = demoRoutes();
      extraRoutes = demo.routes;
      cleanUps.unshift(demo.stop);
    }
    const server = createHttpServer({
      graphql: createGraphQLHandler(apollo, {
        useCases: domain.useCases,
        accessTokens: domain.accessTokens,
        sessionStatus: domain.sessionStatus,
        trustProxyHops: config.trustProxyHops,
        corsOrigins: config.corsOrigins,
        moduleContext: moduleContext(modules),
        maxBodyBytes: config.maxBodyBytes,
      }),
      jwks: domain.accessTokens.jwks(),
      ready: () => pingDatabase(connection),
      logger,
      corsOrigins: config.corsOrigins,
      extraRoutes,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, options.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://localhost:${port}/graphql`;
    logger.info({ event: 'server.listening', url, database: config.mongodbUri ? 'MONGODB_URI' : 'embedded' }, `GraphQL API ready at ${url}`);

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        logger.info({ event: 'server.stopping' }, 'shutting down: finishing in-flight requests');
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        await closed;
        clearTimeout(force);
        for (const cleanUp of cleanUps) await cleanUp();
        logger.info({ event: 'server.stopped' }, 'stopped');
      })());
    return { url, port, stop };
  } catch (error) {
    for (const cleanUp of cleanUps) await Promise.resolve(cleanUp()).catch(() => undefined);
    throw error;
  }
}
