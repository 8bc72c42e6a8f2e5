import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { errorOf, type TestClient } from '../support/client';
import { ROOT } from '../support/process';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';
import { eventually, sleep } from '../support/time';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'an entirely new passphrase';
const CHANGE = 'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }';

let server: TestServer;
let root: TestClient;
beforeAll(async () => {
  server = await startTestServer({ ADMIN_EMAILS: 'root@example.com' });
  root = await server.signUpAdmin('root@example.com');
});
afterAll(() => server?.stop());

/** Milliseconds until `me` answers UNAUTHENTICATED for this client (Infinity after 3 s). */
async function timeUntilRejected(client: TestClient): Promise<number> {
  return (await eventually(async () => errorOf(await client.request('{ me { id } }')).code === 'UNAUTHENTICATED', { timeoutMs: 3_000, intervalMs: 25 })).elapsed;
}

const idOf = async (client: TestClient) => (await client.data('{ me { id } }')).me.id as string;

describe('a password change races logins with the old password', () => {
  it('zero survivors: every session a racing login got is dead for refresh and, within 1 s, for its access token (5 trials x 20 logins)', async () => {
    let raced = 0;
    for (let trial = 0; trial < 5; trial += 1) {
      const email = uniqueEmail('race');
      const owner = server.client();
      await owner.signUp(email, PASSWORD);
      const racers = Array.from({ length: 20 }, () => server.client());
      const logins = racers.map(async (racer, index) => {
        await sleep(index * 8);
        return racer.login(email, PASSWORD);
      });
      await sleep(40 + trial * 30);
      const change = await owner.request(CHANGE, { c: PASSWORD, n: `${NEW_PASSWORD} ${trial}` });
      expect(change.body.errors).toBeUndefined();
      owner.accessToken = (change.body.data as { changePassword: { accessToken: string } }).changePassword.accessToken;
      const results = await Promise.all(logins);
      expect(results.every((result) => result.status < 500)).toBe(true);

      const winners = racers.filter((_, index) => !results[index]!.body.errors);
      raced += winners.length;
      for (const racer of winners) {
        expect(await timeUntilRejected(racer)).toBeLessThan(1_000);
        expect(errorOf(await racer.refresh()).code).toBe('UNAUTHENTICATED');
      }
      // Whoever lost the race was told the password is wrong (it is, now), never a 5xx. On a busy
      // machine the hashing pool may shed a racer before checking anything (RATE_LIMITED with a
      // retry in seconds, not a lock-out): it got no session either.
      for (const result of results.filter((r) => r.body.errors)) {
        const error = errorOf(result);
        if (error.code === 'RATE_LIMITED') expect(result.body.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(10);
        else expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
      }
      expect((await owner.data('{ me { id } }')).me.id).toEqual(expect.any(String));
      expect((await owner.refresh()).body.errors).toBeUndefined();
      const sessions = (await owner.data('{ sessions { current } }')).sessions as { current: boolean }[];
      expect(sessions).toEqual([{ current: true }]);
    }
    // The race happened: some logins got a session with the old password before it was cut off.
    expect(raced).toBeGreaterThan(0);
  }, 120_000);
});

describe('disabling an account', () => {
  it('ends every session and token; correct credentials answer ACCOUNT_DISABLED, wrong ones INVALID_CREDENTIALS; enabling lets it in again', async () => {
    const email = uniqueEmail();
    const user = server.client();
    await user.signUp(email, PASSWORD);
    const other = server.client();
    await other.login(email, PASSWORD);
    const userId = await idOf(user);

    const disabled = await root.request('mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }', { id: userId });
    expect(disabled.body.errors).toBeUndefined();
    for (const client of [user, other]) {
      expect(await timeUntilRejected(client)).toBeLessThan(1_000);
      expect(errorOf(await client.refresh()).code).toBe('UNAUTHENTICATED');
    }
    expect(errorOf(await server.client().login(email, PASSWORD))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DISABLED' });
    expect(errorOf(await server.client().login(email, 'not the password at all'))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });

    await root.data('mutation($id: ID!) { setUserDisabled(userId: $id, disabled: false) { id } }', { id: userId });
    expect((await server.client().login(email, PASSWORD)).body.errors).toBeUndefined();
  });

  it('is for administrators only, and an administrator cannot disable themself', async () => {
    const user = server.client();
    await user.signUp(uniqueEmail());
    expect(errorOf(await user.request('mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }', { id: await idOf(root) })).code).toBe('FORBIDDEN');
    expect(errorOf(await root.request('mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }', { id: await idOf(root) })).code).toBe('BAD_USER_INPUT');
  });
});

describe('roles', () => {
  it('a demoted administrator loses the powers of the token already issued within 1 s; a promotion arrives with the next refresh', async () => {
    const email = uniqueEmail('deputy');
    const deputy = server.client();
    await deputy.signUp(email);
    const deputyId = await idOf(deputy);
    await root.data('mutation($id: ID!) { setUserRoles(userId: $id, roles: [USER, ADMIN]) { roles } }', { id: deputyId });
    // The promotion is not in the token yet: its roles never widen on their own.
    expect(errorOf(await deputy.request('{ users { id } }')).code).toBe('FORBIDDEN');
    await deputy.refresh();
    expect((await deputy.data('{ users { id } }')).users.length).toBeGreaterThan(1);

    const demoted = await root.data('mutation($id: ID!) { setUserRoles(userId: $id, roles: [USER]) { id roles } }', { id: deputyId });
    expect(demoted.setUserRoles).toEqual({ id: deputyId, roles: ['USER'] });
    const { elapsed } = await eventually(async () => errorOf(await deputy.request('{ users { id } }')).code === 'FORBIDDEN', { intervalMs: 25 });
    expect(elapsed).toBeLessThan(1_000);
    expect((await deputy.data('{ me { id } }')).me.id).toBe(deputyId); // the session goes on
  });

  it('refuses an unknown or malformed id, and an empty role list, with BAD_USER_INPUT', async () => {
    for (const id of ['0123456789abcdef01234567', 'nope']) {
      expect(errorOf(await root.request('mutation($id: ID!) { setUserRoles(userId: $id, roles: [USER]) { id } }', { id })).code).toBe('BAD_USER_INPUT');
    }
    expect(errorOf(await root.request('mutation($id: ID!) { setUserRoles(userId: $id, roles: []) { id } }', { id: await idOf(root) })).code).toBe('BAD_USER_INPUT');
  });

  it('stateless mode: roles change at the next refresh', async () => {
    const stateless = await startTestServer({ SESSION_CHECK: 'stateless', ADMIN_EMAILS: 'root@example.com' });
    try {
      const admin = await stateless.signUpAdmin('root@example.com');
      const user = stateless.client();
      await user.signUp(uniqueEmail());
      await admin.data('mutation($id: ID!) { setUserRoles(userId: $id, roles: [USER, ADMIN]) { id } }', { id: await idOf(user) });
      expect(errorOf(await user.request('{ users { id } }')).code).toBe('FORBIDDEN');
      await user.refresh();
      expect((await user.data('{ users { id } }')).users.length).toBe(2);
    } finally {
      await stateless.stop();
    }
  });
});

describe('deleteAccount', () => {
  it('removes the account, its sessions, tokens and notes; audit events keep only the user id; the address can sign up again', async () => {
    const email = uniqueEmail('leaving');
    const user = server.client();
    await user.signUp(email);
    const other = server.client();
    await other.login(email);
    await user.data('mutation { createNote(title: "mine", body: "private") { id } }');
    const userId = await idOf(user);
    await server.mail.waitFor((m) => m.to.includes(email));
    // Limits keyed by the address or the account are personal data too: make some exist.
    expect((await user.request('mutation { requestEmailVerification }')).body.errors).toBeUndefined();
    expect((await server.client().request('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email })).body.errors).toBeUndefined();
    expect(await (await server.db()).models.CountedAttempt.countDocuments({ key: { $in: [`reset:${email}`, `verify:${userId}`] } })).toBe(2);

    const response = await user.request('mutation { deleteAccount }');
    expect(response.body).toEqual({ data: { deleteAccount: true } });
    expect(response.setCookies).toEqual([expect.stringMatching(/^__Host-rt=; Max-Age=0/)]);
    expect(await timeUntilRejected(other)).toBeLessThan(1_000);
    expect(errorOf(await other.refresh()).code).toBe('UNAUTHENTICATED');

    const { models, connection } = await server.db();
    const counts = await Promise.all([
      models.User.countDocuments({ _id: userId }),
      models.AccountRevision.countDocuments({ userId }),
      models.Session.countDocuments({ userId }),
      models.SessionAuthentication.countDocuments({ userId }),
      models.RefreshToken.countDocuments({ userId }),
      models.AccountToken.countDocuments({ userId }),
      connection.collection('notes').countDocuments({ authorId: models.User.castObject({ _id: userId })._id }),
      models.LoginAttempt.countDocuments({ key: { $regex: email.replace(/[.+]/g, '\\$&') } }),
      models.CountedAttempt.countDocuments({ key: { $in: [`reset:${email}`, `verify:${userId}`] } }),
    ]);
    expect(counts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await sleep(50);
    const events = await models.AuditEvent.find({ userId }).lean();
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['SIGN_UP', 'ACCOUNT_DELETED']));
    for (const event of events) expect({ ip: event.ip, userAgent: event.userAgent, detail: event.detail }).toEqual({ ip: null, userAgent: null, detail: null });
    expect(await models.AuditEvent.countDocuments({ detail: email })).toBe(0);

    expect(errorOf(await server.client().login(email)).code).toBe('UNAUTHENTICATED');
    const again = server.client();
    expect((await again.signUp(email)).id).not.toBe(userId);
  });

  it('needs a live session: a logged-out access token deletes nothing', async () => {
    const stateless = await startTestServer({ SESSION_CHECK: 'stateless' });
    try {
      const email = uniqueEmail();
      const user = stateless.client();
      await user.signUp(email);
      await user.request('mutation { logout }');
      expect(errorOf(await user.request('mutation { deleteAccount }'))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
      expect((await stateless.client().login(email)).body.errors).toBeUndefined();
    } finally {
      await stateless.stop();
    }
  });
});

describe('stateless mode: mutations on sessions and credentials check the session is alive', () => {
  it.each([
    ['logoutAll', 'mutation { logoutAll }', {}],
    ['revokeSession', 'mutation($id: ID!) { revokeSession(id: $id) }', { id: 'any' }],
    ['changePassword', CHANGE, { c: PASSWORD, n: NEW_PASSWORD }],
    ['reauthenticate', 'mutation($p: String!) { reauthenticate(password: $p) { accessToken } }', { p: PASSWORD }],
    ['requestEmailVerification', 'mutation { requestEmailVerification }', {}],
  ])('%s from a revoked session changes nothing', async (_name, mutation, variables) => {
    const stateless = await startTestServer({ SESSION_CHECK: 'stateless' });
    try {
      const email = uniqueEmail();
      const revoked = stateless.client();
      await revoked.signUp(email, PASSWORD);
      const fresh = stateless.client();
      await fresh.login(email, PASSWORD);
      await revoked.request('mutation { logout }');
      expect(errorOf(await revoked.request(mutation, variables))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
      expect((await fresh.refresh()).body.errors).toBeUndefined();
      expect((await stateless.client().login(email, PASSWORD)).body.errors).toBeUndefined();
    } finally {
      await stateless.stop();
    }
  });
});

describe('the sessions list', () => {
  it('never lists a session that can no longer refresh (others after a password change, idle ones)', async () => {
    // 3 s: what follows a's last refresh (a login, a password change: three hashes on niced
    // threads) must fit in it on a busy machine too.
    const idle = await startTestServer({ REFRESH_IDLE_TTL: '3s' });
    try {
      const email = uniqueEmail();
      const a = idle.client();
      await a.signUp(email, PASSWORD);
      const b = idle.client();
      await b.login(email, PASSWORD);
      expect((await a.data('{ sessions { id } }')).sessions).toHaveLength(2);
      await sleep(1_800);
      expect((await a.refresh()).body.errors).toBeUndefined();
      await sleep(1_500);
      expect((await a.refresh()).body.errors).toBeUndefined();
      expect((await a.data('{ sessions { current } }')).sessions).toEqual([{ current: true }]); // b went idle
      const c = idle.client();
      await c.login(email, PASSWORD);
      a.accessToken = (await a.data(CHANGE, { c: PASSWORD, n: NEW_PASSWORD })).changePassword.accessToken;
      const listed = (await a.data('{ sessions { current lastUsedAt createdAt } }')).sessions;
      expect(listed).toHaveLength(1);
      expect(Date.parse(listed[0].lastUsedAt)).toBeGreaterThan(Date.parse(listed[0].createdAt)); // the change re-authenticated it
    } finally {
      await idle.stop();
    }
  });
});

describe('npm run admin', () => {
  const admin = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'admin.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MONGODB_URI: server.databaseUri },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('grants and revokes a role on an existing account, audited; refuses unknown accounts and roles', async () => {
    const email = uniqueEmail('operator');
    const user = server.client();
    await user.signUp(email);
    const granted = admin('grant', email.toUpperCase(), 'ADMIN');
    expect(granted.status).toBe(0);
    expect(granted.stdout).toContain(`${email}: USER, ADMIN`);
    await user.refresh();
    expect((await user.data('{ users { id } }')).users.length).toBeGreaterThan(1);
    const events = await root.data('query($id: ID!) { auditEvents(filter: { userId: $id, type: ROLES_CHANGED }) { userAgent detail } }', { id: await idOf(user) });
    expect(events.auditEvents[0]).toEqual({ userAgent: 'npm run admin', detail: 'USER -> USER ADMIN by npm run admin' });

    expect(admin('revoke', email, 'ADMIN').status).toBe(0);
    await eventually(async () => errorOf(await user.request('{ users { id } }')).code === 'FORBIDDEN');

    const unknown = admin('grant', 'nobody@example.com', 'ADMIN');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('No account has the address nobody@example.com');
    expect(admin('grant', email, 'ROOT').status).toBe(2);
    expect(admin('promote', email).stderr).toContain('usage: npm run admin -- grant EMAIL ROLE');
  });
});
