import { PasswordHasher } from '../../src/passwords/hasher';
import { checkPassword } from '../../src/passwords/policy';

describe('password policy', () => {
  it('checks length in characters (code points), 12 to 256 by default', () => {
    expect(checkPassword('short', 12)).toBe('TOO_SHORT');
    expect(checkPassword('🔑'.repeat(12), 12)).toBeUndefined();
    expect(checkPassword('x7'.repeat(128), 12)).toBeUndefined();
    expect(checkPassword(`${'x7'.repeat(128)}!`, 12)).toBe('TOO_LONG');
  });

  it('refuses common passwords whatever their case, with no composition rules', () => {
    expect(checkPassword('123qweasdzxc', 12)).toBe('TOO_COMMON');
    expect(checkPassword('QWERTY123456', 12)).toBe('TOO_COMMON');
    expect(checkPassword('correct horse battery staple', 12)).toBeUndefined();
    expect(checkPassword('alllowercaseletters', 12)).toBeUndefined();
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at OWASP parameters and verifies', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(hash, 'correct horse battery stapler')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('flags hashes with other parameters or algorithms for re-hashing, and never throws on garbage', async () => {
    const weak = await new PasswordHasher({ memoryCost: 4096, timeCost: 1, parallelism: 1 }).hash('pw');
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
    expect(await hasher.verify('not a hash', 'pw')).toBe(false);
  });
});
