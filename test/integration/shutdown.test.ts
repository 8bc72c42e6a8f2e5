import { request } from 'node:http';
import { COMPILED_ENTRY, SOURCE_ENTRY, spawnServer, type ServerProcess } from '../support/process';
import { testDatabaseUri } from '../support/database';
import { productionEnv } from '../support/server';

/** A request whose body is half sent: in flight until `finish()` sends the rest. */
function inFlight(url: string, body = JSON.stringify({ query: '{ __typename }' })): { response: Promise<{ status: number; text: string }>; finish: () => void } {
  let finish = () => undefined as void;
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 5));
    finish = () => req.end(body.slice(5));
  });
  return { response, finish };
}

const MODES: [string, string, Record<string, string>][] = [
  ['production, compiled (npm start)', COMPILED_ENTRY, productionEnv()],
  ['development, TypeScript (npm run dev without the watcher)', SOURCE_ENTRY, { NODE_ENV: 'development', DATA_ENCRYPTION_KEY: '1'.repeat(64) }],
];

describe.each(MODES)('%s', (_mode, entry, env) => {
  let server: ServerProcess;
  afterEach(() => server?.kill('SIGKILL'));

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: stops accepting, finishes the request in flight, closes the database and exits 0', async (signal) => {
    server = await spawnServer({ MONGODB_URI: testDatabaseUri(), ...env }, { entry });
    const { response, finish } = inFlight(server.url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill(signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    finish();

    const { status, text } = await response;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { __typename: 'Query' } });
    expect(await server.exited).toBe(0);
    const log = server.output.join('\n');
    expect(log).toContain('"server.stopped"');
    expect(log).not.toContain('"server.cleanup_failed"');
    await expect(fetch(server.url.replace('/graphql', '/healthz'))).rejects.toThrow();
  }, 60_000);
});

it('a second signal during shutdown forces exit 1 without waiting for the request in flight', async () => {
  const server = await spawnServer({ MONGODB_URI: testDatabaseUri(), ...productionEnv() });
  const { response } = inFlight(server.url);
  response.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  server.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(1);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(server.output.join('\n')).toContain('"server.forced_exit"');
}, 60_000);

it('production, compiled: with password-hashing threads running, SIGTERM finishes the login in flight, ends the threads and exits 0', async () => {
  const server = await spawnServer({ MONGODB_URI: testDatabaseUri(), ...productionEnv() });
  try {
    const email = `shutdown-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const credentials = { query: 'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken } }', variables: { e: email, p: password } };
    // The sign-up starts the hashing threads; they stay up, idle, for 30 s.
    const signedUp = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    expect(((await signedUp.json()) as { data?: unknown }).data).toBeDefined();
    const { response, finish } = inFlight(server.url, JSON.stringify({ ...credentials, query: credentials.query.replace('signUp', 'login') }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    finish();

    const { status, text } = await response;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { login: { accessToken: expect.any(String) } } });
    expect(await server.exited).toBe(0);
    expect(server.output.join('\n')).not.toContain('"server.cleanup_failed"');
  } finally {
    server.kill('SIGKILL');
  }
}, 60_000);
