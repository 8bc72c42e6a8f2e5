import { Types } from 'mongoose';
import type { Logger } from '../logging/logger';
import type { AuditEventDoc, AuditEventType, Models } from '../db/models';

/** Where a request came from: recorded with sessions and audit events. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
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

/** Security events in the `audit_events` collection, kept for `retentionMs`. Never stores secrets. */
export class AuditLog {
  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
    private readonly retentionMs = 90 * 86_400_000,
  ) {}

  /** Writes the event and logs it. A failed write is logged, never thrown: auditing must not break sign-in. */
  async record(entry: AuditEntry, now = new Date()): Promise<void> {
    const userId = entry.userId ? new Types.ObjectId(String(entry.userId)) : null;
    this.logger.info(
      { event: `audit.${entry.type.toLowerCase()}`, userId: userId?.toHexString(), sessionId: entry.sessionId, ip: entry.client.ip },
      entry.type,
    );
    try {
      await this.models.AuditEvent.create({
        type: entry.type,
        at: now,
        userId,
        sessionId: entry.sessionId ?? null,
        ip: entry.client.ip,
        userAgent: entry.client.userAgent?.slice(0, 512) ?? null,
        detail: entry.detail ?? null,
        expiresAt: new Date(now.getTime() + this.retentionMs),
      });
    } catch (error) {
      this.logger.error({ event: 'audit.write_failed', type: entry.type, err: error }, 'audit event not written');
    }
  }

  async find(query: AuditQuery): Promise<AuditEventDoc[]> {
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
