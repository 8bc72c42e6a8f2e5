import type { Logger } from '../../logging/logger';
import { startFerretdb } from './ferretdb';
import { startMongoMemoryServer } from './mongodb-memory-server';
import { EmbeddedDatabaseUnavailableError, type EmbeddedDatabase, type EmbeddedOptions } from './types';

export type { EmbeddedDatabase, EmbeddedOptions };
export { EmbeddedDatabaseUnavailableError };

const STARTERS = {
  'mongodb-memory-server': startMongoMemoryServer,
  ferretdb: startFerretdb,
} as const;

/**
 * The contract's chain for "no MONGODB_URI" (development and test only): a real mongod from
 * mongodb-memory-server, else FerretDB (built once with Go), else an error that says how to set
 * MONGODB_URI. `EMBEDDED_DATABASE=ferretdb` (or `mongodb-memory-server`) skips straight to one.
 * With `dataDir`, each keeps its data in a sub-directory of it.
 */
export async function startEmbeddedDatabase(logger: Logger, options: EmbeddedOptions = {}, only = process.env.EMBEDDED_DATABASE): Promise<EmbeddedDatabase> {
  const names = (Object.keys(STARTERS) as (keyof typeof STARTERS)[]).filter((name) => !only || name === only);
  const failures: string[] = [];
  for (const name of names) {
    options.signal?.throwIfAborted();
    try {
      const dataDir = options.dataDir && `${options.dataDir}/${name}`;
      const database = await STARTERS[name](logger, { ...options, dataDir });
      logger.info({ event: 'db.embedded', kind: database.kind, uri: database.uri, dataDir }, `embedded database: ${database.kind}${dataDir ? ` (data kept in ${dataDir})` : ''}`);
      return database;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      failures.push(`${name}: ${(error as Error).message}`);
      logger.warn({ event: 'db.embedded_failed', kind: name, reason: (error as Error).message }, `${name} unavailable: ${(error as Error).message}`);
    }
  }
  throw new EmbeddedDatabaseUnavailableError(
    `No embedded database could start (${failures.join('; ')}). ` +
      'Set MONGODB_URI to a MongoDB server, e.g. MONGODB_URI=mongodb://127.0.0.1:27017/auth, ' +
      'or install Go so FerretDB can be built.',
  );
}
