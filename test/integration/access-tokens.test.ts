import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { secretKeyId } from '../../src/config/keys';
import { errorOf, TestClient } from '../support/client';
import { decodePart, es256, hs256, unsigned } from '../support/jwt-forge';
import { startTestServer, TEST_JWT_SECRET, uniqueEmail, type TestServer } from '../support/server';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ecPublicPem = createPublicKey(ec.privateKey).export({ type: 'spki', format: 'pem' }).toString();

let hsServer: TestServer;
let esServer: TestServer;
let hsClient: TestClient;
let esClient: TestClient;
/** A genuine token from each server, and its decoded parts, to derive forgeries from. */
let genuine: string;
let header: Record<string, any>;
let claims: Record<string, any>;
let esGenuine: string;

beforeAll(async () => {
  [hsServer, esServer] = await Promise.all([startTestServer(), startTestServer({ JWT_SECRET: '', JWT_PRIVATE_KEY: ecPem, JWT_KEY_ID: 'es-1', REFRESH_TOKEN_SECRET: 'r'.repeat(32) })]);
  hsClient = hsServer.client();
  await hsClient.signUp(uniqueEmail());
  genuine = hsClient.accessToken!;
  header = decodePart(genuine, 0);
  claims = decodePart(genuine, 1);
  esClient = esServer.client();
  await esClient.signUp(uniqueEmail());
  esGenuine = esClient.accessToken!;
});
afterAll(async () => {
  await Promise.all([hsServer?.stop(), esServer?.stop()]);
});

async function meWith(server: TestServer, token: string) {
  return server.client().request('{ __typename me { id } }', undefined, { headers: { authorization: `Bearer ${token}` } });
}

const now = () => Math.floor(Date.now() / 1000);

describe('a genuine token', () => {
  it('authenticates (the control every forgery below is compared with)', async () => {
    const response = await meWith(hsServer, genuine);
    expect(response.body).toEqual({ data: { __typename: 'Query', me: { id: claims.sub } } });
  });

  it('carries the contract header and claims', () => {
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: secretKeyId(TEST_JWT_SECRET) });
    expect(Object.keys(claims).sort()).toEqual(['amr', 'aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'roles', 'scope', 'sid', 'sub']);
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);
  });

  it('ES256 tokens verify, and the public key is published as a JWKS', async () => {
    expect(decodePart(esGenuine, 0)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'es-1' });
    expect((await meWith(esServer, esGenuine)).body.data).toMatchObject({ me: { id: expect.any(String) } });
    const jwks = await (await fetch(esServer.url.replace('/graphql', '/.well-known/jwks.json'))).json();
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: 'es-1', alg: 'ES256', use: 'sig' })]);
    expect(jwks.keys[0].d).toBeUndefined();
    // HS256 secrets are never published.
    expect((await fetch(hsServer.url.replace('/graphql', '/.well-known/jwks.json'))).status).toBe(404);
  });
});

describe('forged and broken tokens: the request runs anonymously, protected fields answer UNAUTHENTICATED', () => {
  const forgeries: [string, () => string, string?][] = [
    ...['none', 'None', 'NONE', 'nOnE'].map((alg): [string, () => string] => [`alg: ${alg}`, () => unsigned({ ...header, alg }, { ...claims, roles: ['ADMIN'] })]),
    ['kid path traversal', () => hs256({ ...header, kid: '../../../../../../dev/null' }, claims, '')],
    ['kid naming a file with the secret empty', () => hs256({ ...header, kid: '/dev/null' }, claims, Buffer.alloc(0))],
    ['embedded jwk with the attacker\'s key', () => {
      const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return es256({ alg: 'ES256', typ: 'at+jwt', kid: header.kid, jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims, attacker.privateKey);
    }],
    ['jku pointing elsewhere', () => hs256({ ...header, jku: 'https://attacker.example/jwks.json', kid: 'attacker' }, claims, 'attacker-secret')],
    ['expired', () => hs256(header, { ...claims, iat: now() - 3600, exp: now() - 60 }, TEST_JWT_SECRET), 'TOKEN_EXPIRED'],
    ['no exp', () => { const { exp: _exp, ...rest } = claims; return hs256(header, rest, TEST_JWT_SECRET); }],
    ['nbf in the future', () => hs256(header, { ...claims, nbf: now() + 600 }, TEST_JWT_SECRET)],
    ['iat in the future', () => hs256(header, { ...claims, iat: now() + 600, exp: now() + 1200 }, TEST_JWT_SECRET)],
    ['wrong iss', () => hs256(header, { ...claims, iss: 'https://evil.example' }, TEST_JWT_SECRET)],
    ['wrong aud', () => hs256(header, { ...claims, aud: 'another-api' }, TEST_JWT_SECRET)],
    ['aud as an array containing ours among others is still checked', () => hs256(header, { ...claims, aud: ['other'] }, TEST_JWT_SECRET)],
    ['typ: JWT', () => hs256({ ...header, typ: 'JWT' }, claims, TEST_JWT_SECRET)],
    ['no typ', () => { const { typ: _typ, ...rest } = header; return hs256(rest, claims, TEST_JWT_SECRET); }],
    ['stripped signature', () => genuine.slice(0, genuine.lastIndexOf('.') + 1)],
    ['truncated signature', () => genuine.slice(0, -4)],
    ['another key\'s signature under our kid', () => hs256(header, claims, 'another-secret-that-is-32-bytes-long!!')],
    ['base64 padding added', () => genuine.split('.').map((part) => `${part}==`).join('.')],
    ['standard base64 instead of base64url', () => genuine.replace(/-/g, '+').replace(/_/g, '/') + (genuine.includes('-') || genuine.includes('_') ? '' : '+')],
    ['string exp', () => hs256(header, { ...claims, exp: String(now() + 600) }, TEST_JWT_SECRET)],
    ['15 KB junk', () => 'x'.repeat(15_000)],
    ['15 KB JWT-shaped junk', () => `${'a'.repeat(5_000)}.${'b'.repeat(5_000)}.${'c'.repeat(5_000)}`],
    ['tampered roles (signature kept)', () => {
      const [h, , s] = genuine.split('.');
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['USER', 'ADMIN'] })).toString('base64url')}.${s}`;
    }],
    ['unknown role in a validly signed token', () => hs256(header, { ...claims, roles: ['ROOT'] }, TEST_JWT_SECRET)],
    ['not a JWT at all', () => 'Bearer'],
    ['two dots only', () => '..'],
    ['header that is JSON but not an object', () => `${Buffer.from('[1]').toString('base64url')}.${genuine.split('.')[1]}.${genuine.split('.')[2]}`],
  ];

  it.each(forgeries)('%s', async (_name, forge, reason = 'TOKEN_INVALID') => {
    const response = await meWith(hsServer, forge());
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ __typename: 'Query', me: null });
    expect(errorOf(response)).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    expect(response.body.errors![0]!.path).toEqual(['me']);
  });

  it('HS256 signed with the server\'s public key (algorithm confusion) is refused where ES256 is pinned', async () => {
    const esHeader = decodePart(esGenuine, 0);
    const esClaims = decodePart(esGenuine, 1);
    for (const secret of [ecPublicPem, ecPublicPem.trim(), Buffer.from(ecPublicPem)]) {
      const response = await meWith(esServer, hs256({ ...esHeader, alg: 'HS256' }, esClaims, secret));
      expect(errorOf(response)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' });
    }
  });

  it('an HS256 token is refused by a server that only knows an ES256 key, even with a matching kid', async () => {
    const response = await meWith(esServer, hs256({ alg: 'HS256', typ: 'at+jwt', kid: 'es-1' }, decodePart(esGenuine, 1), TEST_JWT_SECRET));
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
  });

  it('tampered roles never reach an admin field', async () => {
    const [h, , s] = genuine.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url')}.${s}`;
    const response = await hsServer.client().request('{ users { id } }', undefined, { headers: { authorization: `Bearer ${tampered}` } });
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
  });

  it.each(['Basic abc', 'Bearer', 'Bearer    ', `bearer ${'x'}`, `Token ${'x'}`])('Authorization %j counts as no valid token', async (value) => {
    const response = await hsServer.client().request('{ me { id } }', undefined, { headers: { authorization: value } });
    expect(response.status).toBe(200);
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
  });
});

describe('key rotation', () => {
  it('a retired key keeps verifying through JWT_VERIFY_KEYS until it is removed', async () => {
    const oldSecret = 'old-secret-of-at-least-thirty-two-bytes!';
    const newSecret = 'new-secret-of-at-least-thirty-two-bytes!';
    const before = await startTestServer({ JWT_SECRET: oldSecret, JWT_KEY_ID: 'old' });
    const client = before.client();
    await client.signUp(uniqueEmail());
    const oldToken = client.accessToken!;
    const uri = before.databaseUri;
    await before.stop();

    const during = await startTestServer({ MONGODB_URI: uri, JWT_SECRET: newSecret, JWT_KEY_ID: 'new', JWT_VERIFY_KEYS: JSON.stringify([{ kid: 'old', secret: oldSecret }]) });
    const after = await startTestServer({ MONGODB_URI: uri, JWT_SECRET: newSecret, JWT_KEY_ID: 'new' });
    try {
      expect((await meWith(during, oldToken)).body.data).toMatchObject({ me: { id: expect.any(String) } });
      const fresh = during.client();
      fresh.refreshToken = client.refreshToken;
      await fresh.refresh();
      expect(decodePart(fresh.accessToken!, 0).kid).toBe('new');
      expect(errorOf(await meWith(after, oldToken))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' });
    } finally {
      await Promise.all([during.stop(), after.stop()]);
    }
  });
});
