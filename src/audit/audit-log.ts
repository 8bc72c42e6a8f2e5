import { Types } from 'mongoose';
import { BatchedInserts } from '../db/batched-inserts';
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

/**
 * Security events in the `audit_events` collection, kept for `retentionMs`. Never stores secrets.
 * Writes are group-committed (BatchedInserts): record() resolves once its event is written, but
 * the events of concurrent requests share one insertMany.
 */
export class AuditLog {
  private readonly writes: BatchedInserts<Omit<AuditEventDoc, '_id'>>;

  constructor(
    private readonly models: Pick<Models, 'AuditEvent'>,
    private readonly logger: Logger,
    private readonly telemetry: Telemetry = NO_TELEMETRY,
    private readonly retentionMs = 90 * 86_400_000,
  ) {
    this.writes = new BatchedInserts<Omit<AuditEventDoc, '_id'>>(models.AuditEvent);
  }

  /** Writes the event and logs it. A failed write is logged, never thrown: auditing must not break sign-in. */
  async record(entry: AuditEntry, now = new Date()): Promise<void> {
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
    try {
      await this.writes.insert(doc);
    } catch (error) {
      this.logger.error({ event: 'audit.write_failed', type: entry.type, err: error }, 'audit event not written');
    }
  }

  /** Resolves once every event recorded so far is written (before reads, and at shutdown). */
  flush(): Promise<void> {
    return this.writes.flush();
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
