import fc from 'fast-check';
import { readRefreshCookie } from '../../src/http/cookies';
import { b64url } from '../support/jwt-forge';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/server';
import { secretKeyId } from '../../src/config/keys';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

const printable = fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 300 }).map((codes) => String.fromCharCode(...codes));
const segment = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
const header = fc.record({
  alg: fc.constantFrom('HS256', 'none', 'RS256', 'ES256', 'HS512', 'hs256', ''),
  typ: fc.constantFrom('at+jwt', 'JWT', 'AT+JWT', undefined),
  kid: fc.constantFrom(secretKeyId(TEST_JWT_SECRET), '../../etc/passwd', '', 'other', undefined),
});
const payload = fc.record({
  sub: fc.oneof(fc.string(), fc.constant('507f1f77bcf86cd799439011')),
  sid: fc.string(),
  roles: fc.oneof(fc.constant(['ADMIN']), fc.array(fc.string())),
  scope: fc.string(),
  iat: fc.oneof(fc.integer(), fc.string()),
  exp: fc.oneof(fc.integer(), fc.string(), fc.constant(undefined)),
  iss: fc.constantFrom('http://localhost:4000', 'x'),
  aud: fc.constantFrom('graphql-api', 'x'),
});
/** JWT-shaped: real JSON header and payload with hostile values, and a random signature. */
const jwtShaped = fc.tuple(header, payload, segment).map(([h, p, s]) => `${b64url(h)}.${b64url(p)}.${s}`);
const tokenLike = fc.oneof(printable, jwtShaped, fc.tuple(segment, segment, segment).map((parts) => parts.join('.')));

describe('the token verifier', () => {
  it('never throws and never accepts random or forged input', () => {
    const tokens = server.accessTokens;
    fc.assert(
      fc.property(tokenLike, (token) => {
        expect(tokens.verify(token).ok).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('the cookie parser', () => {
  it('never throws on random cookie headers', () => {
    fc.assert(
      fc.property(fc.oneof(printable, printable.map((text) => `__Host-rt=${text}`), fc.tuple(printable, printable).map(([a, b]) => `${a}; __Host-rt=${b}`)), (headerValue) => {
        const result = readRefreshCookie(headerValue);
        expect(['present', 'missing', 'ambiguous']).toContain(result.state);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('/graphql', () => {
  it('random Authorization and Cookie headers: never a 5xx, never an authenticated answer', async () => {
    await fc.assert(
      fc.asyncProperty(tokenLike, printable, async (token, cookie) => {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`.trim(), cookie: `__Host-rt=${cookie}`.replace(/[\r\n]/g, '') },
          body: JSON.stringify({ query: '{ me { id } }' }),
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { data: { me: unknown }; errors: { extensions: { code: string } }[] };
        expect(body.data.me).toBeNull();
        expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');

        const refresh = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: `__Host-rt=${cookie}` },
          body: JSON.stringify({ query: 'mutation { refresh { accessToken } }' }),
        });
        expect(refresh.status).toBeLessThan(500);
        const refreshed = (await refresh.json()) as { data: unknown; errors?: { extensions: { code: string } }[] };
        expect(refreshed.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('random request bodies: never a 5xx, always a JSON answer', async () => {
    const bodies = fc.oneof(printable, fc.json(), fc.json().map((json) => `{"query": ${json}}`), fc.string().map((query) => JSON.stringify({ query })));
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toMatch(/json/);
        const answer = (await response.json()) as { data?: unknown; errors?: unknown[] };
        expect(answer.errors !== undefined || answer.data !== undefined).toBe(true);
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
