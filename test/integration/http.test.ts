import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let production: TestServer;

beforeAll(async () => {
  [server, production] = await Promise.all([
    startTestServer({ NODE_ENV: 'development', LOG_LEVEL: 'silent', MAX_BODY_BYTES: '2000' }),
    startTestServer({ NODE_ENV: 'production' }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), production?.stop()]);
});

const base = (s: TestServer) => s.url.replace('/graphql', '');
const post = (url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body });

describe('health', () => {
  it('/healthz answers 200 while the process is up', async () => {
    const response = await fetch(`${base(server)}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when the database answers', async () => {
    const response = await fetch(`${base(server)}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ database: 'up' });
  });

  it('unknown paths get a JSON 404 and a request id', async () => {
    const response = await fetch(`${base(server)}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe('/graphql over HTTP', () => {
  it('answers a query over POST with no-store caching', async () => {
    const response = await post(server.url, JSON.stringify({ query: '{ __typename }' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a query over GET (with a non-simple header, as CSRF prevention asks)', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a mutation over GET with 405', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('mutation { logout }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
  });

  it('refuses a text/plain POST (CSRF prevention) without running it', async () => {
    const response = await post(server.url, JSON.stringify({ query: 'mutation { logout }' }), { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain('"logout"');
  });

  it('refuses a form POST', async () => {
    const response = await post(server.url, 'query=mutation+%7B+logout+%7D', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(400);
  });

  it('refuses batched (array) requests', async () => {
    const response = await post(server.url, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(response.status).toBe(400);
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const response = await post(server.url, '{"query": ');
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses an oversized body with 413 (declared length)', async () => {
    const response = await post(server.url, JSON.stringify({ query: `{ __typename } # ${'x'.repeat(5_000)}` }));
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses an oversized chunked body with 413 and keeps serving', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i += 1) req.write('x'.repeat(500));
      req.end();
    });
    expect(status).toBe(413);
    const after = await post(server.url, JSON.stringify({ query: '{ __typename }' }));
    expect(after.status).toBe(200);
  });

  it('answers parse errors with GRAPHQL_PARSE_FAILED and unknown fields with GRAPHQL_VALIDATION_FAILED', async () => {
    const parse = await (await post(server.url, JSON.stringify({ query: '{ me ' }))).json();
    expect(parse.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const validation = await (await post(server.url, JSON.stringify({ query: '{ nope }' }))).json();
    expect(validation.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('Apollo Sandbox', () => {
  it('is served at /graphql to a browser in development, with cookies included and the initial document', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('EmbeddedSandbox');
    expect(html).toMatch(/"includeCookies":\s*true/);
    expect(html).toContain('mutation SignUp');
  });

  it('when Sandbox cannot load, the page shows curl examples that work as written', async () => {
    const html = await (await fetch(server.url, { headers: { accept: 'text/html' } })).text();
    const commands = [...html.matchAll(/<pre>([^<]*)<\/pre>/g)].map((match) => match[1]!.replace(/&#(\d+);/g, (_all, code: string) => String.fromCharCode(Number(code))));
    expect(commands).toHaveLength(3);
    const dir = mkdtempSync(join(tmpdir(), 'curl-'));
    // Asynchronously: the server runs in this process.
    const shell = async (command: string) => JSON.parse((await promisify(execFile)('sh', ['-c', command], { cwd: dir, encoding: 'utf8' })).stdout);
    const accessToken = ((await shell(commands[0]!)) as { data: { signUp: { accessToken: string } } }).data.signUp.accessToken;
    const me = await shell(commands[1]!.replace('ACCESS_TOKEN', accessToken));
    expect(me.data.me.email).toBe('ada@example.com');
    const refreshed = await shell(commands[2]!);
    expect(refreshed.data.refresh.accessToken).toEqual(expect.any(String));
  });

  it('is not served in production', async () => {
    const response = await fetch(production.url, { headers: { accept: 'text/html' } });
    const text = await response.text();
    expect(text).not.toContain('EmbeddedSandbox');
    expect(response.status).toBe(400);
  });
});
