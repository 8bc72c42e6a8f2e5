import type { AddressInfo } from 'node:net';
import type { Config } from './config/config';
import { connectDatabase } from './db/connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded';
import { ensureIndexes } from './db/indexes';
import { startPurgeTimer } from './db/purge';
import { createApolloServer } from './graphql/apollo';
import { resolvers } from './graphql/resolvers';
import { buildSchema } from './graphql/schema';
import { stopDemoBundler } from './http/demo';
import { createHttpServer } from './http/server';
import { createLogger, type Logger } from './logging/logger';
import { createServices, type Services } from './services';

export interface RunningApp {
  url: string;
  port: number;
  services: Services;
  /** Stops accepting, finishes in-flight requests, closes the database (and the embedded one). */
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

/** Starts the whole service from a configuration: database, schema, Apollo, HTTP. */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  for (const name of config.generatedSecrets) {
    logger.warn({ event: 'config.generated_secret', variable: name }, `${name} is not set: using a random one for this process (tokens will not survive a restart)`);
  }

  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbeddedDatabase(logger);
    uri = `${embedded.uri}/graphql-auth`;
  }
  const cleanUps: (() => Promise<void> | void)[] = [];
  if (embedded) cleanUps.push(() => embedded.stop());
  try {
    const connection = await connectDatabase(uri, logger).catch((error: Error) => {
      throw new Error(`Cannot reach MongoDB at ${redactUri(uri)}: ${error.message}`);
    });
    cleanUps.unshift(() => connection.close());
    const services = createServices(config, connection, logger);
    cleanUps.unshift(() => services.audit.flush());
    const needPurge = await ensureIndexes(services.models, logger);
    cleanUps.unshift(startPurgeTimer(needPurge, config.purgeIntervalMs, logger));

    const schema = buildSchema(resolvers, {
      denyByDefault: config.authDenyByDefault,
      explainDenials: config.nodeEnv === 'development',
      enforceAuth: options.enforceAuth,
    });
    const apollo = createApolloServer(schema, config, logger);
    await apollo.start();
    cleanUps.unshift(() => apollo.stop());

    cleanUps.unshift(stopDemoBundler);
    const server = createHttpServer(apollo, services);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, options.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://localhost:${port}/graphql`;
    logger.info({ event: 'server.listening', url, database: embedded?.kind ?? 'MONGODB_URI' }, `GraphQL API ready at ${url}`);

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
    return { url, port, services, stop };
  } catch (error) {
    for (const cleanUp of cleanUps) await Promise.resolve(cleanUp()).catch(() => undefined);
    throw error;
  }
}
