import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { TestClient } from './client';
import { testDatabaseUri } from './database';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!!';

/** The environment every test server starts from (each test overrides what it is about). */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    // Tests log in a lot from one address; the per-address limit has its own test.
    LOGIN_MAX_PER_IP: '100000',
    LOGIN_MAX_FAILURES: '1000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
}

export interface TestServer {
  app: RunningApp;
  url: string;
  origin: string;
  client(): TestClient;
  stop(): Promise<void>;
}

/**
 * The real server (HTTP on an ephemeral port, real database) with the given environment.
 * `host: 'localhost'` listens on every interface and keeps `localhost` in the URL (browsers
 * treat it as a secure context, so they accept the Secure refresh cookie over http).
 */
export async function startTestServer(overrides: Record<string, string> = {}, { host = '127.0.0.1' }: { host?: '127.0.0.1' | 'localhost' } = {}): Promise<TestServer> {
  const env = testEnv({ MONGODB_URI: testDatabaseUri(), ...overrides });
  const app = await startApp(loadConfig(env), { host: host === 'localhost' ? undefined : host });
  const url = host === 'localhost' ? app.url : app.url.replace('localhost', '127.0.0.1');
  return { app, url, origin: new URL(url).origin, client: () => new TestClient(url), stop: () => app.stop() };
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}
