import { randomBytes, hkdfSync, createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { TrustedDocuments, TrustedDocumentsError } from '../graphql/trusted-documents';
import { parseDuration } from './duration';
import {
  KeyConfigError,
  parseVerifyKeys,
  secretKey,
  secretKeyId,
  signingKeyFromPem,
  type SigningKey,
  type VerificationKey,
} from './keys';

export type NodeEnv = 'development' | 'production' | 'test';
export type SessionCheckMode = 'strict' | 'stateless';

/** The whole configuration, built once at start-up from the environment. */
export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  /** Unset: start an embedded throwaway database. */
  mongodbUri: string | undefined;
  jwt: {
    signing: SigningKey;
    /** Every key that verifies, the signing key's (public) half first. */
    verification: VerificationKey[];
    issuer: string;
    audience: string;
  };
  /** HMAC key that derives a refresh token's successor (see src/sessions/rotation.ts). */
  refreshTokenKey: KeyObject;
  /** Keys derived by HKDF from the root secret (REFRESH_TOKEN_SECRET, else JWT_SECRET): never configured separately. */
  derivedKeys: { deviceCookie: KeyObject; mfaTicket: KeyObject };
  /** AES-256-GCM key for secrets at rest (TOTP secrets). */
  dataEncryptionKey: KeyObject;
  /** Unset: an embedded mail catcher (development and test only). */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Base of the links in messages; unset: the server's own origin (http://localhost:PORT). */
  appUrl: string | undefined;
  emailVerificationTtlMs: number;
  passwordResetTtlMs: number;
  /** `@auth(fresh: true)`: how recent the last authentication must be. */
  reauthMaxAgeMs: number;
  /** Passkeys: the relying party, and the origins allowed (unset: the server's own origin). */
  webauthn: { rpId: string; rpName: string; origins: string[] | undefined };
  /** Prometheus metrics on 127.0.0.1:PORT/metrics; undefined: off. */
  metricsPort: number | undefined;
  /** Secrets generated for this process only (development): logged as a warning. */
  generatedSecrets: string[];
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  refreshIdleTtlMs: number;
  refreshReuseGraceMs: number;
  sessionCheck: SessionCheckMode;
  corsOrigins: string[];
  adminEmails: string[];
  loginMaxFailures: number;
  loginMaxFailuresAccount: number;
  loginWindowMs: number;
  loginMaxPerIp: number;
  passwordMinLength: number;
  /** Every field needs @auth or @public (directly or from its type); start-up fails otherwise. */
  authDenyByDefault: boolean;
  introspection: boolean;
  sandbox: boolean;
  /** The /demo page (the browser client module at work). */
  demo: boolean;
  /** Serve the example domain (examples/notes). */
  examples: boolean;
  logLevel: string;
  maxBodyBytes: number;
  /** Number of reverse proxies in front of us whose X-Forwarded-For we trust (0: use the socket). */
  trustProxyHops: number;
  purgeIntervalMs: number;
  limits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number };
  /** TRUSTED_DOCUMENTS: only these documents run; undefined: any valid document. */
  trustedDocuments: TrustedDocuments | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const duration = (fallback: string, min = 0) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < min) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 900, 10s, 15m, 12h or 30d${min ? ` (at least ${min} ms)` : ''}, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((text, ctx) => {
      const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${text}"` });
        return z.NEVER;
      }
      return value;
    });

/** `true/false`, `1/0`, `yes/no`, `on/off`; empty or unset: the fallback; anything else: undefined. */
export function parseBooleanFlag(text: string | undefined, fallback: boolean): boolean | undefined {
  if (text === undefined || text === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  return undefined;
}

const boolean = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      const value = parseBooleanFlag(text, fallback);
      if (value !== undefined) return value;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${text}"` });
      return z.NEVER;
    });

const list = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const origins = list.transform((items, ctx) =>
  items.map((item) => {
    try {
      const url = new URL(item);
      if (url.origin === 'null' || url.origin !== item.replace(/\/$/, '')) throw new Error();
      return url.origin;
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not an origin like https://app.example.com` });
      return z.NEVER;
    }
  }),
);

const optionalText = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === '' ? undefined : text));

const httpUrl = optionalText.transform((text, ctx) => {
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got "${text}"` });
  return z.NEVER;
});

/** 32 bytes, written as 64 hex digits or base64. */
function encryptionKey(text: string): KeyObject | undefined {
  const bytes = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  return bytes?.length === 32 ? createSecretKey(bytes) : undefined;
}

function hkdf(root: string | Buffer, label: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', root, 'graphql-auth-api', label, 32)));
}

const envSchema = z.object({
  // Unset means production: a server someone forgot to configure must not run with development defaults.
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: integer(4000, 0, 65535),
  MONGODB_URI: optionalText.refine((uri) => uri === undefined || /^mongodb(\+srv)?:\/\//.test(uri), {
    message: 'must start with mongodb:// or mongodb+srv://',
  }),
  JWT_SECRET: optionalText,
  JWT_PRIVATE_KEY: optionalText,
  JWT_KEY_ID: optionalText,
  JWT_VERIFY_KEYS: optionalText,
  REFRESH_TOKEN_SECRET: optionalText,
  JWT_ISSUER: z.string().min(1).default('http://localhost:4000'),
  JWT_AUDIENCE: z.string().min(1).default('graphql-api'),
  ACCESS_TOKEN_TTL: duration('15m', 1_000),
  REFRESH_TOKEN_TTL: duration('30d', 1_000),
  REFRESH_IDLE_TTL: duration('7d', 1_000),
  REFRESH_REUSE_GRACE: duration('10s'),
  SESSION_CHECK: z.enum(['strict', 'stateless']).default('strict'),
  CORS_ORIGINS: origins,
  ADMIN_EMAILS: list.transform((items) => items.map((email) => email.toLowerCase())),
  LOGIN_MAX_FAILURES: integer(5, 1, 1_000_000),
  LOGIN_MAX_FAILURES_ACCOUNT: integer(100, 1, 100_000_000),
  LOGIN_WINDOW: duration('15m', 1_000),
  LOGIN_MAX_PER_IP: integer(100, 1, 100_000_000),
  PASSWORD_MIN_LENGTH: integer(15, 8, 256),
  SMTP_URL: optionalText.refine((url) => url === undefined || /^smtps?:\/\/[^\s]+$/.test(url), { message: 'must be an smtp:// or smtps:// URL' }),
  MAIL_FROM: z.string().trim().min(3).default('no-reply@localhost'),
  APP_URL: httpUrl,
  EMAIL_VERIFICATION_TTL: duration('24h', 1_000),
  PASSWORD_RESET_TTL: duration('30m', 1_000),
  REAUTH_MAX_AGE: duration('5m', 1_000),
  DATA_ENCRYPTION_KEY: optionalText,
  WEBAUTHN_RP_ID: z.string().trim().min(1).default('localhost'),
  WEBAUTHN_RP_NAME: z.string().trim().min(1).default('GraphQL Auth API'),
  WEBAUTHN_ORIGINS: origins.transform((items) => (items.length > 0 ? items : undefined)),
  METRICS_PORT: optionalText.transform((text, ctx) => {
    if (text === undefined) return undefined;
    const port = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `expected a port from 0 to 65535, got "${text}"` });
      return z.NEVER;
    }
    return port;
  }),
  AUTH_DENY_BY_DEFAULT: boolean(true),
  GRAPHQL_INTROSPECTION: boolean(false),
  SANDBOX: boolean(false),
  DEMO: boolean(false),
  EXAMPLES: boolean(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  MAX_BODY_BYTES: integer(100_000, 1_000, 50_000_000),
  TRUST_PROXY_HOPS: integer(0, 0, 10),
  PURGE_INTERVAL: duration('10m', 100),
  GRAPHQL_MAX_DEPTH: integer(12, 1, 1_000),
  GRAPHQL_MAX_ALIASES: integer(15, 1, 10_000),
  GRAPHQL_MAX_COST: integer(5_000, 1, 10_000_000),
  GRAPHQL_MAX_TOKENS: integer(2_000, 10, 1_000_000),
  TRUSTED_DOCUMENTS: optionalText,
});

type Env = Record<string, string | undefined>;

/** Builds the configuration from an environment (defaults to `process.env`); throws ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  const production = values.NODE_ENV === 'production';
  const problems: string[] = [];
  const generatedSecrets: string[] = [];

  let signing: SigningKey | undefined;
  const verification: VerificationKey[] = [];
  const collect = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof KeyConfigError) problems.push(error.message);
      else throw error;
    }
  };

  collect(() => {
    if (values.JWT_PRIVATE_KEY) {
      const pair = signingKeyFromPem(values.JWT_PRIVATE_KEY, values.JWT_KEY_ID, 'JWT_PRIVATE_KEY');
      signing = pair.signing;
      verification.push(pair.verifying);
    }
  });
  collect(() => {
    if (values.JWT_SECRET) {
      const key = secretKey(values.JWT_SECRET, 'JWT_SECRET');
      const kid = signing ? secretKeyId(values.JWT_SECRET) : values.JWT_KEY_ID ?? secretKeyId(values.JWT_SECRET);
      const entry = { kid, alg: 'HS256' as const, key };
      if (!signing) signing = entry;
      verification.push(entry);
    } else if (!values.JWT_PRIVATE_KEY) {
      if (production) {
        problems.push('JWT_SECRET: required in production (or JWT_PRIVATE_KEY with REFRESH_TOKEN_SECRET)');
      } else {
        const entry = { kid: 'dev-random', alg: 'HS256' as const, key: createSecretKey(randomBytes(32)) };
        signing = entry;
        verification.push(entry);
        generatedSecrets.push('JWT_SECRET');
      }
    }
  });
  collect(() => {
    if (values.JWT_VERIFY_KEYS) {
      for (const key of parseVerifyKeys(values.JWT_VERIFY_KEYS, 'JWT_VERIFY_KEYS')) {
        if (verification.some((existing) => existing.kid === key.kid)) {
          throw new KeyConfigError(`JWT_VERIFY_KEYS: key id "${key.kid}" is already in use`);
        }
        verification.push(key);
      }
    }
  });

  // One root secret; every other key is derived from it by HKDF (contract: never required separately).
  let root: string | Buffer | undefined = values.REFRESH_TOKEN_SECRET ?? values.JWT_SECRET;
  let refreshTokenKey: KeyObject | undefined;
  collect(() => {
    if (values.REFRESH_TOKEN_SECRET) {
      refreshTokenKey = secretKey(values.REFRESH_TOKEN_SECRET, 'REFRESH_TOKEN_SECRET');
    } else if (values.JWT_SECRET) {
      refreshTokenKey = hkdf(values.JWT_SECRET, 'refresh-token-successor');
    } else if (production) {
      // Without JWT_SECRET and JWT_PRIVATE_KEY, the JWT_SECRET problem above says it all.
      if (values.JWT_PRIVATE_KEY) problems.push('REFRESH_TOKEN_SECRET: required in production when JWT_SECRET is not set');
    } else {
      root = randomBytes(32);
      refreshTokenKey = hkdf(root, 'refresh-token-successor');
      generatedSecrets.push('REFRESH_TOKEN_SECRET');
    }
  });

  let dataEncryptionKey: KeyObject | undefined;
  if (values.DATA_ENCRYPTION_KEY) {
    dataEncryptionKey = encryptionKey(values.DATA_ENCRYPTION_KEY);
    if (!dataEncryptionKey) problems.push('DATA_ENCRYPTION_KEY: must be 32 bytes, written as 64 hex digits or in base64');
  } else if (production) {
    problems.push('DATA_ENCRYPTION_KEY: required in production (32 bytes, hex or base64; e.g. `openssl rand -hex 32`)');
  } else {
    dataEncryptionKey = createSecretKey(randomBytes(32));
    generatedSecrets.push('DATA_ENCRYPTION_KEY');
  }
  if (production && !values.MONGODB_URI) problems.push('MONGODB_URI: required in production (production never starts an embedded database)');
  if (production && !values.SMTP_URL) problems.push('SMTP_URL: required in production (smtp:// or smtps:// URL of the mail server)');

  let trustedDocuments: TrustedDocuments | undefined;
  try {
    trustedDocuments = values.TRUSTED_DOCUMENTS ? TrustedDocuments.fromFile(values.TRUSTED_DOCUMENTS) : undefined;
  } catch (error) {
    if (!(error instanceof TrustedDocumentsError)) throw error;
    problems.push(error.message);
  }

  if (problems.length > 0 || !signing || !refreshTokenKey || !root || !dataEncryptionKey) throw new ConfigError(problems);

  return {
    nodeEnv: values.NODE_ENV,
    port: values.PORT,
    mongodbUri: values.MONGODB_URI,
    jwt: { signing, verification, issuer: values.JWT_ISSUER, audience: values.JWT_AUDIENCE },
    refreshTokenKey,
    derivedKeys: { deviceCookie: hkdf(root, 'device-cookie'), mfaTicket: hkdf(root, 'mfa-ticket') },
    dataEncryptionKey,
    smtpUrl: values.SMTP_URL,
    mailFrom: values.MAIL_FROM,
    appUrl: values.APP_URL,
    emailVerificationTtlMs: values.EMAIL_VERIFICATION_TTL,
    passwordResetTtlMs: values.PASSWORD_RESET_TTL,
    reauthMaxAgeMs: values.REAUTH_MAX_AGE,
    webauthn: { rpId: values.WEBAUTHN_RP_ID, rpName: values.WEBAUTHN_RP_NAME, origins: values.WEBAUTHN_ORIGINS },
    metricsPort: values.METRICS_PORT,
    generatedSecrets,
    accessTokenTtlMs: values.ACCESS_TOKEN_TTL,
    refreshTokenTtlMs: values.REFRESH_TOKEN_TTL,
    refreshIdleTtlMs: values.REFRESH_IDLE_TTL,
    refreshReuseGraceMs: values.REFRESH_REUSE_GRACE,
    sessionCheck: values.SESSION_CHECK,
    corsOrigins: values.CORS_ORIGINS,
    adminEmails: values.ADMIN_EMAILS,
    loginMaxFailures: values.LOGIN_MAX_FAILURES,
    loginMaxFailuresAccount: values.LOGIN_MAX_FAILURES_ACCOUNT,
    loginWindowMs: values.LOGIN_WINDOW,
    loginMaxPerIp: values.LOGIN_MAX_PER_IP,
    passwordMinLength: values.PASSWORD_MIN_LENGTH,
    authDenyByDefault: values.AUTH_DENY_BY_DEFAULT,
    introspection: env.GRAPHQL_INTROSPECTION ? values.GRAPHQL_INTROSPECTION : !production,
    sandbox: env.SANDBOX ? values.SANDBOX : !production,
    demo: env.DEMO ? values.DEMO : !production,
    examples: env.EXAMPLES ? values.EXAMPLES : !production,
    logLevel: values.LOG_LEVEL ?? (values.NODE_ENV === 'test' ? 'silent' : 'info'),
    maxBodyBytes: values.MAX_BODY_BYTES,
    trustProxyHops: values.TRUST_PROXY_HOPS,
    purgeIntervalMs: values.PURGE_INTERVAL,
    limits: {
      maxDepth: values.GRAPHQL_MAX_DEPTH,
      maxAliases: values.GRAPHQL_MAX_ALIASES,
      maxCost: values.GRAPHQL_MAX_COST,
      maxTokens: values.GRAPHQL_MAX_TOKENS,
    },
    trustedDocuments,
  };
}
