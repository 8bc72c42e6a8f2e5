import { createSecretKey } from 'node:crypto';
import { decideConflict, type ConflictFacts } from '../../src/sessions/rotation';
import { deriveSuccessor, generateRefreshToken, hashRefreshToken, isRefreshTokenShaped } from '../../src/tokens/refresh-token';

const key = createSecretKey(Buffer.alloc(32, 7));
const token = generateRefreshToken();
const successorHash = hashRefreshToken(deriveSuccessor(token, key));
const now = Date.parse('2026-11-28T12:00:00Z');
const facts = (overrides: Partial<ConflictFacts> = {}): ConflictFacts => ({
  existing: { _id: successorHash, createdAt: new Date(now - 1_000) },
  successorHash,
  successorWasExchanged: false,
  now,
  graceMs: 10_000,
  ...overrides,
});

describe('successors', () => {
  it('are deterministic per key and token, 256-bit and token-shaped, and differ between keys', () => {
    expect(deriveSuccessor(token, key)).toBe(deriveSuccessor(token, key));
    expect(isRefreshTokenShaped(deriveSuccessor(token, key))).toBe(true);
    expect(deriveSuccessor(token, createSecretKey(Buffer.alloc(32, 8)))).not.toBe(deriveSuccessor(token, key));
    expect(deriveSuccessor(generateRefreshToken(), key)).not.toBe(deriveSuccessor(token, key));
  });
});

describe('decideConflict (a lost race for the next generation)', () => {
  it('a retry within the grace window gets the same successor', () => {
    expect(decideConflict(facts())).toBe('RETRIED');
    expect(decideConflict(facts({ existing: { _id: successorHash, createdAt: new Date(now - 10_000) } }))).toBe('RETRIED');
  });

  it('after the grace window it is a replay', () => {
    expect(decideConflict(facts({ existing: { _id: successorHash, createdAt: new Date(now - 10_001) } }))).toBe('REUSED');
  });

  it('once the successor itself was exchanged, presenting its predecessor is a replay, even within the window', () => {
    expect(decideConflict(facts({ successorWasExchanged: true }))).toBe('REUSED');
  });

  it('a successor derived with another key (the secret changed) is refused within the window, not treated as reuse', () => {
    expect(decideConflict(facts({ existing: { _id: 'another-hash', createdAt: new Date(now - 1_000) } }))).toBe('REFUSED');
    expect(decideConflict(facts({ existing: { _id: 'another-hash', createdAt: new Date(now - 20_000) } }))).toBe('REUSED');
  });

  it('a generation taken by nothing that can be found is a replay', () => {
    expect(decideConflict(facts({ existing: null }))).toBe('REUSED');
  });

  it('a zero grace window makes every second presentation a replay', () => {
    expect(decideConflict(facts({ graceMs: 0, existing: { _id: successorHash, createdAt: new Date(now - 1) } }))).toBe('REUSED');
  });
});
