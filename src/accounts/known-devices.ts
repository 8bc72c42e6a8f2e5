import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/** How long a device stays known without signing in again. */
export const KNOWN_DEVICE_TTL_MS = 365 * 86_400_000;
const TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * OWASP's device cookies: a device that signed in to an account successfully gets a token that
 * says so, `<device id>.<HMAC(key, device id | address)>`. It names no account (the address is
 * only inside the MAC), proves nothing on its own, and is worth something only for the account it
 * was issued for: a login from a known device is exempt from the account-wide failure limit (its
 * own failures are counted per device instead), so an attacker guessing from elsewhere cannot lock
 * the owner out. A forged one does not verify; a stolen one buys the thief LOGIN_MAX_FAILURES
 * guesses per window, no more than an unknown device gets per address.
 */
export class KnownDevices {
  constructor(private readonly key: KeyObject) {}

  /** A token for this device and account; keeps the device id of a token it already holds for the account. */
  issue(email: string, presented?: string): string {
    const deviceId = this.recognize(presented, email) ?? randomBytes(16).toString('base64url');
    return `${deviceId}.${this.mac(deviceId, email)}`;
  }

  /** The device id when the token was issued for this account, else undefined. */
  recognize(token: string | undefined, email: string): string | undefined {
    const match = token ? TOKEN.exec(token) : null;
    if (!match) return undefined;
    const expected = Buffer.from(this.mac(match[1]!, email));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given) ? match[1] : undefined;
  }

  private mac(deviceId: string, email: string): string {
    return createHmac('sha256', this.key).update(`${deviceId}|${email}`).digest('base64url');
  }
}
