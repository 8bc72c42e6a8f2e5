import type { Connection } from 'mongoose';
import { Accounts } from './accounts/accounts';
import { LoginLimiter } from './accounts/login-limiter';
import { PRODUCT_SCOPES, ScopeTable, type RoleScopes } from './accounts/roles';
import { UserDirectory } from './accounts/user-directory';
import { AuditLog } from './audit/audit-log';
import type { Config } from './config/config';
import { defineModels, type Models } from './db/models';
import type { Logger } from './logging/logger';
import { NO_TELEMETRY, type Telemetry } from './observability/telemetry';
import { PasswordHasher } from './passwords/hasher';
import { RefreshRotation } from './sessions/rotation';
import { STATELESS_SESSION_STATUS, StrictSessionStatus, type SessionStatus } from './sessions/session-status';
import { SessionStore } from './sessions/session-store';
import { Sessions } from './sessions/sessions';
import { AccessTokens } from './tokens/access-token';

/** The use cases the GraphQL layer calls. */
export interface UseCases {
  accounts: Accounts;
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
  hasher: PasswordHasher;
  useCases: UseCases;
}

export function createDomain(config: Config, connection: Connection, logger: Logger, moduleScopes: readonly RoleScopes[] = [], telemetry: Telemetry = NO_TELEMETRY): Domain {
  const models = defineModels(connection);
  const audit = new AuditLog(models, logger, telemetry);
  const users = new UserDirectory(models);
  const hasher = new PasswordHasher();
  const store = new SessionStore(models, { refreshTokenTtlMs: config.refreshTokenTtlMs }, telemetry);
  const sessionStatus = config.sessionCheck === 'strict' ? new StrictSessionStatus(store) : STATELESS_SESSION_STATUS;
  const accessTokens = new AccessTokens({ ...config.jwt, ttlMs: config.accessTokenTtlMs });
  const rotation = new RefreshRotation(models, store, {
    refreshTokenKey: config.refreshTokenKey,
    refreshIdleTtlMs: config.refreshIdleTtlMs,
    refreshReuseGraceMs: config.refreshReuseGraceMs,
  });
  const sessions = new Sessions({ store, rotation, status: sessionStatus, audit, accessTokens, users, scopes: new ScopeTable([PRODUCT_SCOPES, ...moduleScopes]) });
  const limiter = new LoginLimiter(models, {
    maxFailuresPerAccount: config.loginMaxFailures,
    maxAttemptsPerIp: config.loginMaxPerIp,
    windowMs: config.loginWindowMs,
  }, telemetry);
  const accounts = new Accounts(
    { models, users, hasher, limiter, sessions, audit },
    { passwordMinLength: config.passwordMinLength, adminEmails: config.adminEmails },
  );
  return { models, audit, accessTokens, sessionStatus, hasher, useCases: { accounts, sessions, users, audit } };
}
