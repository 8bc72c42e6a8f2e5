import { Types } from 'mongoose';
import type { Logger } from '../logging/logger';
import type { AuditEventDoc, AuditEventType, Models } from '../db/models';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry';

/** Where a request came from: recorded with sessions and audit events. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  /** The known-device token the client presented, if any (never recorded). */
  device?: string;
}

export interface AuditEntry {
  type: AuditEventType;
  userId?: Types.ObjectId | string | null;
  sessionId?: string | null;
  client: ClientInfo;
  detail?: string;
}

export interface AuditQuery {
  userId?: string;
  sessionId?: string;
  type?: AuditEventType;
  before?: Date;
  first: number;
}

/** How long a write waits for others to share its batch (group commit). */
const BATCH_WINDOW_MS = 2;
const MAX_BATCH = 500;

type Pending = { doc: Omit<AuditEventDoc, '_id'>; done: () => void };

/**
 * Security events in the `audit_events` collection, kept for `retentionMs`. Never stores secrets.
 * Writes are group-committed: record() resolves once its event is written, but the events of
 * concurrent requests share one insertMany (on FerretDB every write is a SQLite transaction,
 * so one per event would cap refresh throughput).
 */
export class AuditLog {
  private pending: Pending[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly models: Pick<Models, 'AuditEvent'>,
    private readonly logger: Logger,
    private readonly telemetry: Telemetry = NO_TELEMETRY,
    private readonly retentionMs = 90 * 86_400_000,
  ) {}

  /** Writes the event and logs it. A failed write is logged, never thrown: auditing must not break sign-in. */
  record(entry: AuditEntry, now = new Date()): Promise<void> {
    const userId = entry.userId ? new Types.ObjectId(String(entry.userId)) : null;
    this.telemetry.securityEvent(entry.type);
    this.logger.info(
      { event: `audit.${entry.type.toLowerCase()}`, userId: userId?.toHexString(), sessionId: entry.sessionId, ip: entry.client.ip },
      entry.type,
    );
    const doc = {
      type: entry.type,
      at: now,
      userId,
      sessionId: entry.sessionId ?? null,
      ip: entry.client.ip,
      userAgent: entry.client.userAgent?.slice(0, 512) ?? null,
      detail: entry.detail ?? null,
      expiresAt: new Date(now.getTime() + this.retentionMs),
    };
    return new Promise<void>((done) => {
      this.pending.push({ doc, done });
      if (this.pending.length >= MAX_BATCH) void this.flush();
      else this.flushTimer ??= setTimeout(() => void this.flush(), BATCH_WINDOW_MS);
    });
  }

  /** Writes everything recorded so far (also called before reads and at shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.models.AuditEvent.insertMany(batch.map((item) => item.doc), { ordered: false });
    } catch (error) {
      this.logger.error({ event: 'audit.write_failed', count: batch.length, types: [...new Set(batch.map((item) => item.doc.type))], err: error }, 'audit events not written');
    } finally {
      for (const item of batch) item.done();
    }
  }

  async find(query: AuditQuery): Promise<AuditEventDoc[]> {
    await this.flush();
    const filter: Record<string, unknown> = {};
    if (query.userId) filter.userId = Types.ObjectId.isValid(query.userId) ? new Types.ObjectId(query.userId) : null;
    if (query.sessionId) filter.sessionId = query.sessionId;
    if (query.type) filter.type = query.type;
    if (query.before) filter.at = { $lt: query.before };
    return this.models.AuditEvent.find(filter)
      .sort({ at: -1 })
      .limit(Math.min(Math.max(query.first, 1), 500))
      .lean<AuditEventDoc[]>().exec();
  }
}
