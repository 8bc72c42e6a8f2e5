import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../logging/logger';

/** How long any operation may wait for a reachable server before failing (contract: answer within 2 s). */
export const SERVER_SELECTION_TIMEOUT_MS = 1_000;

/**
 * Opens a mongoose connection that fails fast instead of buffering: with the database gone,
 * operations fail within SERVER_SELECTION_TIMEOUT_MS and the driver keeps reconnecting.
 */
export async function connectDatabase(uri: string, logger: Logger): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    socketTimeoutMS: 10_000,
    heartbeatFrequencyMS: 2_000,
    maxPoolSize: 50,
  });
  connection.on('disconnected', () => logger.warn({ event: 'db.disconnected' }, 'database disconnected'));
  connection.on('reconnected', () => logger.info({ event: 'db.reconnected' }, 'database reconnected'));
  await connection.asPromise();
  return connection;
}

/** Round trip to the server, bounded in time: what /readyz reports. */
export async function pingDatabase(connection: Connection, timeoutMs = 1_000): Promise<boolean> {
  const db = connection.db;
  if (!db || connection.readyState !== 1) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      db.command({ ping: 1 }).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
