import { MailCatcher } from '../../src/dev/mail-catcher';
import { errorOf, TestClient } from '../support/client';
import { testDatabaseUri } from '../support/database';
import { spawnServer, type ServerProcess } from '../support/process';
import { uniqueEmail } from '../support/server';
import { eventually, sleep } from '../support/time';
import { totpNow } from '../support/totp';

/**
 * Account changes made on one instance reach sessions and tokens held on another: two API
 * processes (compiled, as deployed) on one database, strict session check.
 */
const PASSWORD = 'correct horse battery staple';
let a: ServerProcess;
let b: ServerProcess;
let mail: MailCatcher;
let root: TestClient;

beforeAll(async () => {
  mail = await MailCatcher.start();
  const env = { MONGODB_URI: testDatabaseUri(), SMTP_URL: mail.url, ADMIN_EMAILS: 'root@example.com', LOG_LEVEL: 'info' };
  [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
  root = new TestClient(a.url);
  await root.signUp('root@example.com');
  const message = await mail.waitFor((m) => m.to.includes('root@example.com'));
  await new TestClient(b.url).data('mutation($t: String!) { verifyEmail(token: $t) }', { t: new URL(message.links[0]!).searchParams.get('token') });
  await root.refresh();
}, 90_000);
afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await mail?.stop();
});

const on = (server: ServerProcess) => new TestClient(server.url);
const idOf = async (client: TestClient) => (await client.data('{ me { id } }')).me.id as string;
const rejectedWithin = async (client: TestClient, query = '{ me { id } }', code = 'UNAUTHENTICATED') =>
  (await eventually(async () => errorOf(await client.request(query)).code === code, { timeoutMs: 3_000, intervalMs: 25 })).elapsed;

it('a password change on A: no session from logins racing it on B survives (5 trials x 20 logins)', async () => {
  let raced = 0;
  for (let trial = 0; trial < 5; trial += 1) {
    const email = uniqueEmail('race');
    const owner = on(a);
    await owner.signUp(email, PASSWORD);
    const racers = Array.from({ length: 20 }, () => on(b));
    const logins = racers.map(async (racer, index) => {
      await sleep(index * 8);
      return racer.login(email, PASSWORD);
    });
    await sleep(40 + trial * 30);
    const change = await owner.request('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }', { c: PASSWORD, n: `another passphrase, trial ${trial}` });
    expect(change.body.errors).toBeUndefined();
    const results = await Promise.all(logins);
    expect(results.every((result) => result.status < 500)).toBe(true);
    const winners = racers.filter((_, index) => !results[index]!.body.errors);
    raced += winners.length;
    for (const racer of winners) {
      expect(await rejectedWithin(racer)).toBeLessThan(1_000);
      expect(errorOf(await racer.refresh()).code).toBe('UNAUTHENTICATED');
    }
  }
  // The race happened: some logins finished with the old password's session before being cut off.
  expect(raced).toBeGreaterThan(0);
}, 180_000);

it('a demotion on A takes the powers of an ADMIN token already issued on B within 1 s', async () => {
  const email = uniqueEmail('deputy');
  const deputy = on(b);
  await deputy.signUp(email);
  await root.data('mutation($id: ID!) { setUserRoles(userId: $id, roles: [USER, ADMIN]) { id } }', { id: await idOf(deputy) });
  await deputy.refresh();
  expect((await deputy.data('{ users { id } }')).users.length).toBeGreaterThan(1);
  await root.data('mutation($id: ID!) { setUserRoles(userId: $id, roles: [USER]) { id } }', { id: await idOf(deputy) });
  expect(await rejectedWithin(deputy, '{ users { id } }', 'FORBIDDEN')).toBeLessThan(1_000);
});

it('disabling on A ends the account\'s sessions and tokens on both instances', async () => {
  const email = uniqueEmail('disabled');
  const onA = on(a);
  await onA.signUp(email, PASSWORD);
  const onB = on(b);
  await onB.login(email, PASSWORD);
  await root.data('mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }', { id: await idOf(onA) });
  for (const client of [onB, onA]) {
    expect(await rejectedWithin(client)).toBeLessThan(1_000);
    expect(errorOf(await client.refresh()).code).toBe('UNAUTHENTICATED');
  }
  expect(errorOf(await on(b).login(email, PASSWORD))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DISABLED' });
});

it('deleting on A kills the account\'s tokens and sessions on B', async () => {
  const email = uniqueEmail('leaving');
  const onA = on(a);
  await onA.signUp(email, PASSWORD);
  const onB = on(b);
  await onB.login(email, PASSWORD);
  expect((await onA.request('mutation { deleteAccount }')).body.data).toEqual({ deleteAccount: true });
  expect(await rejectedWithin(onB)).toBeLessThan(1_000);
  expect(errorOf(await onB.refresh()).code).toBe('UNAUTHENTICATED');
  expect(errorOf(await on(b).login(email, PASSWORD)).code).toBe('UNAUTHENTICATED');
});

it('a TOTP code used on A is refused on B (replay across instances)', async () => {
  const email = uniqueEmail('totp');
  const client = on(a);
  await client.signUp(email, PASSWORD);
  const { startTotpEnrollment } = await client.data('mutation { startTotpEnrollment { secret } }');
  await client.data('mutation($c: String!) { confirmTotpEnrollment(code: $c) }', { c: totpNow(startTotpEnrollment.secret) });
  const ticketOn = async (server: ServerProcess) => (await on(server).request('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: email, p: PASSWORD })).body.errors![0]!.extensions!.mfaTicket as string;
  const verify = 'mutation($t: String!, $c: String!) { verifyMfa(ticket: $t, code: $c) { accessToken } }';
  const code = totpNow(startTotpEnrollment.secret, 1);
  expect((await on(a).request(verify, { t: await ticketOn(a), c: code })).body.errors).toBeUndefined();
  expect(errorOf(await on(b).request(verify, { t: await ticketOn(b), c: code }))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
});
