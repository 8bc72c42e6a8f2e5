import { parse, serialize } from 'cookie';
import { KNOWN_DEVICE_TTL_MS } from '../accounts/known-devices';
import type { PresentedRefreshToken, RefreshCookiePort } from '../graphql/context';

/**
 * The refresh cookie. `__Host-` makes browsers insist on Secure, Path=/ and no Domain, so no
 * sibling sub-domain can plant or overwrite it; HttpOnly keeps it from scripts; SameSite=Strict
 * keeps it off cross-site requests.
 */
export const REFRESH_COOKIE = '__Host-rt';
/** The known-device cookie (src/accounts/known-devices.ts): same attributes, a year long. */
export const DEVICE_COOKIE = '__Host-did';
const DEVICE_COOKIE_MAX_AGE_S = KNOWN_DEVICE_TTL_MS / 1_000;

/** One cookie of a Cookie header. Two of that name (a planted one beside ours) count as none: `ambiguous`. */
function readCookie(header: string | undefined, name: string): PresentedRefreshToken {
  if (!header || !header.includes(name)) return { state: 'missing' };
  let count = 0;
  for (const part of header.split(';')) {
    if (part.slice(0, part.indexOf('=')).trim() === name) count += 1;
  }
  if (count > 1) return { state: 'ambiguous' };
  let token: string | undefined;
  try {
    token = parse(header)[name];
  } catch {
    return { state: 'missing' };
  }
  return token ? { state: 'present', token } : { state: 'missing' };
}

/** Reads the refresh cookie. */
export function readRefreshCookie(header: string | undefined): PresentedRefreshToken {
  return readCookie(header, REFRESH_COOKIE);
}

/** The known-device token, if the request carries exactly one. */
export function readDeviceCookie(header: string | undefined): string | undefined {
  const device = readCookie(header, DEVICE_COOKIE);
  return device.state === 'present' ? device.token : undefined;
}

const ATTRIBUTES = { path: '/', httpOnly: true, secure: true, sameSite: 'strict' } as const;

export function refreshCookie(token: string, maxAgeSeconds: number): string {
  // Rounded up: in a session's last second, Max-Age=0 would tell the browser to delete it.
  return serialize(REFRESH_COOKIE, token, { ...ATTRIBUTES, maxAge: Math.max(1, Math.ceil(maxAgeSeconds)) });
}

export function clearedRefreshCookie(): string {
  return serialize(REFRESH_COOKIE, '', { ...ATTRIBUTES, maxAge: 0 });
}

/** The cookie port of one request: collects the Set-Cookie lines its response will carry. */
export class ResponseCookies implements RefreshCookiePort {
  readonly setCookies: string[] = [];
  readonly presented: PresentedRefreshToken;

  constructor(cookieHeader: string | undefined) {
    this.presented = readRefreshCookie(cookieHeader);
  }

  setRefresh(token: string, expiresAt: Date): void {
    this.setCookies.push(refreshCookie(token, (expiresAt.getTime() - Date.now()) / 1_000));
  }

  clearRefresh(): void {
    this.setCookies.push(clearedRefreshCookie());
  }

  setDevice(token: string): void {
    this.setCookies.push(serialize(DEVICE_COOKIE, token, { ...ATTRIBUTES, maxAge: DEVICE_COOKIE_MAX_AGE_S }));
  }
}
