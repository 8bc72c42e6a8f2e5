import { dictionary } from '@zxcvbn-ts/language-common';

/** The contract's ceiling: long enough for passphrases, short enough that hashing cost is bounded. */
export const PASSWORD_MAX_LENGTH = 256;

let common: ReadonlySet<string> | undefined;

/** ~49k passwords from leaked lists (zxcvbn-ts' maintained dictionary), compared case-insensitively. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((entry) => entry.toLowerCase()));
  return common;
}

export type PasswordProblem = 'TOO_SHORT' | 'TOO_LONG' | 'TOO_COMMON';

/**
 * NIST 800-63B style: a length range and a block-list, no composition rules.
 * Length is counted in code points, so emoji and accents count as one character each.
 */
export function checkPassword(password: string, minLength: number): PasswordProblem | undefined {
  if (password.length > PASSWORD_MAX_LENGTH * 2) return 'TOO_LONG'; // before iterating a huge string
  const length = [...password].length;
  if (length > PASSWORD_MAX_LENGTH) return 'TOO_LONG';
  if (length < minLength) return 'TOO_SHORT';
  if (commonPasswords().has(password.toLowerCase())) return 'TOO_COMMON';
  return undefined;
}

/** Cheap check for login: refuses lengths no account can have, before any hashing. */
export function isPasswordLengthAcceptable(password: string): boolean {
  return password.length > 0 && password.length <= PASSWORD_MAX_LENGTH * 2 && [...password].length <= PASSWORD_MAX_LENGTH;
}
