import { startApp, type RunningApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { RoleCatalog, type Role } from '../../src/accounts/roles';
import { decodePart } from './jwt-forge';
import { MailCatcher } from '../../src/dev/mail-catcher';
import { AccessTokens, type AccessTokenSubject } from '../../src/tokens/access-token';
import { TestClient } from './client';
import { openTestDatabase, testDatabaseUri, type TestDatabase } from './database';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!!';

/** The environment every test server starts from (each test overrides what it is about). */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    // Shared by every instance of a test, as in production (a TOTP secret sealed on one opens on another).
    DATA_ENCRYPTION_KEY: '5'.repeat(64),
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
  sign(subject: Omit<AccessTokenSubject, 'authTime' | 'amr'> & Partial<Pick<AccessTokenSubject, 'authTime' | 'amr'>>): string;
  /** The SMTP server the API sends to (a real SMTP conversation; nothing is delivered). */
  mail: MailCatcher;
  /** The token of the newest link of this kind mailed to `email` (waits for the message). */
  linkToken(email: string, kind: 'verify-email' | 'reset-password', after?: number): Promise<string>;
  /** Proves `email` through its verification link (ADMIN_EMAILS grants ADMIN there). */
  verifyEmail(email: string): Promise<void>;
  /** A client signed up with `email` (listed in ADMIN_EMAILS), verified, and refreshed: its token carries ADMIN. */
  signUpAdmin(email: string): Promise<TestClient>;
  stop(): Promise<void>;
}

/**
 * The real server (HTTP on an ephemeral port, real database) with the given environment.
 * `host: 'localhost'` listens on every interface and keeps `localhost` in the URL (browsers
 * treat it as a secure context, so they accept the Secure refresh cookie over http).
 */
export async function startTestServer(overrides: Record<string, string> = {}, { host = '127.0.0.1' }: { host?: '127.0.0.1' | 'localhost' } = {}): Promise<TestServer> {
  const mail = await MailCatcher.start();
  const production = overrides.NODE_ENV === 'production' ? productionEnv() : {};
  const env = testEnv({ MONGODB_URI: testDatabaseUri(), ...production, SMTP_URL: mail.url, ...overrides });
  const config = loadConfig(env);
  const app = await startApp(config, { host: host === 'localhost' ? undefined : host });
  const url = host === 'localhost' ? app.url : app.url.replace('localhost', '127.0.0.1');
  let database: Promise<TestDatabase> | undefined;
  const accessTokens = new AccessTokens({ ...config.jwt, ttlMs: config.accessTokenTtlMs, roles: new RoleCatalog(['USER', 'ADMIN']) });
  const linkToken = async (email: string, kind: 'verify-email' | 'reset-password', after = 0) => {
    const message = await mail.waitFor((m) => m.id > after && m.to.includes(email.trim().toLowerCase()) && m.links.some((link) => link.includes(`/${kind}?token=`)));
    return new URL(message.links.find((link) => link.includes(`/${kind}?token=`))!).searchParams.get('token')!;
  };
  return {
    app,
    url,
    origin: new URL(url).origin,
    config,
    databaseUri: config.mongodbUri!,
    client: () => new TestClient(url),
    db: () => (database ??= openTestDatabase(config.mongodbUri!)),
    accessTokens,
    sign: (subject) => accessTokens.sign({ authTime: new Date(), amr: ['pwd'], ...subject }),
    mail,
    linkToken,
    verifyEmail: async (email) => {
      const token = await linkToken(email, 'verify-email');
      await new TestClient(url).data('mutation($t: String!) { verifyEmail(token: $t) }', { t: token });
    },
    signUpAdmin: async (email) => {
      const client = new TestClient(url);
      await client.signUp(email);
      const token = await linkToken(email, 'verify-email');
      await client.data('mutation($t: String!) { verifyEmail(token: $t) }', { t: token });
      const refreshed = await client.refresh();
      if (refreshed.body.errors) throw new Error(`refresh after verification failed: ${JSON.stringify(refreshed.body.errors)}`);
      return client;
    },
    stop: async () => {
      await app.stop();
      await mail.stop();
      await (await database)?.close();
    },
  };
}

/** A client of `from`'s session whose (genuinely signed) token carries exactly these roles and scopes. */
export function withGrant(server: TestServer, from: TestClient, roles: Role[], scope: string): TestClient {
  const claims = decodePart(from.accessToken!, 1);
  const client = server.client();
  client.accessToken = server.sign({ userId: claims.sub, sessionId: claims.sid, roles, scope });
  return client;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}
