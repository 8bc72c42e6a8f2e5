import { errorOf, TestClient } from '../support/client';
import { testDatabaseUri } from '../support/database';
import { spawnServer, type ServerProcess } from '../support/process';
import { uniqueEmail } from '../support/server';
import { sleep } from '../support/time';

/**
 * Separate API processes (what `npm start` runs) sharing one database, as several instances
 * behind a load balancer would. They share JWT_SECRET and so the refresh-successor key.
 */
const env = { MONGODB_URI: testDatabaseUri(), REFRESH_REUSE_GRACE: '2s', LOG_LEVEL: 'info' };
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
}, 90_000);
afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
});

const on = (server: ServerProcess, from?: TestClient) => {
  const client = new TestClient(server.url);
  if (from) {
    client.refreshToken = from.refreshToken;
    client.accessToken = from.accessToken;
  }
  return client;
};

/** A new user's session on `server`, rotated once: the original token and its successor. */
async function rotatedOnce(server: ServerProcess): Promise<{ client: TestClient; original?: string; successor?: string }> {
  const client = on(server);
  await client.signUp(uniqueEmail());
  const original = client.refreshToken;
  await client.refresh();
  return { client, original, successor: client.refreshToken };
}

it('rotate on one instance, retry on the other: the same successor; replay after the window: the family dies on both', async () => {
  const { client, original, successor } = await rotatedOnce(a);

  const retry = on(b);
  retry.refreshToken = original;
  expect((await retry.refresh()).body.errors).toBeUndefined();
  expect(retry.refreshToken).toBe(successor);

  await sleep(2_200);
  const replay = on(b);
  replay.refreshToken = original;
  expect(errorOf(await replay.refresh()).reason).toBe('REFRESH_TOKEN_REUSED');

  // Instance A learns of the revocation within a second (strict session check).
  const started = Date.now();
  let code: unknown;
  while (Date.now() - started < 3_000) {
    code = errorOf(await on(a, client).request('{ me { id } }')).code;
    if (code === 'UNAUTHENTICATED') break;
    await sleep(50);
  }
  expect(code).toBe('UNAUTHENTICATED');
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(errorOf(await on(a, client).refresh()).reason).toBe('SESSION_REVOKED');
}, 30_000);

it('parallel refreshes spread over both instances still yield one successor', async () => {
  const client = on(a);
  await client.signUp(uniqueEmail());
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const racer = on(i % 2 ? a : b);
      racer.refreshToken = client.refreshToken;
      return racer.refresh().then(() => racer.refreshToken);
    }),
  );
  expect(new Set(results).size).toBe(1);
  expect(results[0]).not.toBe(client.refreshToken);
}, 30_000);

it('an instance killed right after a rotation: the retry on its restarted self gets the same successor', async () => {
  const { original, successor } = await rotatedOnce(a);
  await a.kill('SIGKILL');

  // The answering instance decides the grace window: a restart slower than 2 s (a loaded CI
  // machine) must not turn this retry into a replay.
  a = await spawnServer({ ...env, REFRESH_REUSE_GRACE: '60s' });
  const retry = on(a);
  retry.refreshToken = original;
  expect((await retry.refresh()).body.errors).toBeUndefined();
  expect(retry.refreshToken).toBe(successor);
}, 60_000);
