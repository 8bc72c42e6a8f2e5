import type { ClientInfo } from '../audit/audit-log';
import { badUserInput } from '../errors';
import { checkPassword, PASSWORD_MAX_LENGTH, type PasswordProblem } from '../passwords/policy';
import type { Limit } from './attempt-limiter';
import { EMAIL_MAX_LENGTH, normalizeEmail } from './email';

const PASSWORD_MESSAGES: Record<PasswordProblem, (min: number) => string> = {
  TOO_SHORT: (min) => `The password must be at least ${min} characters long.`,
  TOO_LONG: () => `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`,
  TOO_COMMON: () => 'This password is too common. Choose a less predictable one (a passphrase of several words works well).',
};

/** What sign-up, login and recovery check about their input, in one place. */
export class AccountInputs {
  constructor(private readonly options: { passwordMinLength: number; loginMaxPerIp: number; loginMaxFailures: number; loginMaxFailuresAccount: number }) {}

  /** The normalised address, or BAD_USER_INPUT (before any database work). */
  email(input: string): string {
    if (input.trim().length > EMAIL_MAX_LENGTH) {
      throw badUserInput(`The email address must be at most ${EMAIL_MAX_LENGTH} characters long.`, 'email');
    }
    const email = normalizeEmail(input);
    if (!email) throw badUserInput('Enter a valid email address (ASCII; internationalised domains in punycode).', 'email');
    return email;
  }

  /** A new password that meets the policy, or BAD_USER_INPUT naming `field` (before any hashing). */
  newPassword(password: string, field: string): void {
    const problem = checkPassword(password, this.options.passwordMinLength);
    if (problem) throw badUserInput(PASSWORD_MESSAGES[problem](this.options.passwordMinLength), field);
  }

  /**
   * What a sign-in with an account's credentials counts against: failures per (account, client
   * address), cleared by a success there; failures per account from all addresses (a much higher
   * bound); attempts per address.
   */
  loginLimits(email: string, client: ClientInfo): Limit[] {
    return [
      { key: `pair:${email}|${client.ip ?? 'unknown'}`, max: this.options.loginMaxFailures, counts: 'failures', clearOnSuccess: true },
      { key: `account:${email}`, max: this.options.loginMaxFailuresAccount, counts: 'failures' },
      ...this.ipLimit(client),
    ];
  }

  /** The client's address as a limit (every attempt counts), or none when the address is unknown. */
  ipLimit(client: ClientInfo): Limit[] {
    return client.ip ? [{ key: `ip:${client.ip}`, max: this.options.loginMaxPerIp, counts: 'attempts' }] : [];
  }
}
