import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { ClientInfo } from '../audit/audit-log';
import { isDuplicateKey } from '../db/errors';
import { KeptDocuments } from '../db/kept-documents';
import { SequenceHead, sequenceId } from '../db/sequence-head';
import type { AccountStore } from '../accounts/account-store';
import type { Models, SessionAuthenticationDoc, SessionDoc } from '../db/models';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry';
import { generateRefreshToken, hashRefreshToken } from '../tokens/refresh-token';
import { liveness, type SessionLiveness } from './liveness';

export type RevokeReason =
  | 'LOGOUT'
  | 'LOGOUT_ALL'
  | 'REVOKED'
  | 'PASSWORD_CHANGED'
  | 'PASSWORD_RESET'
  | 'REFRESH_TOKEN_REUSED'
  | 'ACCOUNT_DISABLED'
  | 'ACCOUNT_DELETED'
  | 'FACTORS_CHANGED';

/** What a sign-in proved: the account's credential version it checked, and how (RFC 8176 `amr`). */
export interface Authentication {
  credentialVersion: number;
  amr: readonly string[];
}

export interface StartedSession {
  session: SessionDoc;
  refreshToken: string;
}

/** A session as each of its refresh tokens records it: enough to revoke it. */
export interface SessionRef {
  sessionId: string;
  userId: Types.ObjectId;
  /** The session's absolute end (copied to every token of the session). */
  expiresAt: Date;
}

export function refOf(session: SessionDoc): SessionRef {
  return { sessionId: session._id, userId: session.userId, expiresAt: session.expiresAt };
}

/**
 * Session storage: creation, state, listing and revocation (the use cases are in sessions.ts). A revocation is
 * an insert keyed by the session id (see SessionRevocationDoc): atomic, idempotent, and never
 * undone, whatever else writes to the session concurrently.
 */
/** A session's n-th authentication (0: its sign-in). Documents of an older format have no position. */
function positionOf(authentication: SessionAuthenticationDoc): number {
  const position = Number(String(authentication._id).slice(String(authentication._id).lastIndexOf(':') + 1));
  return Number.isSafeInteger(position) ? position : -1;
}

const MAX_AUTHENTICATE_ATTEMPTS = 8;
/**
 * Session documents never change once inserted (revocation, authentications and the account's
 * state live in documents of their own), so a known one is reused this long: the session check's
 * reads are the three that can change.
 */
const SESSION_DOCUMENT_CACHE_MS = 60_000;

export class SessionStore {
  /** Each session's newest authentication, read by `_id` (SequenceHead). */
  private readonly authentications: SequenceHead<SessionAuthenticationDoc>;
  private readonly documents: KeptDocuments<SessionDoc>;

  constructor(
    private readonly models: Pick<Models, 'Session' | 'SessionRevocation' | 'SessionAuthentication' | 'RefreshToken'>,
    private readonly accounts: AccountStore,
    private readonly options: { refreshTokenTtlMs: number },
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {
    this.documents = new KeptDocuments(models.Session, { keepMs: SESSION_DOCUMENT_CACHE_MS, maxEntries: 50_000 });
    this.authentications = new SequenceHead<SessionAuthenticationDoc>(models.SessionAuthentication, {
      positionOf,
      newestByQuery: (sessionId) => models.SessionAuthentication.findOne({ sessionId }).sort({ at: -1 }).lean<SessionAuthenticationDoc>().exec(),
      // Authentications live as long as their session: nothing is pruned under a known one.
      knownForMs: 30 * 60_000,
      recheckExistenceMs: 300,
    });
  }

  async start(userId: Types.ObjectId, client: ClientInfo, authentication: Authentication, now = new Date()): Promise<StartedSession> {
    const session: SessionDoc = {
      _id: randomBytes(16).toString('base64url'),
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.refreshTokenTtlMs),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip,
    };
    // In this order, not in parallel: rotation trusts the session a token names, so a token must
    // never exist without its session (nor a session without its authentication).
    await this.models.Session.create(session);
    this.documents.remember(session);
    // A new session's first authentication: position 0 of a session id nobody else has.
    if (!(await this.insertAuthentication(refOf(session), authentication, now, 0))) throw new Error(`session ${session._id} already has an authentication`);
    const refreshToken = generateRefreshToken();
    await this.models.RefreshToken.create({
      _id: hashRefreshToken(refreshToken),
      sessionId: session._id,
      userId,
      generation: 0,
      createdAt: now,
      expiresAt: session.expiresAt,
    });
    return { session, refreshToken };
  }

  /**
   * Records that a session (re)proved its account's credentials: a new binding, never an update,
   * inserted as the session's next authentication (a unique `_id`: of concurrent ones, each gets
   * its own position). One that proved an older credential version than the session already
   * holds is not recorded: the session keeps the newer one (and the caller's check refuses).
   */
  async authenticate(session: SessionRef, authentication: Authentication, now = new Date()): Promise<SessionAuthenticationDoc> {
    for (let attempt = 0; attempt < MAX_AUTHENTICATE_ATTEMPTS; attempt += 1) {
      const head = await this.authentications.newest(session.sessionId);
      if (head && head.credentialVersion > authentication.credentialVersion) return head;
      const inserted = await this.insertAuthentication(session, authentication, now, head ? positionOf(head) + 1 : 0);
      if (inserted) return inserted;
      // Another authentication took this position: read the newest again.
    }
    throw new Error(`session ${session.sessionId}: authentications inserted concurrently ${MAX_AUTHENTICATE_ATTEMPTS} times`);
  }

  /** Inserts the session's authentication at `position`; null when that position is taken. */
  private async insertAuthentication(session: SessionRef, authentication: Authentication, now: Date, position: number): Promise<SessionAuthenticationDoc | null> {
    const doc: SessionAuthenticationDoc = {
      _id: sequenceId(session.sessionId, position),
      sessionId: session.sessionId,
      userId: session.userId,
      credentialVersion: authentication.credentialVersion,
      amr: [...authentication.amr],
      at: now,
      expiresAt: session.expiresAt,
    };
    try {
      await this.models.SessionAuthentication.create(doc);
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    this.authentications.remember(session.sessionId, doc);
    return doc;
  }

  /** The session's newest authentication, read now. */
  latestAuthentication(sessionId: string): Promise<SessionAuthenticationDoc | null> {
    return this.authentications.newest(sessionId);
  }

  /**
   * Whether a session may still be used (liveness.ts), read from the database now. With the
   * session's user id (an access token's `sub`) the account is read alongside, in one round trip.
   */
  async state(sessionId: string, userId?: string, now = Date.now()): Promise<SessionLiveness> {
    const [session, revoked, authentication, account] = await Promise.all([
      this.documents.get(sessionId),
      this.isRevoked(sessionId),
      this.latestAuthentication(sessionId),
      userId ? this.accounts.current(userId) : undefined,
    ]);
    if (session && userId !== undefined && session.userId.toHexString() !== userId) return { state: 'unknown' };
    return liveness(session, revoked, authentication, account === undefined && session ? await this.accounts.current(session.userId) : account ?? null, now);
  }

  /** Active sessions of a user, newest first. */
  async listActive(userId: Types.ObjectId | string, now = new Date()): Promise<SessionDoc[]> {
    const sessions = await this.models.Session.find({ userId, expiresAt: { $gt: now } })
      .sort({ createdAt: -1 })
      .limit(500)
      .lean<SessionDoc[]>()
      .exec();
    if (sessions.length === 0) return sessions;
    const revoked = await this.models.SessionRevocation.find({ _id: { $in: sessions.map((session) => session._id) } }, { _id: 1 }).lean().exec();
    const revokedIds = new Set(revoked.map((doc) => doc._id));
    return sessions.filter((session) => !revokedIds.has(session._id));
  }

  /**
   * The sessions that can still refresh, with `lastUsedAt`: not revoked or expired, bound to the
   * account's current credential version, and used (refreshed or re-authenticated) within the idle
   * lifetime. Two indexed look-ups per session, in parallel (FerretDB v1 has no `$group` `$max`).
   */
  async listUsable(userId: Types.ObjectId | string, credentialVersion: number, idleTtlMs: number, now = new Date()): Promise<(SessionDoc & { lastUsedAt: Date })[]> {
    const sessions = await this.listActive(userId, now);
    const facts = await Promise.all(
      sessions.map((session) =>
        Promise.all([
          this.models.RefreshToken.findOne({ sessionId: session._id }, { createdAt: 1 }).sort({ generation: -1 }).lean().exec(),
          this.latestAuthentication(session._id),
        ]),
      ),
    );
    return sessions.flatMap((session, index) => {
      const [newestToken, authentication] = facts[index]!;
      if (!newestToken || !authentication || authentication.credentialVersion !== credentialVersion) return [];
      if (newestToken.createdAt.getTime() + idleTtlMs <= now.getTime()) return [];
      const lastUsedAt = new Date(Math.max(newestToken.createdAt.getTime(), authentication.at.getTime()));
      return [{ ...session, lastUsedAt }];
    });
  }

  isRevoked(sessionId: string): Promise<boolean> {
    return this.models.SessionRevocation.exists({ _id: sessionId })
      .exec()
      .then((found) => found !== null);
  }

  /** Ends a session; true when this call ended it (false: already ended). */
  async revoke(session: SessionRef, reason: RevokeReason, now = new Date()): Promise<boolean> {
    try {
      await this.models.SessionRevocation.create({ _id: session.sessionId, userId: session.userId, at: now, reason, expiresAt: session.expiresAt });
      this.telemetry.sessionsRevoked(reason, 1);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** One of `userId`'s sessions by id; null when it is not theirs or unknown. */
  findOwn(userId: Types.ObjectId | string, sessionId: string): Promise<SessionDoc | null> {
    return this.models.Session.findOne({ _id: sessionId, userId }).lean<SessionDoc>().exec();
  }
}
