import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import { EmbeddedDatabaseUnavailableError, type EmbeddedDatabase } from './types';

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

export async function startMongoMemoryServer(logger: Logger): Promise<EmbeddedDatabase> {
  const earlier = await recentlyFailed();
  if (earlier) throw new EmbeddedDatabaseUnavailableError(`skipped: it failed within the last day (${earlier}); delete ${MARKER} to retry`);
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server');
    const server = await MongoMemoryServer.create({ instance: { ip: '127.0.0.1' } });
    return {
      kind: 'mongodb-memory-server',
      uri: server.getUri().replace(/\/[^/]*$/, ''),
      stop: async () => {
        await server.stop({ doCleanup: true, force: true });
      },
    };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? 'unknown error';
    await mkdir(join(MARKER, '..'), { recursive: true });
    await writeFile(MARKER, JSON.stringify({ at: Date.now(), reason }));
    logger.debug({ event: 'db.mongodb_memory_server_failed', reason }, 'mongodb-memory-server unavailable');
    throw new EmbeddedDatabaseUnavailableError(reason);
  }
}
