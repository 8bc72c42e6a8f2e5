import { createSecretKey } from 'node:crypto';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from '../../src/factors/recovery-codes';
import { matchingStep, newTotpSecret, otpauthUri, qrSvg, totpCode } from '../../src/factors/totp';
import { SecretBox } from '../../src/lib/encryption';
import { totpAt } from '../support/totp';

/** RFC 6238 Appendix B, SHA-1: the ASCII secret "12345678901234567890" and its 8-digit codes. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_VECTORS)('the tests\' own implementation matches the RFC at T=%d', (seconds, code) => {
    expect(totpAt(RFC_SECRET, seconds, 8)).toBe(code);
  });

  it.each(RFC_VECTORS)('the server\'s helper gives the 6-digit code at T=%d and matches its step', (seconds, code) => {
    expect(totpCode(RFC_SECRET, seconds * 1_000)).toBe(code.slice(2));
    expect(matchingStep(RFC_SECRET, code.slice(2), seconds * 1_000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step either side and nothing further; refuses what is not six digits', () => {
    const now = 1_700_000_000_000;
    const step = Math.floor(now / 30_000);
    for (const delta of [-1, 0, 1]) expect(matchingStep(RFC_SECRET, totpAt(RFC_SECRET, now / 1_000 + delta * 30), now)).toBe(step + delta);
    for (const delta of [-2, 2]) expect(matchingStep(RFC_SECRET, totpAt(RFC_SECRET, now / 1_000 + delta * 30), now)).toBeNull();
    expect(matchingStep(RFC_SECRET, '12345', now)).toBeNull();
    expect(matchingStep(RFC_SECRET, 'abcdef', now)).toBeNull();
    expect(matchingStep(RFC_SECRET, `${totpAt(RFC_SECRET, now / 1_000).slice(0, 3)} ${totpAt(RFC_SECRET, now / 1_000).slice(3)}`, now)).toBe(step);
  });

  it('new secrets: 160 bits in RFC 4648 base32 without padding; an otpauth URI and a QR code as SVG', async () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = otpauthUri(secret, 'ada@example.com', 'GraphQL Auth API');
    expect(uri).toMatch(/^otpauth:\/\/totp\/GraphQL%20Auth%20API:ada%40example\.com\?/);
    expect(new URL(uri).searchParams.get('secret')).toBe(secret);
    expect(new URL(uri).searchParams.get('algorithm')).toBe('SHA1');
    expect(new URL(uri).searchParams.get('digits')).toBe('6');
    expect(new URL(uri).searchParams.get('period')).toBe('30');
    expect(await qrSvg(uri)).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});

describe('recovery codes', () => {
  it('ten codes of 128 bits each, readable in groups; only hashes are kept; case, spaces and dashes do not matter', () => {
    const { codes, hashes } = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(normalizeRecoveryCode(code)).toMatch(/^[a-z2-7]{26}$/); // 26 x 5 bits >= 128
    expect(hashes).toEqual(codes.map(hashRecoveryCode));
    expect(hashes.join()).not.toContain(normalizeRecoveryCode(codes[0]!));
    expect(hashRecoveryCode(` ${codes[0]!.toUpperCase().replace(/-/g, ' ')} `)).toBe(hashes[0]);
  });
});

describe('SecretBox (AES-256-GCM at rest)', () => {
  const box = new SecretBox(createSecretKey(Buffer.alloc(32, 9)));
  it('opens what it sealed, with a fresh nonce each time', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP', 'totp:u1')).not.toBe(sealed);
    expect(box.open(sealed, 'totp:u1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a value moved to another account, tampered with, or sealed with another key', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    expect(() => box.open(sealed, 'totp:u2')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'totp:u1')).toThrow();
    expect(() => new SecretBox(createSecretKey(Buffer.alloc(32, 8))).open(sealed, 'totp:u1')).toThrow();
  });
});
