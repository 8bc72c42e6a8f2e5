import { normalizeEmail } from '../../src/accounts/email';

describe('normalizeEmail', () => {
  it.each([
    ['Ada@Example.com', 'ada@example.com'],
    ['  ada@example.com\t', 'ada@example.com'],
    ['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
    ['a@xn--bcher-kva.example', 'a@xn--bcher-kva.example'],
  ])('%j → %j', (input, output) => expect(normalizeEmail(input)).toBe(output));

  it.each([
    ['dotless ı', 'admın@example.com'],
    ['Kelvin sign', '\u212Aelvin@example.com'],
    ['full-width letters', 'ａｄｍｉｎ@example.com'],
    ['dotted İ', 'İnfo@example.com'],
    ['Cyrillic а', 'аdmin@example.com'],
    ['combining mark', 'admi\u0301n@example.com'],
    ['zero-width space', 'ad\u200Bmin@example.com'],
    ['no @', 'example.com'],
    ['two @', 'a@b@example.com'],
    ['no TLD', 'ada@localhost'],
    ['double dot', 'ada..x@example.com'],
    ['space inside', 'ada lovelace@example.com'],
    ['255 characters', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`],
    ['operator text', '{"$ne": null}'],
  ])('refuses %s', (_name, input) => expect(normalizeEmail(input)).toBeUndefined());
});
