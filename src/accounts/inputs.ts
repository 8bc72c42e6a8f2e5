import type { ClientInfo } from '../audit/audit-log';
import { badUserInput } from '../errors';
import { checkNewPassword, PASSWORD_MAX_LENGTH, type PasswordProblem } from '../passwords/policy';
import type { Limit } from './attempt-limiter';
import type { KnownDevices } from './known-devices';
import { EMAIL_MAX_LENGTH, normalizeEmail } from './email';

const PASSWORD_MESSAGES: Record<PasswordProblem, (min: number) => string> = {
  ILL_FORMED: () => 'The password contains characters that are not valid text (an unpaired surrogate). Type it again.',
  TOO_SHORT: (min) => `The password must be at least ${min} characters long.`,
  TOO_LONG: () => `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`,
  INVISIBLE: () => 'The password cannot be only spaces or invisible characters.',
  TOO_COMMON: () => 'This password is too common. Choose a less predictable one (a passphrase of several words works well).',
  CONTAINS_EMAIL: () => 'The password must not contain your email address or its name part.',
  TOO_WEAK: () => 'This password is too easy to guess (repeats, sequences, keyboard rows or common words). A passphrase of several unrelated words works well.',
};

/** What sign-up, login and recovery check about their input, in one place. */
export class AccountInputs {
  constructor(
    private readonly options: { passwordMinLength: number; loginMaxPerIp: number; loginMaxFailures: number; loginMaxFailuresAccount: number },
    private readonly devices: KnownDevices,
  ) {}

  /** The normalised address, or BAD_USER_INPUT (before any database work). */
  email(input: string): string {
    if (input.trim().length > EMAIL_MAX_LENGTH) {
      throw badUserInput(`The email address must be at most ${EMAIL_MAX_LENGTH} characters long.`, 'email');
    }
    const email = normalizeEmail(input);
    if (!email) throw badUserInput('Enter a valid email address (ASCII; internationalised domains in punycode).', 'email');
    return email;
  }

  /** A new password that meets the policy (for the account with this address), or BAD_USER_INPUT naming `field`, before any hashing. */
  newPassword(password: string, field: string, email?: string): void {
    const problem = checkNewPassword(password, { minLength: this.options.passwordMinLength, email });
    if (problem) throw badUserInput(PASSWORD_MESSAGES[problem](this.options.passwordMinLength), field, problem);
  }

  /**
   * What a sign-in with an account's credentials counts against. From a known device of the
   * account (known-devices.ts): that device's failures. From anywhere else: failures per
   * (account, client address), cleared by a success there, and failures per account from all
   * such clients (a much higher bound). Always: attempts per address.
   */
  loginLimits(email: string, client: ClientInfo): Limit[] {
    const { loginMaxFailures, loginMaxFailuresAccount } = this.options;
    const device = this.devices.recognize(client.device, email);
    const own: Limit[] = device
      ? [{ key: `device:${device}`, max: loginMaxFailures, counts: 'failures', clearOnSuccess: true }]
      : [
          { key: `pair:${email}|${client.ip ?? 'unknown'}`, max: loginMaxFailures, counts: 'failures', clearOnSuccess: true },
          { key: `account:${email}`, max: loginMaxFailuresAccount, counts: 'failures' },
        ];
    return [...own, ...this.ipLimit(client)];
  }

  /** The client's address as a limit (every attempt counts), or none when the address is unknown. */
  ipLimit(client: ClientInfo): Limit[] {
    return client.ip ? [{ key: `ip:${client.ip}`, max: this.options.loginMaxPerIp, counts: 'attempts' }] : [];
  }
}
