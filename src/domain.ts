import type { Connection } from 'mongoose';
import { AccountStore } from './accounts/account-store';
import { AccountTokens } from './accounts/account-tokens';
import { Accounts } from './accounts/accounts';
import { Administration, type AccountErasure } from './accounts/administration';
import { AttemptLimiter } from './accounts/attempt-limiter';
import { AccountInputs } from './accounts/inputs';
import { KnownDevices } from './accounts/known-devices';
import { Recovery } from './accounts/recovery';
import { PRODUCT_SCOPES, ScopeTable, type RoleCatalog, type RoleScopes } from './accounts/roles';
import { UserDirectory } from './accounts/user-directory';
import { AuditLog } from './audit/audit-log';
import type { Config } from './config/config';
import { isDatabaseUnavailable } from './db/errors';
import { defineModels, type Models } from './db/models';
import { SingleUse } from './db/single-use';
import { MfaTickets } from './factors/mfa-tickets';
import { Passkeys } from './factors/passkeys';
import { SecondFactors } from './factors/second-factors';
import { SecretBox } from './lib/encryption';
import { BackgroundTasks } from './lib/background';
import type { Logger } from './logging/logger';
import { Mailer, type MailTransport } from './mail/mailer';
import { NO_TELEMETRY, type Telemetry } from './observability/telemetry';
import { PasswordHasher } from './passwords/hasher';
import { RefreshRotation } from './sessions/rotation';
import { StatelessSessionStatus, StrictSessionStatus, type SessionStatus } from './sessions/session-status';
import { SessionStore } from './sessions/session-store';
import { Sessions } from './sessions/sessions';
import { AccessTokens } from './tokens/access-token';

/** The use cases the GraphQL layer calls. */
export interface UseCases {
  accounts: Accounts;
  factors: SecondFactors;
  passkeys: Passkeys;
  recovery: Recovery;
  administration: Administration;
  sessions: Sessions;
  users: UserDirectory;
  audit: AuditLog;
}

/** The domain, wired once per process; app.ts hands each outer part only what it uses. */
export interface Domain {
  models: Models;
  audit: AuditLog;
  accessTokens: AccessTokens;
  sessionStatus: SessionStatus;
  scopes: ScopeTable;
  hasher: PasswordHasher;
  mailer: Mailer;
  background: BackgroundTasks;
  useCases: UseCases;
}

export interface DomainExtras {
  /** The roles the schema declares. */
  roles: RoleCatalog;
  mailTransport: MailTransport;
  /** Base of the links in messages (APP_URL, or the server's own origin). */
  appUrl: string;
  /** Origins passkeys may be used from (WEBAUTHN_ORIGINS, or the server's own origin). */
  webauthnOrigins: readonly string[];
  /** Scope tables of the schema modules. */
  moduleScopes?: readonly RoleScopes[];
  /** What schema modules keep about an account, erased with it. */
  erasures?: readonly AccountErasure[];
  telemetry?: Telemetry;
}

/** The product name in messages. */
const PRODUCT_NAME = 'GraphQL Auth API';
/** Reset and verification messages per address per LOGIN_WINDOW (contract: at most 3). */
const MESSAGES_PER_ADDRESS = 3;

export function createDomain(config: Config, connection: Connection, logger: Logger, extras: DomainExtras): Domain {
  const telemetry = extras.telemetry ?? NO_TELEMETRY;
  const models = defineModels(connection);
  const audit = new AuditLog(models, logger, telemetry);
  const states = new AccountStore(models);
  const users = new UserDirectory(models, states);
  // With the database down, logins waiting for a place would each fail in turn: they answer SERVICE_UNAVAILABLE at once.
  const hasher = new PasswordHasher({ isSharedFailure: isDatabaseUnavailable });
  const scopes = new ScopeTable([PRODUCT_SCOPES, ...(extras.moduleScopes ?? [])]);
  const background = new BackgroundTasks(logger);
  const mailer = new Mailer(extras.mailTransport, config.mailFrom, logger);
  const singleUse = new SingleUse(models);
  const tokens = new AccountTokens(models, singleUse);
  const limiter = new AttemptLimiter(models, { windowMs: config.loginWindowMs }, telemetry);
  const devices = new KnownDevices(config.derivedKeys.deviceCookie);
  const inputs = new AccountInputs({
    passwordMinLength: config.passwordMinLength,
    loginMaxPerIp: config.loginMaxPerIp,
    loginMaxFailures: config.loginMaxFailures,
    loginMaxFailuresAccount: config.loginMaxFailuresAccount,
  }, devices);

  const store = new SessionStore(models, states, { refreshTokenTtlMs: config.refreshTokenTtlMs }, telemetry);
  const sessionStatus = config.sessionCheck === 'strict' ? new StrictSessionStatus(store) : new StatelessSessionStatus(store);
  const accessTokens = new AccessTokens({ ...config.jwt, ttlMs: config.accessTokenTtlMs, roles: extras.roles });
  const rotation = new RefreshRotation(models, store, {
    refreshTokenKey: config.refreshTokenKey,
    refreshIdleTtlMs: config.refreshIdleTtlMs,
    refreshReuseGraceMs: config.refreshReuseGraceMs,
  });
  const sessions = new Sessions({ devices, store, rotation, status: sessionStatus, audit, accessTokens, scopes, accounts: users, refreshIdleTtlMs: config.refreshIdleTtlMs });

  const recovery = new Recovery(
    { states, users, tokens, hasher, limiter, sessions, mailer, background, audit, inputs },
    {
      appUrl: extras.appUrl,
      productName: PRODUCT_NAME,
      adminEmails: config.adminEmails,
      emailVerificationTtlMs: config.emailVerificationTtlMs,
      passwordResetTtlMs: config.passwordResetTtlMs,
      messagesPerAddress: MESSAGES_PER_ADDRESS,
    },
  );
  const factors = new SecondFactors({
    models,
    states,
    users,
    sessions,
    tickets: new MfaTickets(models, singleUse),
    singleUse,
    secrets: new SecretBox(config.dataEncryptionKey),
    limiter,
    inputs,
    audit,
    issuer: PRODUCT_NAME,
    loginMaxFailures: config.loginMaxFailures,
  });
  const passkeys = new Passkeys(
    { models, states, users, sessions, singleUse, limiter, inputs, audit },
    { rpId: config.webauthn.rpId, rpName: config.webauthn.rpName, origins: extras.webauthnOrigins },
  );
  const accounts = new Accounts({ models, states, users, hasher, limiter, inputs, sessions, recovery, factors, audit }, { loginMaxFailures: config.loginMaxFailures });
  const administration = new Administration({
    models,
    roles: extras.roles,
    states,
    users,
    tokens,
    sessions,
    audit,
    erasures: [(userId) => passkeys.erase(userId), ...(extras.erasures ?? [])],
  });
  return {
    models,
    audit,
    accessTokens,
    sessionStatus,
    scopes,
    hasher,
    mailer,
    background,
    useCases: { accounts, factors, passkeys, recovery, administration, sessions, users, audit },
  };
}
