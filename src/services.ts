import type { Connection } from 'mongoose';
import { Accounts } from './accounts/accounts';
import { LoginLimiter } from './accounts/login-limiter';
import { AuditLog } from './audit/audit-log';
import type { Config } from './config/config';
import { defineModels, type Models } from './db/models';
import type { Logger } from './logging/logger';
import { PasswordHasher } from './passwords/hasher';
import { RefreshRotation } from './sessions/rotation';
import { SessionStatus } from './sessions/session-status';
import { SessionStore } from './sessions/session-store';
import { AccessTokens } from './tokens/access-token';

/** Everything resolvers use, built once per process. */
export interface Services {
  config: Config;
  logger: Logger;
  connection: Connection;
  models: Models;
  accessTokens: AccessTokens;
  accounts: Accounts;
  sessions: SessionStore;
  rotation: RefreshRotation;
  /** null with SESSION_CHECK=stateless. */
  sessionStatus: SessionStatus | null;
  audit: AuditLog;
}

export function createServices(config: Config, connection: Connection, logger: Logger): Services {
  const models = defineModels(connection);
  const audit = new AuditLog(models, logger);
  const limiter = new LoginLimiter(models, {
    maxFailuresPerAccount: config.loginMaxFailures,
    maxAttemptsPerIp: config.loginMaxPerIp,
    windowMs: config.loginWindowMs,
  });
  const sessions = new SessionStore(models, { refreshTokenTtlMs: config.refreshTokenTtlMs });
  return {
    config,
    logger,
    connection,
    models,
    audit,
    accessTokens: new AccessTokens({ ...config.jwt, ttlMs: config.accessTokenTtlMs }),
    accounts: new Accounts(models, new PasswordHasher(), limiter, audit, {
      passwordMinLength: config.passwordMinLength,
      adminEmails: config.adminEmails,
    }),
    sessions,
    rotation: new RefreshRotation(models, sessions, {
      refreshTokenKey: config.refreshTokenKey,
      refreshIdleTtlMs: config.refreshIdleTtlMs,
      refreshReuseGraceMs: config.refreshReuseGraceMs,
    }),
    sessionStatus: config.sessionCheck === 'strict' ? new SessionStatus(sessions) : null,
  };
}
