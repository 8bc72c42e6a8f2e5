import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startEmbeddedDatabase } from '../../src/dev/embedded-database';
import { createLogger } from '../../src/logging/logger';
import { ROOT } from '../support/process';

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

it('a bad variable stops start-up with exit 1 and a message naming it (every bad one at once)', () => {
  const result = start({ ACCESS_TOKEN_TTL: 'soon', SESSION_CHECK: 'lenient', PORT: '0' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('ACCESS_TOKEN_TTL');
  expect(result.stderr).toContain('SESSION_CHECK');
  expect(result.stdout).not.toContain('server.listening');
});

it('production without secrets refuses to start', () => {
  const result = start({ NODE_ENV: 'production', PORT: '0' });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/JWT_SECRET: required in production/);
});

it('an unreachable MONGODB_URI stops start-up with a clear message, credentials hidden', () => {
  const result = start({ PORT: '0', MONGODB_URI: 'mongodb://admin:hunter2@127.0.0.1:1/auth', LOG_LEVEL: 'silent' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('Cannot reach MongoDB at mongodb://admin:***@127.0.0.1:1/auth');
  expect(result.stderr).not.toContain('hunter2');
});

it('when no embedded database can start, the error says how to set MONGODB_URI', async () => {
  await expect(startEmbeddedDatabase(createLogger('silent'), 'none-of-them')).rejects.toThrow(/Set MONGODB_URI to a MongoDB server/);
});
