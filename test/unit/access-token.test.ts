import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { RoleCatalog } from '../../src/accounts/roles';
import { AccessTokens } from '../../src/tokens/access-token';
import { b64url, decodePart, hs256, unsigned } from '../support/jwt-forge';

const secret = Buffer.alloc(32, 1);
const options = {
  signing: { kid: 'k1', alg: 'HS256' as const, key: createSecretKey(secret) },
  verification: [{ kid: 'k1', alg: 'HS256' as const, key: createSecretKey(secret) }],
  issuer: 'https://issuer.test',
  audience: 'api.test',
  ttlMs: 60_000,
  roles: new RoleCatalog(['USER', 'ADMIN']),
};
const now = Date.parse('2026-11-28T12:00:00Z');
const subject = { userId: '0123456789abcdef01234567', sessionId: 's1', roles: ['USER' as const], scope: 'profile notes:read', authTime: new Date(now - 60_000), amr: ['pwd'] };

/** Signing and verification without a server or database: the verifier's rules on their own. */
describe('AccessTokens', () => {
  const tokens = new AccessTokens(options);
  const genuine = tokens.sign(subject, now);
  const claims = decodePart(genuine, 1);
  const header = decodePart(genuine, 0);

  it('signs at+jwt with the pinned key id and every claim, and verifies it, scopes split once', () => {
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' });
    expect(claims).toMatchObject({ sub: subject.userId, sid: 's1', roles: ['USER'], iss: options.issuer, aud: options.audience, exp: now / 1000 + 60, auth_time: now / 1000 - 60, amr: ['pwd'] });
    const result = tokens.verify(genuine, now);
    expect(result.ok && [...result.claims.scopes]).toEqual(['profile', 'notes:read']);
  });

  it('TOKEN_EXPIRED only for a genuine token past exp (beyond 5 s of tolerance)', () => {
    const fresh = new AccessTokens(options);
    expect(fresh.verify(genuine, now + 64_000).ok).toBe(true);
    expect(new AccessTokens(options).verify(genuine, now + 66_000)).toEqual({ ok: false, reason: 'TOKEN_EXPIRED' });
  });

  it.each([
    ['alg none', () => unsigned({ ...header, alg: 'none' }, claims)],
    ['unknown kid', () => hs256({ ...header, kid: 'other' }, claims, secret)],
    ['typ JWT', () => hs256({ ...header, typ: 'JWT' }, claims, secret)],
    ['an unknown role', () => hs256(header, { ...claims, roles: ['ROOT'] }, secret)],
    ['a string exp', () => hs256(header, { ...claims, exp: String(claims.exp) }, secret)],
    ['iat in the future', () => hs256(header, { ...claims, iat: claims.iat + 60 }, secret)],
    ['auth_time after iat', () => hs256(header, { ...claims, auth_time: claims.iat + 60 }, secret)],
    ['no auth_time', () => hs256(header, { ...claims, auth_time: undefined }, secret)],
    ['amr not a list of strings', () => hs256(header, { ...claims, amr: 'pwd' }, secret)],
    ['another audience', () => hs256(header, { ...claims, aud: 'elsewhere' }, secret)],
    ['another key', () => hs256(header, claims, Buffer.alloc(32, 2))],
    ['a tampered payload', () => `${genuine.split('.')[0]}.${b64url({ ...claims, roles: ['USER', 'ADMIN'] })}.${genuine.split('.')[2]}`],
    ['a huge token', () => `${'a'.repeat(5_000)}.b.c`],
  ])('refuses %s as TOKEN_INVALID', (_name, forge) => {
    expect(new AccessTokens(options).verify(forge(), now)).toEqual({ ok: false, reason: 'TOKEN_INVALID' });
  });

  it('an ES256 server never accepts an HS256 token keyed with its public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es = new AccessTokens({ ...options, signing: { kid: 'es', alg: 'ES256', key: privateKey }, verification: [{ kid: 'es', alg: 'ES256', key: publicKey }] });
    const forged = hs256({ alg: 'HS256', typ: 'at+jwt', kid: 'es' }, claims, publicKey.export({ format: 'pem', type: 'spki' }));
    expect(es.verify(forged, now).ok).toBe(false);
    expect(es.verify(es.sign(subject, now), now).ok).toBe(true);
  });
});
