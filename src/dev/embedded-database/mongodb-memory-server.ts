import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import { EmbeddedDatabaseUnavailableError, type EmbeddedDatabase, type EmbeddedOptions } from './types';

/**
 * When mongod could not be downloaded, remember it for a day: on an offline machine each attempt
 * costs ~7.5 s (three download tries) and will fail the same way again.
 */
const MARKER = join(tmpdir(), 'graphql-auth-api', 'mongodb-memory-server-unavailable');
const MARKER_TTL_MS = 24 * 3_600_000;

async function recentlyFailed(): Promise<string | undefined> {
  try {
    const { at, reason } = JSON.parse(await readFile(MARKER, 'utf8')) as { at: number; reason: string };
    return Date.now() - at < MARKER_TTL_MS ? reason : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A real mongod, downloaded once by mongodb-memory-server. The binary is fetched first on its own
 * (`MongoBinary.getPath`), so an offline machine gets one readable line instead of the library's
 * console stack trace.
 */
export async function startMongoMemoryServer(logger: Logger, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const earlier = await recentlyFailed();
  if (earlier) throw new EmbeddedDatabaseUnavailableError(`skipped: it failed within the last day (${earlier}); delete ${MARKER} to retry`);
  const { MongoBinary, MongoMemoryServer } = require('mongodb-memory-server') as typeof import('mongodb-memory-server');
  let binary: string;
  try {
    options.progress?.('looking for a mongod binary (mongodb-memory-server)');
    binary = await MongoBinary.getPath();
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]!.replace(/, Details:$/, '') || 'unknown error';
    await mkdir(join(MARKER, '..'), { recursive: true });
    await writeFile(MARKER, JSON.stringify({ at: Date.now(), reason }));
    logger.debug({ event: 'db.mongodb_memory_server_failed', reason }, 'mongodb-memory-server unavailable');
    throw new EmbeddedDatabaseUnavailableError(reason);
  }
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const server = await MongoMemoryServer.create({
    binary: { systemBinary: binary },
    instance: { ip: '127.0.0.1', ...(options.dataDir ? { dbPath: options.dataDir, storageEngine: 'wiredTiger' as const } : {}) },
  });
  return {
    kind: 'mongodb-memory-server',
    uri: server.getUri().replace(/\/[^/]*$/, ''),
    stop: async () => {
      await server.stop({ doCleanup: !options.dataDir, force: true });
    },
  };
}
