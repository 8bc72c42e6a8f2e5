import { connect } from 'node:net';
import { errorOf, TestClient } from '../support/client';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';
import { decodePart } from '../support/jwt-forge';
import { sleep } from '../support/time';


let server: TestServer; // REFRESH_REUSE_GRACE 10s (the default)
let shortGrace: TestServer; // REFRESH_REUSE_GRACE 1s
beforeAll(async () => {
  [server, shortGrace] = await Promise.all([startTestServer({ CORS_ORIGINS: 'https://app.example.com' }), startTestServer({ REFRESH_REUSE_GRACE: '1s' })]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), shortGrace?.stop()]);
});

async function signedIn(on: TestServer = server): Promise<TestClient> {
  const client = on.client();
  await client.signUp(uniqueEmail());
  return client;
}

/** A second client holding a copy of this one's refresh cookie (another tab, a thief, a replay). */
function withCookie(on: TestServer, token: string | undefined): TestClient {
  const copy = on.client();
  copy.refreshToken = token;
  return copy;
}

const sessionIdOf = (client: TestClient): string => decodePart(client.accessToken!, 1).sid;
const sessionOf = async (on: TestServer, client: TestClient) => (await on.db()).models.Session.findById(sessionIdOf(client)).lean();
const revocationOf = async (on: TestServer, client: TestClient) => (await on.db()).models.SessionRevocation.findById(sessionIdOf(client)).lean();

describe('rotation', () => {
  it('exchanges the cookie for a new access token and a new refresh token, keeping the session', async () => {
    const client = await signedIn();
    const before = { refresh: client.refreshToken, access: client.accessToken };
    const response = await client.refresh();
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.refresh).toEqual({ accessToken: expect.any(String), expiresIn: 900 });
    expect(client.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.refreshToken).not.toBe(before.refresh);
    expect(client.accessToken).not.toBe(before.access);
    expect((await client.data('{ sessions { id current } }')).sessions).toEqual([{ id: expect.any(String), current: true }]);
  });

  it('stores only hashes of refresh tokens', async () => {
    const client = await signedIn();
    const { RefreshToken } = (await server.db()).models;
    expect(await RefreshToken.countDocuments({ _id: client.refreshToken })).toBe(0);
    const all = await RefreshToken.find({}).lean();
    expect(JSON.stringify(all)).not.toContain(client.refreshToken);
  });

  it('never extends the absolute lifetime: the cookie Max-Age counts down to the session end', async () => {
    const client = await signedIn();
    const first = await client.refresh();
    const maxAge = Number(/Max-Age=(\d+)/.exec(first.setCookies[0]!)![1]);
    await sleep(1_100);
    const second = await client.refresh();
    expect(Number(/Max-Age=(\d+)/.exec(second.setCookies[0]!)![1])).toBeLessThan(maxAge);
  });
});

describe('idempotent retry', () => {
  it('the previous token presented again within the grace window returns the same successor (a lost response)', async () => {
    const client = await signedIn();
    const old = client.refreshToken;
    await client.refresh(); // the response "is lost": the tab still holds `old`
    const successor = client.refreshToken;
    const retry = withCookie(server, old);
    const response = await retry.refresh();
    expect(response.body.errors).toBeUndefined();
    expect(retry.refreshToken).toBe(successor);
    // Nothing was revoked: the successor still rotates.
    expect((await client.refresh()).body.errors).toBeUndefined();
  });

  it('50 parallel refreshes with one token yield exactly one distinct successor, no 5xx, family alive (20 trials)', async () => {
    for (let trial = 0; trial < 20; trial += 1) {
      const client = await signedIn();
      const token = client.refreshToken;
      const results = await Promise.all(Array.from({ length: 50 }, () => withCookie(server, token).refresh().then((r) => ({ r, cookie: r.setCookies[0] }))));
      expect(results.map(({ r }) => r.status).filter((status) => status >= 500)).toEqual([]);
      expect(results.map(({ r }) => errorOf(r).code).filter(Boolean)).toEqual([]);
      const successors = new Set(results.map(({ cookie }) => /__Host-rt=([^;]*)/.exec(cookie ?? '')?.[1]));
      expect(successors.size).toBe(1);
      const [successor] = [...successors];
      expect(successor).not.toBe(token);
      // The family is alive: the one successor rotates normally.
      expect((await withCookie(server, successor).refresh()).body.errors).toBeUndefined();
    }
  }, 120_000);
});

describe('reuse detection', () => {
  it('a rotated token presented after the grace window revokes the whole family, newest token and access tokens too', async () => {
    const victim = await signedIn(shortGrace);
    const other = shortGrace.client(); // a second session of the same user
    const email = (await victim.data('{ me { email } }')).me.email;
    await other.login(email);
    const stolen = victim.refreshToken;
    await victim.refresh();
    await sleep(1_200);

    const replay = withCookie(shortGrace, stolen);
    const response = await replay.refresh();
    expect(errorOf(response)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REFRESH_TOKEN_REUSED' });
    expect(response.setCookies).toEqual([expect.stringMatching(/^__Host-rt=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Strict$/)]);
    expect(replay.refreshToken).toBeUndefined();

    // The newest token of the family is dead too, and so is its access token (strict mode).
    expect(errorOf(await victim.refresh())).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    expect(errorOf(await victim.request('{ me { id } }'))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    expect((await revocationOf(shortGrace, victim))!.reason).toBe('REFRESH_TOKEN_REUSED');

    // The user's other session is untouched.
    expect((await other.data('{ me { email } }')).me.email).toBe(email);
    expect((await other.refresh()).body.errors).toBeUndefined();

    // The event is recorded with who, which session, from where.
    const event = await (await shortGrace.db()).models.AuditEvent.findOne({ type: 'REFRESH_TOKEN_REUSED', sessionId: (await sessionOf(shortGrace, victim))!._id }).lean();
    expect(event).toMatchObject({ ip: '127.0.0.1', userAgent: expect.any(String) });
    expect(event!.userId).not.toBeNull();
  });

  it('a token older than the previous one is reuse even inside the grace window', async () => {
    const client = await signedIn();
    const first = client.refreshToken;
    await client.refresh();
    await client.refresh();
    const response = await withCookie(server, first).refresh();
    expect(errorOf(response).reason).toBe('REFRESH_TOKEN_REUSED');
    expect(errorOf(await client.refresh()).reason).toBe('SESSION_REVOKED');
  });

  it('a replay racing legitimate refreshes leaves the family revoked, never half-revoked (10 trials)', async () => {
    for (let trial = 0; trial < 10; trial += 1) {
      const client = await signedIn(shortGrace);
      const old = client.refreshToken;
      await client.refresh();
      await sleep(1_050);
      const current = client.refreshToken;
      const racers = [
        ...Array.from({ length: 10 }, () => withCookie(shortGrace, old).refresh()),
        ...Array.from({ length: 10 }, () => withCookie(shortGrace, current).refresh()),
      ];
      const results = await Promise.all(racers);
      expect(results.every((r) => r.status < 500)).toBe(true);
      expect(results.slice(0, 10).every((r) => errorOf(r).code === 'UNAUTHENTICATED')).toBe(true);
      // Whatever the legitimate racers got, none of it works any more.
      expect(await revocationOf(shortGrace, client)).toMatchObject({ reason: 'REFRESH_TOKEN_REUSED' });
      const handedOut = new Set(results.flatMap((r) => r.setCookies.map((c) => /__Host-rt=([^;]*)/.exec(c)![1]).filter(Boolean)));
      for (const token of [current, ...handedOut]) {
        expect(errorOf(await withCookie(shortGrace, token).refresh()).code).toBe('UNAUTHENTICATED');
      }
    }
  }, 120_000);
});

describe('refusals that are never a 5xx', () => {
  it.each([
    ['no cookie', undefined, 'REFRESH_TOKEN_MISSING'],
    ['an empty cookie', '__Host-rt=', 'REFRESH_TOKEN_MISSING'],
    ['an unknown token', `__Host-rt=${'A'.repeat(43)}`, 'REFRESH_TOKEN_INVALID'],
    ['a malformed token', '__Host-rt=%%%not-a-token', 'REFRESH_TOKEN_INVALID'],
    ['an 8 KB cookie', `__Host-rt=${'x'.repeat(8_192)}`, 'REFRESH_TOKEN_INVALID'],
    ['a j: JSON cookie', `__Host-rt=j:${encodeURIComponent('{"$ne":null}')}`, 'REFRESH_TOKEN_INVALID'],
    ['two cookies with the same name', `__Host-rt=${'A'.repeat(43)}; __Host-rt=${'B'.repeat(43)}`, 'REFRESH_TOKEN_INVALID'],
    ['a cookie of another name only', 'rt=abc; session=1', 'REFRESH_TOKEN_MISSING'],
  ])('%s → UNAUTHENTICATED', async (_name, cookie, reason) => {
    const response = await server.client().request('mutation { refresh { accessToken } }', undefined, { headers: cookie ? { cookie } : {} });
    expect(response.status).toBe(200);
    expect(errorOf(response)).toMatchObject({ code: 'UNAUTHENTICATED', reason });
  });

  it('two cookies with the same name never rotate either of them', async () => {
    const client = await signedIn();
    const planted = 'P'.repeat(43);
    const response = await server.client().request('mutation { refresh { accessToken } }', undefined, {
      headers: { cookie: `__Host-rt=${planted}; __Host-rt=${client.refreshToken}` },
    });
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
    expect((await client.refresh()).body.errors).toBeUndefined();
  });

  it('a NUL byte in the cookie header is refused by the HTTP parser with a 4xx', async () => {
    const body = JSON.stringify({ query: 'mutation { refresh { accessToken } }' });
    const { port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nCookie: __Host-rt=abc\u0000def\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
      socket.on('error', reject);
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });
});

describe('cross-site protection of the cookie mutations', () => {
  it('refresh from a foreign Origin is FORBIDDEN and rotates nothing', async () => {
    const client = await signedIn();
    const before = client.refreshToken;
    const response = await client.refresh({ headers: { origin: 'https://evil.example' } });
    expect(errorOf(response).code).toBe('FORBIDDEN');
    expect(response.setCookies).toEqual([]);
    expect(client.refreshToken).toBe(before);
    const { RefreshToken } = (await server.db()).models;
    const session = await sessionOf(server, client);
    expect(await RefreshToken.countDocuments({ sessionId: session!._id })).toBe(1);
  });

  it('logout from a foreign Origin is FORBIDDEN and ends nothing', async () => {
    const client = await signedIn();
    const response = await client.request('mutation { logout }', undefined, { headers: { origin: 'null' } });
    expect(errorOf(response).code).toBe('FORBIDDEN');
    expect(await revocationOf(server, client)).toBeNull();
  });

  it('our own origin and CORS_ORIGINS are accepted, with CORS headers for the latter', async () => {
    const client = await signedIn();
    expect((await client.refresh({ headers: { origin: server.origin } })).body.errors).toBeUndefined();
    const cors = await client.refresh({ headers: { origin: 'https://app.example.com' } });
    expect(cors.body.errors).toBeUndefined();
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(cors.headers.get('access-control-allow-credentials')).toBe('true');
    const preflight = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    const foreign = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refresh as a text/plain or form POST, or over GET, never rotates', async () => {
    const client = await signedIn();
    const before = client.refreshToken;
    const body = JSON.stringify({ query: 'mutation { refresh { accessToken } }' });
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': contentType, cookie: client.cookieHeader()! }, body });
      expect(response.status).toBe(400);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    const get = await fetch(`${server.url}?query=${encodeURIComponent('mutation { refresh { accessToken } }')}`, {
      headers: { cookie: client.cookieHeader()!, 'apollo-require-preflight': '1' },
    });
    expect(get.status).toBe(405);
    expect((await withCookie(server, before).refresh()).body.errors).toBeUndefined();
  });
});
