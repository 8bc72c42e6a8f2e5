import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { startFerretdb } from '../../src/dev/embedded-database/ferretdb';
import type { EmbeddedDatabase } from '../../src/dev/embedded-database/types';
import { createLogger } from '../../src/logging/logger';
import { errorOf, TestClient, type GraphQLResponse } from '../support/client';
import { testEnv, uniqueEmail } from '../support/server';
import { sleep } from '../support/time';

/**
 * A database of its own (FerretDB on a fixed port and data directory) that the test stops and
 * starts again, with the API running against it the whole time.
 */
const logger = createLogger('silent');
const appLogger = createLogger(process.env.OUTAGE_LOG ?? 'silent');
let dataDir: string;
let port: number;
let database: EmbeddedDatabase | undefined;
let app: RunningApp;
let url: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'outage-'));
  database = await startFerretdb(logger, { dataDir });
  port = Number(new URL(database.uri).port);
  app = await startApp(loadConfig(testEnv({ MONGODB_URI: `${database.uri}/outage` })), { host: '127.0.0.1', logger: appLogger });
  url = app.url.replace('localhost', '127.0.0.1');
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await database?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

it('answers SERVICE_UNAVAILABLE within 2 s while the database is down, stays up, and recovers with sessions intact', async () => {
  const client = new TestClient(url);
  const email = uniqueEmail();
  await client.signUp(email);
  const cookieBeforeOutage = client.refreshToken;

  await database!.stop();
  database = undefined;

  const readiness = await timed(() => fetch(url.replace('/graphql', '/readyz')));
  expect(readiness.value.status).toBe(503);
  expect(readiness.ms).toBeLessThan(2_000);

  const login = await timed(() => new TestClient(url).login(email));
  expect(login.value.status).toBeLessThan(500);
  expect(errorOf(login.value).code).toBe('SERVICE_UNAVAILABLE');
  expect(login.ms).toBeLessThan(2_000);

  const refresh = await timed(() => client.refresh());
  expect(errorOf(refresh.value).code).toBe('SERVICE_UNAVAILABLE');
  expect(refresh.ms).toBeLessThan(2_000);
  // The outage must not cost the client its refresh cookie.
  expect(client.refreshToken).toBe(cookieBeforeOutage);

  // Many clients at once during the outage: every answer is a GraphQL error body, none a 5xx.
  const others = await Promise.all(
    Array.from({ length: 20 }, (_, i) => timed<GraphQLResponse<unknown>>(() => (i % 2 ? new TestClient(url).login(email) : client.refresh()))),
  );
  for (const { value, ms } of others) {
    expect(value.status).toBeLessThan(500);
    expect(errorOf(value).code).toBe('SERVICE_UNAVAILABLE');
    expect(ms).toBeLessThan(2_000);
  }
  expect(client.refreshToken).toBe(cookieBeforeOutage);

  expect((await fetch(url.replace('/graphql', '/healthz'))).status).toBe(200);

  database = await startFerretdb(logger, { dataDir, port });
  let ready = 0;
  for (let attempt = 0; attempt < 100 && ready !== 200; attempt += 1) {
    ready = (await fetch(url.replace('/graphql', '/readyz'))).status;
    if (ready !== 200) await sleep(100);
  }
  expect(ready).toBe(200);

  // The cookie held across the outage still works and does not trip reuse detection.
  const after = await client.refresh();
  expect(after.body.errors).toBeUndefined();
  expect(client.refreshToken).not.toBe(cookieBeforeOutage);
  expect((await client.data('{ me { email } }')).me.email).toBe(email);
}, 60_000);
