import { errorOf, TestClient } from '../support/client';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';
import { sleep } from '../support/time';

const PASSWORD = 'correct horse battery staple';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ADMIN_EMAILS: 'auditor@example.com' });
});
afterAll(() => server?.stop());

/** One user signed in on `count` devices. */
async function devices(count: number, on: TestServer = server): Promise<{ email: string; clients: TestClient[] }> {
  const email = uniqueEmail();
  const first = on.client();
  await first.signUp(email);
  const clients = [first];
  for (let i = 1; i < count; i += 1) {
    const client = on.client();
    await client.login(email);
    clients.push(client);
  }
  return { email, clients };
}

/** Milliseconds until `me` stops answering for this client (polled every 50 ms, up to 3 s). */
async function timeUntilRejected(client: TestClient): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 3_000) {
    const response = await client.request('{ me { id } }');
    if (errorOf(response).code === 'UNAUTHENTICATED') return Date.now() - started;
    await sleep(50);
  }
  return Infinity;
}

describe('sessions query', () => {
  it('lists the caller\'s active sessions, newest first, marking the current one', async () => {
    const { clients } = await devices(3);
    const { sessions } = await clients[1]!.data('{ sessions { id createdAt lastUsedAt expiresAt userAgent ip current } }');
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ ip: '127.0.0.1', userAgent: expect.any(String), expiresAt: expect.stringMatching(/Z$/) });
    const created = sessions.map((s: { createdAt: string }) => s.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('lastUsedAt moves with each refresh', async () => {
    const { clients: [client] } = await devices(1);
    const before = (await client!.data('{ sessions { lastUsedAt createdAt } }')).sessions[0];
    expect(before.lastUsedAt).toBe(before.createdAt);
    await sleep(20);
    await client!.refresh();
    const after = (await client!.data('{ sessions { lastUsedAt createdAt } }')).sessions[0];
    expect(after.createdAt).toBe(before.createdAt);
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.parse(before.lastUsedAt));
  });
});

describe('logout', () => {
  it('ends the current session, clears the cookie, and the access token dies within 1 s (strict)', async () => {
    const { clients: [phone, laptop] } = await devices(2);
    const response = await phone!.request('mutation { logout }');
    expect(response.body.data).toEqual({ logout: true });
    expect(response.setCookies).toEqual([expect.stringMatching(/^__Host-rt=; Max-Age=0; Path=\//)]);
    expect(await timeUntilRejected(phone!)).toBeLessThan(1_000);
    expect(errorOf(await phone!.request('{ me { id } }')).reason).toBe('SESSION_REVOKED');
    expect((await laptop!.data('{ sessions { id } }')).sessions).toHaveLength(1);
  });

  it('with no session cookie is harmless: false, cookie cleared', async () => {
    const response = await server.client().request('mutation { logout }');
    expect(response.body.data).toEqual({ logout: false });
    expect(response.setCookies).toHaveLength(1);
  });

  it('the old refresh token cannot be used after logout', async () => {
    const { clients: [client] } = await devices(1);
    const token = client!.refreshToken;
    await client!.request('mutation { logout }');
    client!.refreshToken = token;
    expect(errorOf(await client!.refresh())).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
  });
});

describe('logoutAll', () => {
  it('ends every session of the user and returns how many', async () => {
    const { clients } = await devices(3);
    const other = await devices(1);
    const response = await clients[0]!.request('mutation { logoutAll }');
    expect(response.body.data).toEqual({ logoutAll: 3 });
    for (const client of clients) {
      expect(await timeUntilRejected(client)).toBeLessThan(1_000);
      expect(errorOf(await client.refresh()).code).toBe('UNAUTHENTICATED');
    }
    expect((await other.clients[0]!.data('{ me { id } }')).me).not.toBeNull();
  });

  it('needs an access token', async () => {
    expect(errorOf(await server.client().request('mutation { logoutAll }')).code).toBe('UNAUTHENTICATED');
  });
});

describe('revokeSession', () => {
  it('ends one of the caller\'s own sessions', async () => {
    const { clients: [a, b] } = await devices(2);
    const sessions = (await a!.data('{ sessions { id current } }')).sessions as { id: string; current: boolean }[];
    const otherId = sessions.find((s) => !s.current)!.id;
    expect(await a!.data('mutation($id: ID!) { revokeSession(id: $id) }', { id: otherId })).toEqual({ revokeSession: true });
    expect(await timeUntilRejected(b!)).toBeLessThan(1_000);
    expect((await a!.data('{ me { id } }')).me).not.toBeNull();
  });

  it('refuses someone else\'s session: false, and it stays alive', async () => {
    const mine = await devices(1);
    const theirs = await devices(1);
    const theirId = (await theirs.clients[0]!.data('{ sessions { id } }')).sessions[0].id;
    expect(await mine.clients[0]!.data('mutation($id: ID!) { revokeSession(id: $id) }', { id: theirId })).toEqual({ revokeSession: false });
    expect((await theirs.clients[0]!.refresh()).body.errors).toBeUndefined();
  });

  it('an unknown id is false, never an error', async () => {
    const { clients: [a] } = await devices(1);
    expect(await a!.data('mutation { revokeSession(id: "nope") }')).toEqual({ revokeSession: false });
  });
});

describe('changePassword', () => {
  it('ends every other session, keeps this one, and the new password is the one that works', async () => {
    const { email, clients: [current, other] } = await devices(2);
    const newPassword = 'a brand new passphrase here';
    const response = await current!.request('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken user { email } } }', { c: PASSWORD, n: newPassword });
    expect(response.body.errors).toBeUndefined();
    current!.accessToken = (response.body.data as { changePassword: { accessToken: string } }).changePassword.accessToken;
    expect(await timeUntilRejected(other!)).toBeLessThan(1_000);
    expect(errorOf(await other!.refresh()).code).toBe('UNAUTHENTICATED');
    expect((await current!.data('{ me { email } }')).me.email).toBe(email);
    expect((await current!.refresh()).body.errors).toBeUndefined();
    expect(errorOf(await server.client().login(email, PASSWORD)).code).toBe('UNAUTHENTICATED');
    expect((await server.client().login(email, newPassword)).body.errors).toBeUndefined();
  });

  it('refuses a wrong current password and a weak new one, changing nothing', async () => {
    const { email, clients: [client, other] } = await devices(2);
    const wrong = await client!.request('mutation { changePassword(currentPassword: "not it at all", newPassword: "a brand new passphrase") { accessToken } }');
    expect(errorOf(wrong)).toMatchObject({ code: 'BAD_USER_INPUT' });
    const weak = await client!.request(`mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "password1234") { accessToken } }`);
    expect(errorOf(weak)).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await other!.data('{ me { id } }')).me).not.toBeNull();
    expect((await server.client().login(email)).body.errors).toBeUndefined();
  });
});

describe('expiry', () => {
  it('absolute: the session ends at REFRESH_TOKEN_TTL however often it rotates', async () => {
    const short = await startTestServer({ REFRESH_TOKEN_TTL: '2s', REFRESH_IDLE_TTL: '1h' });
    try {
      const { clients: [client] } = await devices(1, short);
      expect(Number(/Max-Age=(\d+)/.exec((await client!.refresh()).setCookies[0]!)![1])).toBeLessThanOrEqual(2);
      await sleep(1_000);
      expect((await client!.refresh()).body.errors).toBeUndefined();
      await sleep(1_100);
      expect(errorOf(await client!.refresh())).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_EXPIRED' });
      expect(client!.refreshToken).toBeUndefined();
    } finally {
      await short.stop();
    }
  });

  it('idle: a session unused for REFRESH_IDLE_TTL expires; use keeps it alive', async () => {
    const idle = await startTestServer({ REFRESH_IDLE_TTL: '1500ms' });
    try {
      const { clients: [active, dormant] } = await devices(2, idle);
      // The clock starts now for both (sign-up and login take a moment on a loaded machine).
      expect((await active!.refresh()).body.errors).toBeUndefined();
      expect((await dormant!.refresh()).body.errors).toBeUndefined();
      for (let i = 0; i < 3; i += 1) {
        await sleep(700);
        expect((await active!.refresh()).body.errors).toBeUndefined();
      }
      expect(errorOf(await dormant!.refresh())).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_EXPIRED' });
    } finally {
      await idle.stop();
    }
  });
});

describe('SESSION_CHECK', () => {
  it('stateless: a revoked session\'s access token lives until it expires', async () => {
    const stateless = await startTestServer({ SESSION_CHECK: 'stateless' });
    try {
      const { clients: [a, b] } = await devices(2, stateless);
      await a!.request('mutation { logoutAll }');
      await sleep(1_200);
      expect((await b!.data('{ me { id } }')).me).not.toBeNull();
      expect(errorOf(await b!.refresh()).code).toBe('UNAUTHENTICATED');
    } finally {
      await stateless.stop();
    }
  });

  it('stateless: changePassword from a revoked session changes nothing', async () => {
    const stateless = await startTestServer({ SESSION_CHECK: 'stateless' });
    try {
      const { email, clients: [client] } = await devices(1, stateless);
      await client!.request('mutation { logout }');
      const response = await client!.request('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }', {
        c: PASSWORD,
        n: 'a brand new passphrase here',
      });
      expect(errorOf(response)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
      expect((await stateless.client().login(email, PASSWORD)).body.errors).toBeUndefined();
    } finally {
      await stateless.stop();
    }
  });

  it('an account that vanished from the database (behind the API\'s back) kills its tokens within 1 s, never an internal error', async () => {
    const { email, clients: [client] } = await devices(1);
    const { models } = await server.db();
    const user = (await models.User.findOne({ email }).lean())!;
    await models.User.deleteOne({ _id: user._id });
    await models.AccountRevision.deleteMany({ userId: user._id });
    expect(await timeUntilRejected(client!)).toBeLessThan(1_000);
    expect(errorOf(await client!.request('{ me { id } }'))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    expect(errorOf(await client!.refresh())).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('audit events', () => {
  it('admins read security events, newest first, filtered by user and type; others cannot', async () => {
    const admin = await server.signUpAdmin('auditor@example.com');
    const { email, clients: [user] } = await devices(1);
    await server.client().login(email, 'wrong password, surely');
    await user!.refresh();
    await user!.request('mutation { logout }');
    const userId = (await (await server.db()).models.User.findOne({ email }).lean())!._id.toHexString();

    const { auditEvents } = await admin.data('query($id: ID!) { auditEvents(filter: { userId: $id }) { type at userId sessionId ip userAgent } }', { id: userId });
    // The verification message is sent after the sign-up's response: its place among these varies.
    const types = auditEvents.map((e: { type: string }) => e.type);
    expect(types.filter((type: string) => type !== 'EMAIL_VERIFICATION_SENT')).toEqual(['LOGOUT', 'REFRESHED', 'LOGIN_FAILED', 'SIGN_UP']);
    expect(types).toContain('EMAIL_VERIFICATION_SENT');
    expect(auditEvents[0]).toMatchObject({ userId, ip: '127.0.0.1', sessionId: expect.any(String) });
    const failed = await admin.data('query { auditEvents(filter: { type: LOGIN_FAILED }, first: 1) { type } }');
    expect(failed.auditEvents).toEqual([{ type: 'LOGIN_FAILED' }]);

    const denied = await user!.request('{ auditEvents { type } }');
    expect(errorOf(denied).code).toBe('UNAUTHENTICATED');
    const other = await devices(1);
    expect(errorOf(await other.clients[0]!.request('{ auditEvents { type } }')).code).toBe('FORBIDDEN');
  });
});
