import { parse, serialize } from 'cookie';
import type { PresentedRefreshToken, RefreshCookiePort } from '../graphql/context';

/**
 * The refresh cookie. `__Host-` makes browsers insist on Secure, Path=/ and no Domain, so no
 * sibling sub-domain can plant or overwrite it; HttpOnly keeps it from scripts; SameSite=Strict
 * keeps it off cross-site requests.
 */
export const REFRESH_COOKIE = '__Host-rt';

/** Reads the refresh cookie. Two cookies of that name (a planted one beside ours) count as none. */
export function readRefreshCookie(header: string | undefined): PresentedRefreshToken {
  if (!header || !header.includes(REFRESH_COOKIE)) return { state: 'missing' };
  let count = 0;
  for (const part of header.split(';')) {
    if (part.slice(0, part.indexOf('=')).trim() === REFRESH_COOKIE) count += 1;
  }
  if (count > 1) return { state: 'ambiguous' };
  let token: string | undefined;
  try {
    token = parse(header)[REFRESH_COOKIE];
  } catch {
    return { state: 'missing' };
  }
  return token ? { state: 'present', token } : { state: 'missing' };
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
}
