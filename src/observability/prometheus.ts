import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Telemetry } from './telemetry';

export interface PrometheusTelemetry extends Telemetry {
  registry: Registry;
  /** A gauge read at scrape time (e.g. the password-hash queue). */
  gauge(name: string, help: string, read: () => number): void;
}

/** Telemetry as Prometheus metrics (prom-client), one registry per process. */
export function createPrometheusTelemetry(): PrometheusTelemetry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const events = new Counter({ name: 'auth_security_events_total', help: 'Audited security events by type (LOGIN_SUCCEEDED, LOGIN_FAILED, REFRESHED, REFRESH_TOKEN_REUSED, ...).', labelNames: ['type'], registers: [registry] });
  const logins = new Counter({ name: 'auth_logins_total', help: 'Password logins by result.', labelNames: ['result'], registers: [registry] });
  const refreshes = new Counter({ name: 'auth_refreshes_total', help: 'Refresh-token rotations.', registers: [registry] });
  const reuse = new Counter({ name: 'auth_refresh_token_reuse_total', help: 'Rotated refresh tokens presented again (their sessions were revoked).', registers: [registry] });
  const revoked = new Counter({ name: 'auth_sessions_revoked_total', help: 'Sessions ended, by reason.', labelNames: ['reason'], registers: [registry] });
  const limited = new Counter({ name: 'auth_rate_limited_total', help: 'Attempts refused by a rate limit, by limit.', labelNames: ['limit'], registers: [registry] });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const LOGIN_RESULTS: Record<string, string> = { LOGIN_SUCCEEDED: 'success', LOGIN_FAILED: 'failure', LOGIN_RATE_LIMITED: 'rate_limited' };
  return {
    registry,
    securityEvent(type) {
      events.inc({ type });
      if (LOGIN_RESULTS[type]) logins.inc({ result: LOGIN_RESULTS[type] });
      if (type === 'REFRESHED') refreshes.inc();
      if (type === 'REFRESH_TOKEN_REUSED') reuse.inc();
    },
    sessionsRevoked: (reason, count) => revoked.inc({ reason }, count),
    rateLimited: (limit) => limited.inc({ limit }),
    httpRequest: (route, method, status, seconds) => latency.observe({ route, method, status: String(status) }, seconds),
    gauge(name, help, read) {
      new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
    },
  };
}

/** `GET http://127.0.0.1:PORT/metrics`: on loopback only, never on the public port. */
export async function startMetricsServer(registry: Registry, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return { url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
