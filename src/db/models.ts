import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Role } from '../accounts/roles';

/**
 * The collections. Every field that expires carries `expiresAt`: a TTL index removes the
 * document where the server supports TTL indexes, the purge timer (./purge.ts) where it refuses them.
 */

export interface UserDoc {
  _id: Types.ObjectId;
  /** Normalised (see src/accounts/email.ts); unique index. */
  email: string;
  passwordHash: string;
  roles: Role[];
  createdAt: Date;
  passwordChangedAt: Date;
}

/** A session is one refresh-token family. Whether it is revoked lives in `session_revocations`. */
export interface SessionDoc {
  _id: string;
  userId: Types.ObjectId;
  /** When the session started. (Its last use is the newest refresh token's `createdAt`.) */
  createdAt: Date;
  /** Absolute end of the family: rotation never moves it. */
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/**
 * A session's revocation, `_id` = the session id. Revoking is an insert: the unique `_id` makes
 * it atomic and idempotent on any backend, and no concurrent update of the session document
 * (FerretDB writes whole documents back without isolation) can ever undo it.
 */
export interface SessionRevocationDoc {
  _id: string;
  userId: Types.ObjectId;
  at: Date;
  reason: string;
  expiresAt: Date;
}

/**
 * One refresh token of a family, stored only as a SHA-256 hash (`_id`). `generation` counts
 * rotations; the unique index on (sessionId, generation) means a family never forks.
 */
export interface RefreshTokenDoc {
  _id: string;
  sessionId: string;
  userId: Types.ObjectId;
  generation: number;
  createdAt: Date;
  expiresAt: Date;
}

/** One document per login attempt: counting documents is safe where `$inc` is read-then-write. */
export interface LoginAttemptDoc {
  _id: Types.ObjectId;
  /** `account:<email>` or `ip:<address>`. */
  key: string;
  at: Date;
  expiresAt: Date;
}

export type AuditEventType =
  | 'SIGN_UP'
  | 'LOGIN_SUCCEEDED'
  | 'LOGIN_FAILED'
  | 'LOGIN_RATE_LIMITED'
  | 'REFRESHED'
  | 'REFRESH_TOKEN_REUSED'
  | 'LOGOUT'
  | 'LOGOUT_ALL'
  | 'SESSION_REVOKED'
  | 'PASSWORD_CHANGED';

export interface AuditEventDoc {
  _id: Types.ObjectId;
  type: AuditEventType;
  at: Date;
  userId: Types.ObjectId | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: string | null;
  expiresAt: Date;
}

export interface Models {
  User: Model<UserDoc>;
  Session: Model<SessionDoc>;
  SessionRevocation: Model<SessionRevocationDoc>;
  RefreshToken: Model<RefreshTokenDoc>;
  LoginAttempt: Model<LoginAttemptDoc>;
  AuditEvent: Model<AuditEventDoc>;
}

/** Every schema: no `__v`, no implicit index or collection creation (indexes.ts does it), unknown fields refused. */
export const SCHEMA_OPTIONS = { versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' } as const;
const options = SCHEMA_OPTIONS;

export function defineModels(connection: Connection): Models {
  const user = new Schema<UserDoc>(
    {
      email: { type: String, required: true },
      passwordHash: { type: String, required: true },
      roles: { type: [String], required: true },
      createdAt: { type: Date, required: true },
      passwordChangedAt: { type: Date, required: true },
    },
    options,
  );
  user.index({ email: 1 }, { unique: true });

  const session = new Schema<SessionDoc>(
    {
      _id: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
      userAgent: { type: String, default: null },
      ip: { type: String, default: null },
    },
    options,
  );
  session.index({ userId: 1, createdAt: -1 });
  session.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const revocation = new Schema<SessionRevocationDoc>(
    {
      _id: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      at: { type: Date, required: true },
      reason: { type: String, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  revocation.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const refreshToken = new Schema<RefreshTokenDoc>(
    {
      _id: { type: String, required: true },
      sessionId: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      generation: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  refreshToken.index({ sessionId: 1, generation: 1 }, { unique: true });
  refreshToken.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const loginAttempt = new Schema<LoginAttemptDoc>(
    {
      key: { type: String, required: true },
      at: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  loginAttempt.index({ key: 1, at: 1 });
  loginAttempt.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const auditEvent = new Schema<AuditEventDoc>(
    {
      type: { type: String, required: true },
      at: { type: Date, required: true },
      userId: { type: Schema.Types.ObjectId, default: null },
      sessionId: { type: String, default: null },
      ip: { type: String, default: null },
      userAgent: { type: String, default: null },
      detail: { type: String, default: null },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  auditEvent.index({ at: -1 });
  auditEvent.index({ userId: 1, at: -1 });
  auditEvent.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  return {
    User: connection.model<UserDoc>('User', user, 'users'),
    Session: connection.model<SessionDoc>('Session', session, 'sessions'),
    SessionRevocation: connection.model<SessionRevocationDoc>('SessionRevocation', revocation, 'session_revocations'),
    RefreshToken: connection.model<RefreshTokenDoc>('RefreshToken', refreshToken, 'refresh_tokens'),
    LoginAttempt: connection.model<LoginAttemptDoc>('LoginAttempt', loginAttempt, 'login_attempts'),
    AuditEvent: connection.model<AuditEventDoc>('AuditEvent', auditEvent, 'audit_events'),
  };
}
