import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { defineModels, type Models } from '../../src/db/models';

/** A fresh database name on the run's server: one per test file (or per call). */
export function testDatabaseUri(label: string = basename(expect.getState().testPath ?? 'test')): string {
  const base = process.env.TEST_MONGODB_BASE_URI;
  if (!base) throw new Error('TEST_MONGODB_BASE_URI is not set: run the tests through jest (npm test)');
  const name = `${label.replace(/\.test\.ts$/, '').replace(/[^A-Za-z0-9]/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  return `${base}/${name}`;
}

/** A test's own view of a server's database, for what HTTP cannot show (what is stored, and how). */
export interface TestDatabase {
  connection: Connection;
  models: Models;
  close(): Promise<void>;
}

export async function openTestDatabase(uri: string): Promise<TestDatabase> {
  const connection = await mongoose.createConnection(uri, { bufferCommands: false, autoIndex: false, autoCreate: false, serverSelectionTimeoutMS: 2_000 }).asPromise();
  return { connection, models: defineModels(connection), close: () => connection.close() };
}
