import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Whether a browser request comes from our own origin or one in CORS_ORIGINS. A request with no
 * Origin header is not from a browser page (browsers send Origin on every POST), so it is not a
 * cross-site forgery and is allowed; `Origin: null` (sandboxed frames, file://) is refused.
 */
export function isTrustedOrigin(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (host !== undefined && url.host === host.toLowerCase()) || allowed.includes(url.origin);
}

const ALLOWED_HEADERS = 'content-type, authorization, apollo-require-preflight, x-apollo-operation-name, x-request-id';

/**
 * CORS for the origins in CORS_ORIGINS (with credentials, so the refresh cookie travels).
 * Returns true when the request was a preflight and has been answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || !allowed.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('vary', 'Origin');
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
  res.setHeader('access-control-max-age', '600');
  res.statusCode = 204;
  res.end();
  return true;
}
