/** RFC 5321's limit on a forward path. */
export const EMAIL_MAX_LENGTH = 254;

/** A pragmatic address shape: local@domain.tld, ASCII only, no quoted local parts. */
const EMAIL_SHAPE = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * The one normalisation of an email address: trim, refuse anything outside printable ASCII,
 * then lower-case. The ASCII check comes first on purpose: lower-casing Unicode maps the Kelvin
 * sign to "k" and "İ" to "i̇", and NFKC folds full-width letters to ASCII, so a normalise-then-check
 * order would let a look-alike address land on someone else's account. Internationalised domains
 * must be given in punycode (xn--…). Returns undefined for anything that is not an address.
 */
export function normalizeEmail(input: string): string | undefined {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > EMAIL_MAX_LENGTH || !PRINTABLE_ASCII.test(trimmed)) return undefined;
  const email = trimmed.toLowerCase();
  return EMAIL_SHAPE.test(email) && !email.includes('..') ? email : undefined;
}
