import { join } from 'node:path';
import { launchApp } from './app';
import { ConfigError, loadConfig } from './config/config';
import { projectRoot } from './lib/project-root';
import { createLogger } from './logging/logger';

/**
 * The process entry (`npm start`, `npm run dev`, `node dist/src/main.js`): read `.env`, build the
 * configuration, start, and own SIGTERM/SIGINT. Nothing else in the process handles signals
 * (Apollo's handler is off), so a signal always means: stop accepting, finish in-flight requests,
 * flush, close, exit 0. A second signal during shutdown forces exit 1.
 */
function main(): void {
  try {
    // Real environment variables win over the file (Node's loader never overwrites them).
    process.loadEnvFile(join(projectRoot(), '.env'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail(`Cannot read .env: ${(error as Error).message}`);
  }
  const development = process.env.NODE_ENV === 'development';
  let embeddedDataDir: string | undefined;
  if (development) {
    // Development keeps its database and generated secrets in .dev-data/ across restarts.
    const devData = require('./dev/dev-data') as typeof import('./dev/dev-data');
    devData.applyDevelopmentSecrets(process.env);
    embeddedDataDir = devData.DEV_DATA_DIR;
  }

  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const logger = createLogger(config.logLevel, { pretty: development && process.stdout.isTTY });
  const app = launchApp(config, { logger, embeddedDataDir });

  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ event: 'server.forced_exit', signal }, `second ${signal}: exiting without finishing`);
      process.exit(1);
    }
    signalled = true;
    logger.info({ event: 'server.signal', signal }, `received ${signal}`);
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ event: 'server.stop_failed', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  app.ready.catch(async (error: unknown) => {
    if (signalled) return; // a signal during start-up: shutdown() owns the exit
    await app.stop();
    fail(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  });
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

main();
