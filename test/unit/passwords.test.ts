import { createHash } from 'node:crypto';
import { hash as argon2 } from '@node-rs/argon2';
import { ARGON2_PARAMS, PasswordHasher } from '../../src/passwords/hasher';
import { checkNewPassword, normalizePassword } from '../../src/passwords/policy';

const check = (password: string, email?: string, minLength = 15) => checkNewPassword(password, { minLength, email });
/** `length` characters without a pattern in them. */
const unpatterned = (length: number) => Array.from({ length: 8 }, (_, i) => createHash('sha256').update(String(i)).digest('base64')).join('').slice(0, length);
const lone = (count: number) => Array.from({ length: count }, (_, i) => String.fromCharCode(0xd800 + i)).join('');

describe('password policy (NIST SP 800-63B-4)', () => {
  it('counts length in code points after NFKC: 15 to 256 by default', () => {
    expect(check('short')).toBe('TOO_SHORT');
    expect(check('🔑🎻🌋🦉🍋🐙🚲🧭🪁🎲🧩🌵🐢🥁🦔')).toBeUndefined(); // 15 emoji: 15 characters
    expect(check(unpatterned(256))).toBeUndefined();
    expect(check(unpatterned(257))).toBe('TOO_LONG');
    // Counted after NFKC: 13 characters as typed, 15 once the ligatures are letters.
    expect(check('ﬁrst ﬂight ﬀ')).not.toBe('TOO_SHORT');
    expect(check('first flight')).toBe('TOO_SHORT');
  });

  it('refuses ill-formed text (lone surrogates) instead of hashing it as U+FFFD', () => {
    expect(check(lone(16))).toBe('ILL_FORMED');
    expect(check(`valid words then ${lone(1)}`)).toBe('ILL_FORMED');
    expect(normalizePassword(lone(12))).toBeUndefined();
  });

  it('one password whatever its Unicode form: NFC, NFD and NFKC (full-width) forms are the same', () => {
    const forms = ['Café au lait, très chaud', 'Cafe\u0301 au lait, tre\u0300s chaud', 'Ｃａｆé au lait, très chaud'];
    expect(new Set(forms.map(normalizePassword)).size).toBe(1);
  });

  it.each([
    ['spaces only', ' '.repeat(16), 'INVISIBLE'],
    ['zero-width spaces only', '\u200b'.repeat(16), 'INVISIBLE'],
    ['one repeated character', 'a'.repeat(16), 'TOO_WEAK'],
    ['an alphabet sequence', 'abcdefghijklmnop', 'TOO_WEAK'],
    ['a keyboard row', 'qwertyuiopasdfgh', 'TOO_WEAK'],
    ['a weak word padded with invisible characters', `password${'\u200b'.repeat(10)}`, 'TOO_WEAK'],
    ['a common password', 'passwordpassword', 'TOO_COMMON'],
    ['a common password in capitals', '1QAZ2WSX3EDC4RFV', 'TOO_COMMON'],
  ])('refuses %s', (_name, password, problem) => {
    expect(check(password)).toBe(problem);
  });

  it('refuses the account\'s own address or its local part (4+ characters), in any case', () => {
    expect(check('ada.lovelace@example.com!', 'ada.lovelace@example.com')).toBe('CONTAINS_EMAIL');
    expect(check('my name is ADA.LOVELACE ok', 'ada.lovelace@example.com')).toBe('CONTAINS_EMAIL');
    expect(check('correct horse battery staple', 'ada.lovelace@example.com')).toBeUndefined();
    expect(check('correct horse bob staple!', 'bob@example.com')).toBeUndefined(); // a 3-letter local part is not forbidden
  });

  it('accepts long passphrases, with no composition rules', () => {
    expect(check('correct horse battery staple')).toBeUndefined();
    expect(check('alllowercaseletterswithnospaces')).toBeUndefined();
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes the NFKC form with argon2id at OWASP parameters and verifies every form of it', async () => {
    const hash = await hasher.hash('Café au lait, très chaud');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, 'Café au lait, très chaud')).toBe('match');
    expect(await hasher.verify(hash, 'Cafe\u0301 au lait, tre\u0300s chaud')).toBe('match');
    expect(await hasher.verify(hash, 'Café au lait, très froid')).toBe('mismatch');
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('hashes made before normalisation (of the input as typed) still match, flagged for re-hashing', async () => {
    const decomposed = 'Cafe\u0301 au lait, tre\u0300s chaud';
    const legacy = await argon2(decomposed, { ...ARGON2_PARAMS, algorithm: 2 });
    expect(await hasher.verify(legacy, decomposed)).toBe('legacy-match');
    expect(await hasher.verify(legacy, 'Café au lait, très chaud')).toBe('mismatch');
  });

  it('ill-formed input never matches, not even a hash of U+FFFD', async () => {
    const replacement = await argon2('\ufffd'.repeat(12), { ...ARGON2_PARAMS, algorithm: 2 });
    expect(await hasher.verify(replacement, lone(12))).toBe('mismatch');
  });

  it('flags hashes with other parameters or algorithms for re-hashing, and never throws on garbage', async () => {
    const weak = await new PasswordHasher({ params: { memoryCost: 4096, timeCost: 1, parallelism: 1 } }).hash('pw');
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
    expect(await hasher.verify('not a hash', 'pw')).toBe('mismatch');
  });
});
