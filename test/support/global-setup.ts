import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createLogger } from '../../src/logging/logger';
import { startEmbeddedDatabase } from '../../src/dev/embedded-database';
import { startFerretdbOnPostgresql } from './postgresql';

const ROOT = join(__dirname, '..', '..');

/**
 * Before any test: compile src/ to dist/ (tests spawn the server as it is deployed, compiled),
 * and start one throwaway database server for the whole run; each test file then uses its own
 * database name on it. Which server:
 * - MONGODB_URI set: that one;
 * - TEST_DATABASE=ferretdb-postgresql: FerretDB over a throwaway PostgreSQL cluster (real
 *   concurrent writers, for the race tests);
 * - otherwise the chain `npm run dev` uses (mongodb-memory-server, else FerretDB on SQLite).
 */
export default async function globalSetup(): Promise<void> {
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'src', 'tsconfig.build.json')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);

  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_BASE_URI = process.env.MONGODB_URI.replace(/\/[^/?]*(\?.*)?$/, '');
    return;
  }
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  const choice = process.env.TEST_DATABASE;
  if (choice && choice !== 'ferretdb-postgresql' && choice !== 'default') {
    throw new Error(`TEST_DATABASE must be ferretdb-postgresql or default, not "${choice}"`);
  }
  const database = choice === 'ferretdb-postgresql' ? await startFerretdbOnPostgresql(logger) : await startEmbeddedDatabase(logger);
  process.env.TEST_MONGODB_BASE_URI = database.uri;
  process.env.TEST_DATABASE_KIND = database.kind;
  process.stderr.write(`\ntest database: ${database.kind} at ${database.uri}\n`);
  (globalThis as { __testDatabase?: typeof database }).__testDatabase = database;
}
