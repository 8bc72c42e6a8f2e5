import type { IncomingMessage } from 'node:http';
import type { ClientInfo } from '../audit/audit-log';
import { readDeviceCookie } from './cookies';

function normalizeAddress(address: string | undefined): string | null {
  if (!address) return null;
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') ? trimmed.slice(7) : trimmed || null;
}

/**
 * The client's address, user agent and known-device token. X-Forwarded-For is only believed for the `trustProxyHops`
 * proxies we run ourselves: the entry they appended, counted from the right; anything further
 * left was written by the client and could be anything.
 */
export function clientInfo(req: IncomingMessage, trustProxyHops: number): ClientInfo {
  let ip = normalizeAddress(req.socket.remoteAddress);
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxyHops > 0 && typeof forwarded === 'string') {
    const hops = forwarded.split(',');
    ip = normalizeAddress(hops[Math.max(0, hops.length - trustProxyHops)]) ?? ip;
  }
  const userAgent = req.headers['user-agent'];
  const device = readDeviceCookie(req.headers.cookie);
  return { ip, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null, ...(device ? { device } : {}) };
}
