import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDatabase } from '../../src/dev/embedded-database';
import { createLogger } from '../../src/logging/logger';
import { TestClient } from '../support/client';
import { testDatabaseUri } from '../support/database';
import { decodePart } from '../support/jwt-forge';
import { COMPILED_ENTRY, ROOT, SOURCE_ENTRY, spawnServer, type ServerProcess } from '../support/process';
import { productionEnv, uniqueEmail } from '../support/server';
import { eventually } from '../support/time';

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

function start(env: Record<string, string>, entry = COMPILED_ENTRY) {
  return spawnSync(process.execPath, [entry], { cwd: ROOT, env: { ...BASE_ENV, ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('configuration at start-up', () => {
  it('`npm start` with no configuration is production and exits non-zero naming everything production needs', () => {
    const result = spawnSync('npm', ['start'], { cwd: ROOT, env: BASE_ENV, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).not.toBe(0);
    for (const variable of ['MONGODB_URI', 'JWT_SECRET', 'SMTP_URL', 'DATA_ENCRYPTION_KEY']) expect(result.stderr).toContain(variable);
    expect(result.stdout + result.stderr).not.toMatch(/server\.listening|db\.embedded|ferretdb\.build/);
  });

  it('a bad variable stops start-up with exit 1 and a message naming it (every bad one at once)', () => {
    const result = start({ ACCESS_TOKEN_TTL: 'soon', SESSION_CHECK: 'lenient', PORT: '0' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ACCESS_TOKEN_TTL');
    expect(result.stderr).toContain('SESSION_CHECK');
    expect(result.stdout).not.toContain('server.listening');
  });

  it('production with only JWT_PRIVATE_KEY also needs REFRESH_TOKEN_SECRET', () => {
    const { JWT_SECRET: _secret, ...env } = productionEnv({ MONGODB_URI: 'mongodb://127.0.0.1:1/x', PORT: '0' });
    const pem = spawnSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], { encoding: 'utf8' }).stdout;
    const result = start({ ...env, JWT_PRIVATE_KEY: pem });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/REFRESH_TOKEN_SECRET: required in production/);
    expect(result.stderr).not.toContain('JWT_SECRET:');
  });

  it('an unreachable MONGODB_URI stops start-up with a clear message, credentials hidden', () => {
    const result = start(productionEnv({ PORT: '0', MONGODB_URI: 'mongodb://admin:hunter2@127.0.0.1:1/auth', LOG_LEVEL: 'silent' }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Cannot reach MongoDB at mongodb://admin:***@127.0.0.1:1/auth');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('when no embedded database can start, the error says how to set MONGODB_URI', async () => {
    await expect(startEmbeddedDatabase(createLogger('silent'), {}, 'none-of-them')).rejects.toThrow(/Set MONGODB_URI to a MongoDB server/);
  });
});

describe('.env', () => {
  let copy: string;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    await rm(copy, { recursive: true, force: true });
  });

  it('is read at start-up from the project root of a deployed copy; real environment variables win', async () => {
    // A deployed copy: package.json, schema/ and the compiled dist/, with the dependencies linked.
    copy = await mkdtemp(join(tmpdir(), 'deployed-'));
    await Promise.all(['package.json', 'schema', 'dist'].map((name) => cp(join(ROOT, name), join(copy, name), { recursive: true })));
    await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const env = productionEnv({ MONGODB_URI: testDatabaseUri(), PORT: '0', LOG_LEVEL: 'info' });
    await writeFile(join(copy, '.env'), `# from the file\nJWT_ISSUER=https://issuer.from-dotenv.example\nJWT_AUDIENCE=audience-from-dotenv\nNODE_ENV=development\n`);
    server = await spawnServer({ ...env, JWT_AUDIENCE: 'audience-from-the-environment' }, { entry: join(copy, 'dist', 'src', 'main.js'), cwd: copy, rawEnv: true });
    const client = new TestClient(server.url);
    await client.signUp(uniqueEmail());
    const claims = decodePart(client.accessToken!, 1);
    expect(claims.iss).toBe('https://issuer.from-dotenv.example');
    expect(claims.aud).toBe('audience-from-the-environment');
    // NODE_ENV=production from the environment beat the file's development: no Sandbox page.
    const landing = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await landing.text()).not.toContain('EmbeddedSandbox');
  }, 60_000);
});

describe('a first start in development', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('listens at once while FerretDB is built, says what it waits for, and keeps data and secrets across restarts', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dev-data-'));
    // No MONGODB_URI, no secrets: what a fresh clone's `npm run dev` has. A FerretDB binary that
    // does not exist yet makes start-up build it (with Go, from the module cache).
    const env = { NODE_ENV: 'development', PORT: '0', LOG_LEVEL: 'info', DEV_DATA_DIR: dataDir, EMBEDDED_DATABASE: 'ferretdb', FERRETDB_BIN: join(dataDir, 'bin', 'ferretdb') };
    const started = Date.now();
    server = await spawnServer(env, { entry: SOURCE_ENTRY, rawEnv: true, until: 'server.listening' });
    const base = server.url.replace('/graphql', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    const starting = await fetch(`${base}/readyz`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toMatchObject({ status: 'starting', waitingFor: expect.stringMatching(/building FerretDB|embedded database/) });
    const early = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(early.status).toBe(503);
    expect((await early.json()).errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');

    const { value: ready } = await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 180_000, intervalMs: 250 });
    expect(ready).toBe(true);
    const log = server.output.join('\n');
    expect(log).toContain('building FerretDB');
    expect(log).toMatch(/FerretDB built in \d+ s/);
    expect(log).not.toMatch(/DownloadError|\n\s+at /); // no raw stack traces (mongod's download failure is one line)

    const email = uniqueEmail();
    const client = new TestClient(server.url);
    await client.signUp(email);
    expect(await server.kill('SIGTERM')).toBe(0);

    // Restart: the same database (the account), the same generated secret (the access token).
    server = await spawnServer(env, { entry: SOURCE_ENTRY, rawEnv: true });
    const restarted = new TestClient(server.url);
    restarted.accessToken = client.accessToken;
    expect((await restarted.data('{ me { email } }')).me.email).toBe(email);
    expect((await restarted.login(email)).body.errors).toBeUndefined();
  }, 240_000);
});
