import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/config';
import { connectDatabase, pingDatabase } from './db/connection';
import { ensureIndexes } from './db/indexes';
import { startPurgeTimer } from './db/purge';
import { createDomain } from './domain';
import { createApolloServer } from './graphql/apollo';
import { buildSchema, declaredRoles, schemaParts } from './graphql/schema';
import { createGraphQLHandler, type GraphQLHandler } from './http/graphql-handler';
import { createHttpServer, type RouteHandler } from './http/server';
import { createLogger, type Logger } from './logging/logger';
import type { PrometheusTelemetry } from './observability/prometheus';
import { NO_TELEMETRY, type Telemetry } from './observability/telemetry';
import { smtpTransport } from './mail/mailer';
import type { MailCatcher } from './dev/mail-catcher';
import { loadSchemaModules, moduleContext, moduleErasures, modulePolicies, moduleScopes } from './schema-modules';
import { publishedJwks } from './tokens/access-token';

export interface RunningApp {
  /** `http://localhost:PORT/graphql`. */
  url: string;
  port: number;
  /** Stops accepting, finishes in-flight requests, flushes, closes the database (and the embedded one). */
  stop(): Promise<void>;
}

/** A server on its way up: listening first, ready later, stoppable at any moment. */
export interface LaunchedApp {
  /** The HTTP server listens (health checks answer; /graphql and /readyz say it is starting). */
  listening: Promise<{ url: string; port: number }>;
  /** Start-up finished: the database answers and the schema is served. Rejects if start-up failed. */
  ready: Promise<void>;
  /** Aborts start-up if it is still running, then shuts down as RunningApp.stop does. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Benchmark baseline only: serve the schema without the @auth guards. */
  enforceAuth?: boolean;
  /** Interface to listen on (default: all). */
  host?: string;
  /** Where an embedded database keeps its data (development); default: a temporary directory. */
  embeddedDataDir?: string;
}

/** Hides the password of a connection string in logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

function listen(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the whole service from a configuration. The composition root: each part is handed what
 * it uses. The HTTP server listens first, so a slow first start (an embedded database being
 * built) is visible: /healthz answers, /readyz says what start-up waits for. Development-only
 * code (the embedded database, the demo page) and prom-client are required here on demand (a
 * plain `require`: this is CommonJS, and `import()` would need file extensions), so production
 * never loads what it does not use.
 */
export function launchApp(config: Config, options: StartOptions = {}): LaunchedApp {
  const logger = options.logger ?? createLogger(config.logLevel);
  for (const name of config.generatedSecrets) {
    logger.warn({ event: 'config.generated_secret', variable: name }, `${name} is not set: using a random one for this process (tokens will not survive a restart)`);
  }
  const abort = new AbortController();
  // Undone in order by stop(): each step pushes its undo to the front.
  const cleanUps: (() => Promise<void> | void)[] = [];
  let waitingFor = 'start-up';
  let graphql: GraphQLHandler | undefined;
  let devRoutes: RouteHandler | undefined;
  let ping: (() => Promise<boolean>) | undefined;
  let telemetry: Telemetry = NO_TELEMETRY;
  let prometheus: PrometheusTelemetry | undefined;
  const progress = (message: string) => {
    waitingFor = message;
    logger.info({ event: 'server.starting', waitingFor: message }, `starting: ${message}`);
  };

  const server = createHttpServer({
    graphql: () => graphql,
    jwks: publishedJwks(config.jwt.verification),
    readiness: async () => (!ping ? { state: 'starting', waitingFor } : (await ping()) ? { state: 'ready' } : { state: 'unavailable' }),
    logger,
    corsOrigins: config.corsOrigins,
    extraRoutes: () => devRoutes,
    telemetry: { ...NO_TELEMETRY, httpRequest: (...args) => telemetry.httpRequest(...args) },
  });

  const listening = listen(server, config.port, options.host).then((port) => {
    const url = `http://localhost:${port}/graphql`;
    logger.info({ event: 'server.listening', url }, `listening at ${url} (health checks answer; start-up continues)`);
    return { url, port };
  });

  const prepare = async (url: string): Promise<void> => {
    if (config.metricsPort !== undefined) {
      const { createPrometheusTelemetry, startMetricsServer } = require('./observability/prometheus') as typeof import('./observability/prometheus');
      prometheus = createPrometheusTelemetry();
      const metrics = await startMetricsServer(prometheus.registry, config.metricsPort);
      cleanUps.unshift(metrics.stop);
      telemetry = prometheus;
      logger.info({ event: 'metrics.listening', url: metrics.url }, `metrics at ${metrics.url}`);
    }

    let uri = config.mongodbUri;
    if (!uri) {
      progress('the embedded database');
      const { startEmbeddedDatabase } = require('./dev/embedded-database') as typeof import('./dev/embedded-database');
      const embedded = await startEmbeddedDatabase(logger, { dataDir: options.embeddedDataDir, signal: abort.signal, progress });
      cleanUps.unshift(() => embedded.stop());
      uri = `${embedded.uri}/graphql-auth`;
    }
    let smtpUrl = config.smtpUrl;
    let mailCatcher: MailCatcher | undefined;
    if (!smtpUrl) {
      // Development and test only (production requires SMTP_URL): messages are kept, not delivered.
      const { MailCatcher: Catcher } = require('./dev/mail-catcher') as typeof import('./dev/mail-catcher');
      const catcher = await Catcher.start({ logger });
      cleanUps.unshift(() => catcher.stop());
      mailCatcher = catcher;
      smtpUrl = catcher.url;
      logger.info({ event: 'mail.embedded', url: smtpUrl }, `embedded mail catcher at ${smtpUrl}${config.nodeEnv === 'development' ? `; messages at ${new URL(url).origin}/dev/mail` : ''}`);
    }

    progress('connecting to the database');
    const databaseUri = uri;
    const connection = await connectDatabase(databaseUri, logger).catch((error: Error) => {
      throw new Error(`Cannot reach MongoDB at ${redactUri(databaseUri)}: ${error.message}`);
    });
    cleanUps.unshift(() => connection.close());
    abort.signal.throwIfAborted();

    const modules = loadSchemaModules({ examples: config.examples, connection });
    const schema = buildSchema(schemaParts(modules), {
      denyByDefault: config.authDenyByDefault,
      explainDenials: config.nodeEnv === 'development',
      reauthMaxAgeSeconds: Math.floor(config.reauthMaxAgeMs / 1_000),
      policies: modulePolicies(modules),
      enforceAuth: options.enforceAuth,
    });
    const roles = declaredRoles(schema);
    if (config.trustedDocuments) {
      const invalid = config.trustedDocuments.invalidAgainst(schema);
      logger.info({ event: 'graphql.trusted_documents', listed: config.trustedDocuments.size }, `trusted documents only: ${config.trustedDocuments.size} listed`);
      if (invalid.length > 0) logger.warn({ event: 'graphql.trusted_documents_invalid', ids: invalid }, `${invalid.length} trusted documents do not validate against this schema and will fail`);
    }
    const domain = createDomain(config, connection, logger, {
      roles,
      mailTransport: smtpTransport(smtpUrl),
      appUrl: config.appUrl ?? new URL(url).origin,
      webauthnOrigins: config.webauthn.origins ?? [new URL(url).origin],
      moduleScopes: moduleScopes(modules),
      erasures: moduleErasures(modules),
      telemetry,
    });
    cleanUps.unshift(() => domain.hasher.close());
    // Undone in this order: finish background work (it may send mail), deliver mail, write audit events.
    cleanUps.unshift(() => domain.audit.flush());
    cleanUps.unshift(() => domain.mailer.flush(5_000));
    cleanUps.unshift(() => domain.background.drain(5_000));
    prometheus?.gauge('auth_password_hash_queue_length', 'Password operations waiting for their turn, and hashes waiting for a hashing thread.', () => domain.hasher.queueLength);
    progress('creating collections and indexes');
    const needPurge = await ensureIndexes([...Object.values(domain.models), ...modules.flatMap((module) => module.models ?? [])], logger);
    cleanUps.unshift(startPurgeTimer(needPurge, config.purgeIntervalMs, logger));

    const apollo = createApolloServer(schema, {
      development: config.nodeEnv === 'development',
      production: config.nodeEnv === 'production',
      introspection: config.introspection,
      sandbox: config.sandbox,
      sandboxDocuments: modules.flatMap((module) => (module.sandboxDocument ? [module.sandboxDocument] : [])),
      appUrl: url,
      demo: config.demo,
      limits: config.limits,
      logger,
    });
    await apollo.start();
    cleanUps.unshift(() => apollo.stop());

    if (config.demo || (mailCatcher && config.nodeEnv === 'development')) {
      const { developmentRoutes } = require('./dev/routes') as typeof import('./dev/routes');
      const dev = developmentRoutes({ demo: config.demo, mail: config.nodeEnv === 'development' ? mailCatcher : undefined });
      devRoutes = dev.routes;
      cleanUps.unshift(dev.stop);
    }
    abort.signal.throwIfAborted();
    graphql = createGraphQLHandler(apollo, {
      useCases: domain.useCases,
      accessTokens: domain.accessTokens,
      sessionStatus: domain.sessionStatus,
      scopes: domain.scopes,
      trustProxyHops: config.trustProxyHops,
      corsOrigins: config.corsOrigins,
      moduleContext: moduleContext(modules),
      maxBodyBytes: config.maxBodyBytes,
      trustedDocuments: config.trustedDocuments,
    });
    ping = () => pingDatabase(connection);
    logger.info({ event: 'server.ready', url, database: config.mongodbUri ? 'MONGODB_URI' : 'embedded' }, `GraphQL API ready at ${url}`);
  };

  const ready = listening.then(({ url }) => prepare(url));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info({ event: 'server.stopping' }, 'shutting down: finishing in-flight requests');
      abort.abort();
      await ready.catch(() => undefined); // an aborted start-up unwinds to here
      if (server.listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Connections that finish their request while we drain become idle keep-alives: close
        // them as they do, instead of waiting for the keep-alive timeout.
        const drain = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        await closed;
        clearInterval(drain);
        clearTimeout(force);
      }
      for (const cleanUp of cleanUps) await Promise.resolve(cleanUp()).catch((error: unknown) => logger.error({ event: 'server.cleanup_failed', err: error }, 'a shutdown step failed'));
      logger.info({ event: 'server.stopped' }, 'stopped');
    })());
  return { listening, ready, stop };
}

/** Starts the service and resolves once it is ready (tests, benchmarks, embedding). */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const launched = launchApp(config, options);
  try {
    await launched.ready;
  } catch (error) {
    await launched.stop();
    throw error;
  }
  const { url, port } = await launched.listening;
  return { url, port, stop: launched.stop };
}
