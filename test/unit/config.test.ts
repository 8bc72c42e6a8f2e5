import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/config';
import { parseDuration } from '../../src/config/duration';

const SECRET = 'x'.repeat(32);
const DEV = { NODE_ENV: 'development' };
/** Everything production needs, so one test can take one thing away. */
const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: SECRET, MONGODB_URI: 'mongodb://db.internal/auth', SMTP_URL: 'smtp://mail.internal:587', DATA_ENCRYPTION_KEY: 'ab'.repeat(32) };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('durations', () => {
  it.each([
    ['900', 900_000],
    ['10s', 10_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['250ms', 250],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '15 minutes', '-5s', '1w', '1e3'])('%j is not a duration', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({ ...DEV, JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      port: 4000,
      mongodbUri: undefined,
      accessTokenTtlMs: 15 * 60_000,
      refreshTokenTtlMs: 30 * 86_400_000,
      refreshIdleTtlMs: 7 * 86_400_000,
      refreshReuseGraceMs: 10_000,
      sessionCheck: 'strict',
      corsOrigins: [],
      adminEmails: [],
      loginMaxFailures: 5,
      loginMaxFailuresAccount: 100,
      loginWindowMs: 15 * 60_000,
      loginMaxPerIp: 100,
      passwordMinLength: 15,
      smtpUrl: undefined,
      mailFrom: 'no-reply@localhost',
      appUrl: undefined,
      emailVerificationTtlMs: 24 * 3_600_000,
      passwordResetTtlMs: 30 * 60_000,
      reauthMaxAgeMs: 5 * 60_000,
      webauthn: { rpId: 'localhost', rpName: 'GraphQL Auth API', origins: undefined },
      metricsPort: undefined,
      sandbox: true,
      introspection: true,
      examples: true,
    });
    expect(config.jwt).toMatchObject({ issuer: 'http://localhost:4000', audience: 'graphql-api' });
    expect(config.jwt.signing.alg).toBe('HS256');
  });

  it.each([
    ['ACCESS_TOKEN_TTL', 'soon'],
    ['REFRESH_TOKEN_TTL', '3 weeks'],
    ['REFRESH_IDLE_TTL', 'x'],
    ['REFRESH_REUSE_GRACE', '-1'],
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['SESSION_CHECK', 'lenient'],
    ['LOGIN_MAX_FAILURES', '0'],
    ['PASSWORD_MIN_LENGTH', '4'],
    ['CORS_ORIGINS', 'not a url'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['MONGODB_URI', 'postgres://localhost'],
    ['JWT_SECRET', 'too-short'],
    ['JWT_PRIVATE_KEY', 'not a pem'],
    ['JWT_VERIFY_KEYS', '{"kid":"a"}'],
    ['AUTH_DENY_BY_DEFAULT', 'maybe'],
  ])('refuses %s=%j with a message naming it', (variable, value) => {
    const problems = problemsOf({ JWT_SECRET: SECRET, [variable]: value });
    expect(problems.join('\n')).toContain(variable);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ ACCESS_TOKEN_TTL: 'x', PORT: 'y', JWT_SECRET: SECRET });
    expect(problems).toHaveLength(2);
  });

  it('generates development secrets with a warning but requires them in production', () => {
    expect(loadConfig(DEV).generatedSecrets).toEqual(['JWT_SECRET', 'REFRESH_TOKEN_SECRET', 'DATA_ENCRYPTION_KEY']);
    const production = loadConfig(PRODUCTION);
    expect(production.generatedSecrets).toEqual([]);
    expect(production).toMatchObject({ sandbox: false, introspection: false, examples: false });
  });

  it('NODE_ENV unset is production, and production names each missing requirement', () => {
    expect(problemsOf({})).toEqual([
      expect.stringMatching(/^JWT_SECRET: required in production/),
      expect.stringMatching(/^DATA_ENCRYPTION_KEY: required in production/),
      expect.stringMatching(/^MONGODB_URI: required in production/),
      expect.stringMatching(/^SMTP_URL: required in production/),
    ]);
    for (const variable of ['MONGODB_URI', 'SMTP_URL', 'DATA_ENCRYPTION_KEY', 'JWT_SECRET']) {
      const { [variable]: _removed, ...rest } = PRODUCTION as Record<string, string>;
      expect(problemsOf(rest)).toEqual([expect.stringMatching(new RegExp(`^${variable}: required in production`))]);
    }
  });

  it('derives every other key from the root secret by HKDF: stable for one secret, different per purpose', () => {
    const a = loadConfig(PRODUCTION);
    const b = loadConfig(PRODUCTION);
    const bytes = (key: { export(): Buffer }) => key.export().toString('hex');
    expect(bytes(a.derivedKeys.deviceCookie)).toBe(bytes(b.derivedKeys.deviceCookie));
    expect(bytes(a.derivedKeys.deviceCookie)).not.toBe(bytes(a.derivedKeys.mfaTicket));
    expect(bytes(a.derivedKeys.deviceCookie)).not.toBe(bytes(a.refreshTokenKey));
    expect(bytes(a.dataEncryptionKey)).toBe('ab'.repeat(32));
    expect(bytes(loadConfig({ ...PRODUCTION, DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') }).dataEncryptionKey)).toBe('01'.repeat(32));
  });

  it.each([
    ['DATA_ENCRYPTION_KEY', 'abcd'],
    ['SMTP_URL', 'http://mail'],
    ['APP_URL', 'ftp://x'],
    ['METRICS_PORT', 'metrics'],
    ['WEBAUTHN_ORIGINS', 'localhost:4000'],
    ['EXAMPLES', 'sometimes'],
  ])('refuses %s=%j', (variable, value) => {
    expect(problemsOf({ ...PRODUCTION, [variable]: value }).join('\n')).toContain(variable);
  });

  it('asymmetric keys: ES256 from a P-256 key, RS256 from RSA; refresh secret then required in production', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(loadConfig({ ...DEV, JWT_PRIVATE_KEY: ec, JWT_KEY_ID: 'k1' }).jwt.signing).toMatchObject({ alg: 'ES256', kid: 'k1' });
    expect(loadConfig({ ...DEV, JWT_PRIVATE_KEY: rsa }).jwt.signing.alg).toBe('RS256');
    expect(loadConfig({ ...DEV, JWT_PRIVATE_KEY: ec.replace(/\n/g, '\\n') }).jwt.signing.alg).toBe('ES256');
    const { JWT_SECRET: _secret, ...withoutSecret } = PRODUCTION;
    expect(problemsOf({ ...withoutSecret, JWT_PRIVATE_KEY: ec })).toEqual([expect.stringMatching(/^REFRESH_TOKEN_SECRET/)]);
    expect(loadConfig({ ...withoutSecret, JWT_PRIVATE_KEY: ec, REFRESH_TOKEN_SECRET: SECRET }).jwt.signing.alg).toBe('ES256');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problemsOf({ ...DEV, JWT_PRIVATE_KEY: p384 }).join()).toMatch(/JWT_PRIVATE_KEY: only P-256/);
  });

  it('JWT_VERIFY_KEYS adds retired keys and refuses duplicate key ids', () => {
    const config = loadConfig({ ...DEV, JWT_SECRET: SECRET, JWT_KEY_ID: 'new', JWT_VERIFY_KEYS: JSON.stringify([{ kid: 'old', secret: 'o'.repeat(32) }]) });
    expect(config.jwt.verification.map((key) => key.kid)).toEqual(['new', 'old']);
    expect(problemsOf({ JWT_SECRET: SECRET, JWT_KEY_ID: 'new', JWT_VERIFY_KEYS: JSON.stringify([{ kid: 'new', secret: 'o'.repeat(32) }]) }).join()).toMatch(
      /already in use/,
    );
  });
});
