import { createLogger } from '../../src/logging/logger';
import { startEmbeddedDatabase } from '../../src/dev/embedded-database';

/**
 * One throwaway database for the whole run, through the same chain as `npm start`
 * (mongodb-memory-server, else FerretDB). Each test file then uses its own database name.
 * With MONGODB_URI set, the tests run against that server instead.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_BASE_URI = process.env.MONGODB_URI.replace(/\/[^/?]*(\?.*)?$/, '');
    return;
  }
  const database = await startEmbeddedDatabase(createLogger(process.env.TEST_LOG_LEVEL ?? 'warn'));
  process.env.TEST_MONGODB_BASE_URI = database.uri;
  process.env.TEST_DATABASE_KIND = database.kind;
  (globalThis as { __testDatabase?: typeof database }).__testDatabase = database;
}
