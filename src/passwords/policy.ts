import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/** The contract's ceiling: long enough for passphrases, short enough that hashing cost is bounded. */
export const PASSWORD_MAX_LENGTH = 256;
/** zxcvbn's scale: 3 is "safely unguessable: moderate protection from offline slow-hash scenario". */
const MIN_SCORE = 3;
/** Local parts this short are too common to forbid inside passwords ("ann", "bob"). */
const MIN_LOCAL_PART = 4;

export type PasswordProblem = 'ILL_FORMED' | 'TOO_SHORT' | 'TOO_LONG' | 'INVISIBLE' | 'TOO_COMMON' | 'CONTAINS_EMAIL' | 'TOO_WEAK';

/** Whitespace, format characters (zero-width spaces and joiners, BOM) and controls: nothing anyone can see. */
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Cc}]/gu;

/**
 * The one form a password is hashed and counted in: NFKC, so "Café" typed precomposed or
 * decomposed, or with full-width letters, is the same password. Undefined for ill-formed text
 * (a lone surrogate), which has no normal form and would otherwise be hashed as U+FFFD.
 */
export function normalizePassword(password: string): string | undefined {
  if (!password.isWellFormed()) return undefined;
  return password.normalize('NFKC');
}

let common: ReadonlySet<string> | undefined;
let estimator: ZxcvbnFactory | undefined;

/** ~49k passwords from leaked lists (zxcvbn-ts' maintained dictionary), compared case-insensitively. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((entry) => entry.toLowerCase()));
  return common;
}

/** zxcvbn-ts with its common dictionary and keyboard graphs: repeats, sequences, keyboard rows, dictionary words. */
function strength(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  return estimator;
}

/**
 * NIST SP 800-63B-4 for a new password: a length range counted in code points after NFKC, a
 * block-list (common passwords, the account's own address), an estimate of how guessable it is
 * (zxcvbn-ts, which catches repeats, sequences and keyboard rows), no composition rules.
 */
export function checkNewPassword(password: string, options: { minLength: number; email?: string }): PasswordProblem | undefined {
  if (!isPasswordLengthAcceptable(password) && password.length > 0) return 'TOO_LONG'; // before normalising a huge string
  const normalized = normalizePassword(password);
  if (normalized === undefined) return 'ILL_FORMED';
  const length = [...normalized].length;
  if (length > PASSWORD_MAX_LENGTH) return 'TOO_LONG';
  if (length < options.minLength) return 'TOO_SHORT';
  const visible = normalized.replace(INVISIBLE, '');
  if (visible.length === 0) return 'INVISIBLE';
  const lower = normalized.toLowerCase();
  if (commonPasswords().has(lower)) return 'TOO_COMMON';
  const userInputs: string[] = [];
  if (options.email) {
    const email = options.email.toLowerCase();
    const local = email.slice(0, email.indexOf('@'));
    if (lower.includes(email) || (local.length >= MIN_LOCAL_PART && lower.includes(local))) return 'CONTAINS_EMAIL';
    userInputs.push(email, local);
  }
  // Judged without the invisible characters, which add length but nothing to guess.
  if (strength().check(visible, userInputs).score < MIN_SCORE) return 'TOO_WEAK';
  return undefined;
}

/** Cheap check for login: refuses what is over 256 characters (or empty) before any hashing. */
export function isPasswordLengthAcceptable(password: string): boolean {
  return password.length > 0 && password.length <= PASSWORD_MAX_LENGTH * 2 && [...password].length <= PASSWORD_MAX_LENGTH;
}
