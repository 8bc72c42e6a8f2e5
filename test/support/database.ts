import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';

/** A fresh database name on the run's server: one per test file (or per call). */
export function testDatabaseUri(label: string = basename(expect.getState().testPath ?? 'test')): string {
  const base = process.env.TEST_MONGODB_BASE_URI;
  if (!base) throw new Error('TEST_MONGODB_BASE_URI is not set: run the tests through jest (npm test)');
  const name = `${label.replace(/\.test\.ts$/, '').replace(/[^A-Za-z0-9]/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  return `${base}/${name}`;
}
