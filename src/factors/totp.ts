import { Secret, TOTP } from 'otpauth';
import { toString as qrToString } from 'qrcode';

/** RFC 6238 as every authenticator app does it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
/** One step either side: a phone clock a little off, a code typed as it changed. */
const WINDOW = 1;
const CODE = /^\d{6}$/;

function totp(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_S });
}

/** A new secret: 160 bits (RFC 4226's recommendation), RFC 4648 base32 without padding. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32.replace(/=+$/, '');
}

export function otpauthUri(secret: string, accountName: string, issuer: string): string {
  return new TOTP({ issuer, label: accountName, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_S }).toString();
}

export function qrSvg(uri: string): Promise<string> {
  return qrToString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** Whether `code` looks like a TOTP code at all (six digits; spaces ignored). */
export function isTotpCode(code: string): boolean {
  return CODE.test(code.replace(/\s/g, ''));
}

/**
 * The time step a code belongs to, within one step of `now`, or null. The step is what makes a
 * code single-use: the caller records it (a unique insert), and a replay finds it taken.
 */
export function matchingStep(secret: string, code: string, now = Date.now()): number | null {
  const token = code.replace(/\s/g, '');
  if (!CODE.test(token)) return null;
  const delta = totp(secret).validate({ token, timestamp: now, window: WINDOW });
  return delta === null ? null : Math.floor(now / 1_000 / TOTP_PERIOD_S) + delta;
}

/** The code for a moment (tests, and nothing else: the server never needs to produce one). */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return totp(secret).generate({ timestamp });
}
