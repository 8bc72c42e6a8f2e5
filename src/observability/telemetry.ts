/**
 * What the service reports for monitoring, in its own terms. The domain calls these; whether
 * anything is counted depends on the implementation (Prometheus with METRICS_PORT, else none).
 */
export interface Telemetry {
  /** Every audited security event (logins, refreshes, reuse detections, ...), by type. */
  securityEvent(type: string): void;
  /** Sessions ended, by reason (logout, reuse, password change, ...). */
  sessionsRevoked(reason: string, count: number): void;
  /** An attempt refused by a rate limit, by the limit's name. */
  rateLimited(limit: string): void;
  /** One HTTP request, by route (bounded set of names), method and status. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
}

export const NO_TELEMETRY: Telemetry = {
  securityEvent: () => undefined,
  sessionsRevoked: () => undefined,
  rateLimited: () => undefined,
  httpRequest: () => undefined,
};
