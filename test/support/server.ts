import { startApp, type RunningApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { AccessTokens } from '../../src/tokens/access-token';
import { TestClient } from './client';
import { openTestDatabase, testDatabaseUri, type TestDatabase } from './database';

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

/** What production requires besides the database (contract: MONGODB_URI, SMTP_URL, DATA_ENCRYPTION_KEY and a secret). */
export function productionEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET, SMTP_URL: 'smtp://127.0.0.1:2525', DATA_ENCRYPTION_KEY: '0'.repeat(64), ...overrides };
}

export interface TestServer {
  app: RunningApp;
  url: string;
  origin: string;
  config: Config;
  databaseUri: string;
  client(): TestClient;
  /** The server's database, opened by the test (once, closed with stop()). */
  db(): Promise<TestDatabase>;
  /** Signs access tokens with the server's key (to test the rules on hand-made grants). */
  accessTokens: AccessTokens;
  stop(): Promise<void>;
}

/**
 * The real server (HTTP on an ephemeral port, real database) with the given environment.
 * `host: 'localhost'` listens on every interface and keeps `localhost` in the URL (browsers
 * treat it as a secure context, so they accept the Secure refresh cookie over http).
 */
export async function startTestServer(overrides: Record<string, string> = {}, { host = '127.0.0.1' }: { host?: '127.0.0.1' | 'localhost' } = {}): Promise<TestServer> {
  const production = overrides.NODE_ENV === 'production' ? productionEnv() : {};
  const env = testEnv({ MONGODB_URI: testDatabaseUri(), ...production, ...overrides });
  const config = loadConfig(env);
  const app = await startApp(config, { host: host === 'localhost' ? undefined : host });
  const url = host === 'localhost' ? app.url : app.url.replace('localhost', '127.0.0.1');
  let database: Promise<TestDatabase> | undefined;
  return {
    app,
    url,
    origin: new URL(url).origin,
    config,
    databaseUri: config.mongodbUri!,
    client: () => new TestClient(url),
    db: () => (database ??= openTestDatabase(config.mongodbUri!)),
    accessTokens: new AccessTokens({ ...config.jwt, ttlMs: config.accessTokenTtlMs }),
    stop: async () => {
      await app.stop();
      await (await database)?.close();
    },
  };
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}
