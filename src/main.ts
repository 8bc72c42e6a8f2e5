import { startApp } from './app';
import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './logging/logger';

/** `npm start`: configuration from the environment, then serve until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const app = await startApp(config, { logger });
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) process.exit(1); // a second signal: stop waiting
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
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
