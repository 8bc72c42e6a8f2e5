import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Role } from '../accounts/roles';

/**
 * The collections. Every field that expires carries `expiresAt`: a TTL index removes the
 * document where the server supports TTL indexes, the purge timer (./purge.ts) where it refuses them.
 */

/** An account's identity: written once at sign-up, never updated (its state lives in revisions). */
export interface UserDoc {
  _id: Types.ObjectId;
  /** Normalised (see src/accounts/email.ts); unique index. */
  email: string;
  createdAt: Date;
}

/** A second factor's secret, encrypted at rest (src/lib/encryption.ts). */
export interface TotpFactor {
  secret: string;
  /** SHA-256 hashes of the recovery codes issued with it. */
  recoveryCodes: string[];
  enabledAt: Date;
}

/**
 * One revision of an account's state: everything that decides what the account may do. Never
 * updated: a change inserts revision `rev + 1` computed from revision `rev`, and the unique `_id`
 * (`<userId>:<rev>`) lets exactly one concurrent change win (src/accounts/account-store.ts).
 */
export interface AccountRevisionDoc {
  _id: string;
  userId: Types.ObjectId;
  rev: number;
  at: Date;
  /** What this revision changed, for operators (`sign-up`, `password`, `roles`, ...). */
  change: string;
  /** Changes with every credential change (password, factors, disabling): sessions bound to an older one are dead. */
  credentialVersion: number;
  passwordHash: string;
  roles: Role[];
  disabled: boolean;
  emailVerified: boolean;
  /** ADMIN_EMAILS granted ADMIN once, when the address was verified; never again. */
  adminGranted: boolean;
  totp: TotpFactor | null;
  /** Credential ids of the account's passkeys (their keys are in `passkeys`). */
  passkeys: string[];
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
 * A session's authentication: the credential version it proved and how (RFC 8176 `amr`). A session
 * is alive only while it has one for the account's current credential version; re-authenticating
 * or changing one's own password adds one. Insert-only, like everything safety-relevant here.
 */
export interface SessionAuthenticationDoc {
  /** `<sessionId>:<n>`, n = 0 at sign-in, + 1 for each re-authentication (see SequenceHead). */
  _id: string;
  sessionId: string;
  userId: Types.ObjectId;
  credentialVersion: number;
  at: Date;
  amr: string[];
  expiresAt: Date;
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

/**
 * One document per attempt: counting documents is safe where `$inc` is read-then-write.
 * `login_attempts` holds the failure-counted keys (`pair:`, `account:`, `device:`, `session:`,
 * and `<key>#failed` markers): attempts in flight, deleted on success, so it stays small.
 * `counted_attempts` holds the keys where every attempt counts (`ip:`, `reset:`, `verify:`),
 * kept for the whole window: apart, so that the many scans of the first (FerretDB answers only
 * `_id` equality from an index) do not read the second's thousands.
 */
export interface LoginAttemptDoc {
  _id: Types.ObjectId;
  key: string;
  at: Date;
  expiresAt: Date;
}

/** An emailed token (verification, password reset), stored only as its SHA-256 hash. */
export interface AccountTokenDoc {
  _id: string;
  purpose: 'verify-email' | 'reset-password';
  userId: Types.ObjectId;
  email: string;
  /** The credential version it was issued under: any credential change voids it. */
  credentialVersion: number;
  createdAt: Date;
  expiresAt: Date;
}

/** A secret that was used: inserting it is what makes a use single (src/db/single-use.ts). */
export interface SingleUseDoc {
  _id: string;
  at: Date;
  expiresAt: Date;
}

/** A TOTP secret handed out by startTotpEnrollment, waiting for its first code (encrypted). */
export interface TotpEnrollmentDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  secret: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A password check that still needs its second factor: `_id` is the ticket's SHA-256. */
export interface MfaTicketDoc {
  _id: string;
  userId: Types.ObjectId;
  /** The credential version whose password was checked. */
  credentialVersion: number;
  createdAt: Date;
  expiresAt: Date;
}

/** A passkey's public key (WebAuthn). Whether it may sign in is the account state's `passkeys` list. */
export interface PasskeyDoc {
  /** The credential id (base64url). */
  _id: string;
  userId: Types.ObjectId;
  publicKey: string;
  counter: number;
  transports: string[];
  backedUp: boolean;
  name: string | null;
  createdAt: Date;
}

/** One sign-in with a passkey (insert-only: its last use and signature counter are the newest of these). */
export interface PasskeyUseDoc {
  _id: string;
  credentialId: string;
  userId: Types.ObjectId;
  counter: number;
  at: Date;
}

/** A WebAuthn challenge handed out by the options queries: `_id` is the challenge itself (random, not secret). */
export interface WebAuthnChallengeDoc {
  _id: string;
  purpose: 'registration' | 'authentication';
  userId: Types.ObjectId | null;
  createdAt: Date;
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
  | 'PASSWORD_CHANGED'
  | 'EMAIL_VERIFICATION_SENT'
  | 'EMAIL_VERIFIED'
  | 'PASSWORD_RESET_REQUESTED'
  | 'PASSWORD_RESET'
  | 'ROLES_CHANGED'
  | 'ACCOUNT_DISABLED'
  | 'ACCOUNT_ENABLED'
  | 'ACCOUNT_DELETED'
  | 'REAUTHENTICATED'
  | 'MFA_REQUIRED'
  | 'MFA_FAILED'
  | 'TOTP_ENABLED'
  | 'TOTP_DISABLED'
  | 'RECOVERY_CODE_USED'
  | 'PASSKEY_REGISTERED'
  | 'PASSKEY_DELETED';

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
  AccountRevision: Model<AccountRevisionDoc>;
  SessionAuthentication: Model<SessionAuthenticationDoc>;
  AccountToken: Model<AccountTokenDoc>;
  SingleUse: Model<SingleUseDoc>;
  TotpEnrollment: Model<TotpEnrollmentDoc>;
  MfaTicket: Model<MfaTicketDoc>;
  Passkey: Model<PasskeyDoc>;
  PasskeyUse: Model<PasskeyUseDoc>;
  WebAuthnChallenge: Model<WebAuthnChallengeDoc>;
  Session: Model<SessionDoc>;
  SessionRevocation: Model<SessionRevocationDoc>;
  RefreshToken: Model<RefreshTokenDoc>;
  LoginAttempt: Model<LoginAttemptDoc>;
  CountedAttempt: Model<LoginAttemptDoc>;
  AuditEvent: Model<AuditEventDoc>;
}

/** Every schema: no `__v`, no implicit index or collection creation (indexes.ts does it), unknown fields refused. */
export const SCHEMA_OPTIONS = { versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' } as const;
const options = SCHEMA_OPTIONS;

export function defineModels(connection: Connection): Models {
  const user = new Schema<UserDoc>(
    {
      email: { type: String, required: true },
      createdAt: { type: Date, required: true },
    },
    options,
  );
  user.index({ email: 1 }, { unique: true });

  const revision = new Schema<AccountRevisionDoc>(
    {
      _id: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      rev: { type: Number, required: true },
      at: { type: Date, required: true },
      change: { type: String, required: true },
      credentialVersion: { type: Number, required: true },
      passwordHash: { type: String, required: true },
      roles: { type: [String], required: true },
      disabled: { type: Boolean, required: true },
      emailVerified: { type: Boolean, required: true },
      adminGranted: { type: Boolean, required: true },
      totp: { type: new Schema({ secret: String, recoveryCodes: [String], enabledAt: Date }, { _id: false }), default: null },
      passkeys: { type: [String], default: [] },
    },
    options,
  );
  revision.index({ userId: 1, rev: -1 });

  const authentication = new Schema<SessionAuthenticationDoc>(
    {
      _id: { type: String, required: true },
      sessionId: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      credentialVersion: { type: Number, required: true },
      at: { type: Date, required: true },
      amr: { type: [String], required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  authentication.index({ sessionId: 1, credentialVersion: -1, at: -1 });
  authentication.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const accountToken = new Schema<AccountTokenDoc>(
    {
      _id: { type: String, required: true },
      purpose: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      email: { type: String, required: true },
      credentialVersion: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  accountToken.index({ userId: 1, purpose: 1, createdAt: -1 });
  accountToken.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const singleUse = new Schema<SingleUseDoc>(
    {
      _id: { type: String, required: true },
      at: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  singleUse.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const totpEnrollment = new Schema<TotpEnrollmentDoc>(
    {
      userId: { type: Schema.Types.ObjectId, required: true },
      secret: { type: String, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  totpEnrollment.index({ userId: 1, createdAt: -1 });
  totpEnrollment.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const mfaTicket = new Schema<MfaTicketDoc>(
    {
      _id: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      credentialVersion: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  mfaTicket.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const passkey = new Schema<PasskeyDoc>(
    {
      _id: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      publicKey: { type: String, required: true },
      counter: { type: Number, required: true },
      transports: { type: [String], default: [] },
      backedUp: { type: Boolean, required: true },
      name: { type: String, default: null },
      createdAt: { type: Date, required: true },
    },
    options,
  );
  passkey.index({ userId: 1, createdAt: 1 });

  const passkeyUse = new Schema<PasskeyUseDoc>(
    {
      _id: { type: String, required: true },
      credentialId: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, required: true },
      counter: { type: Number, required: true },
      at: { type: Date, required: true },
    },
    options,
  );
  passkeyUse.index({ credentialId: 1, at: -1 });

  const challenge = new Schema<WebAuthnChallengeDoc>(
    {
      _id: { type: String, required: true },
      purpose: { type: String, required: true },
      userId: { type: Schema.Types.ObjectId, default: null },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    options,
  );
  challenge.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

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
    AccountRevision: connection.model<AccountRevisionDoc>('AccountRevision', revision, 'account_revisions'),
    SessionAuthentication: connection.model<SessionAuthenticationDoc>('SessionAuthentication', authentication, 'session_authentications'),
    AccountToken: connection.model<AccountTokenDoc>('AccountToken', accountToken, 'account_tokens'),
    SingleUse: connection.model<SingleUseDoc>('SingleUse', singleUse, 'single_use'),
    TotpEnrollment: connection.model<TotpEnrollmentDoc>('TotpEnrollment', totpEnrollment, 'totp_enrollments'),
    MfaTicket: connection.model<MfaTicketDoc>('MfaTicket', mfaTicket, 'mfa_tickets'),
    Passkey: connection.model<PasskeyDoc>('Passkey', passkey, 'passkeys'),
    PasskeyUse: connection.model<PasskeyUseDoc>('PasskeyUse', passkeyUse, 'passkey_uses'),
    WebAuthnChallenge: connection.model<WebAuthnChallengeDoc>('WebAuthnChallenge', challenge, 'webauthn_challenges'),
    Session: connection.model<SessionDoc>('Session', session, 'sessions'),
    SessionRevocation: connection.model<SessionRevocationDoc>('SessionRevocation', revocation, 'session_revocations'),
    RefreshToken: connection.model<RefreshTokenDoc>('RefreshToken', refreshToken, 'refresh_tokens'),
    LoginAttempt: connection.model<LoginAttemptDoc>('LoginAttempt', loginAttempt, 'login_attempts'),
    CountedAttempt: connection.model<LoginAttemptDoc>('CountedAttempt', loginAttempt.clone(), 'counted_attempts'),
    AuditEvent: connection.model<AuditEventDoc>('AuditEvent', auditEvent, 'audit_events'),
  };
}
