import { freePort } from '../../src/dev/embedded-database/ferretdb';
import { errorOf } from '../support/client';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';

let server: TestServer;
let metricsUrl: string;
beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  server = await startTestServer({ METRICS_PORT: String(port), LOGIN_MAX_FAILURES: '2', REFRESH_REUSE_GRACE: '0' });
});
afterAll(() => server?.stop());

async function scrape(): Promise<string> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample, e.g. `auth_logins_total{result="failure"}`; 0 when absent. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

it('counts logins, refreshes, reuse, revocations by reason, rate-limited attempts and request latency', async () => {
  const before = await scrape();
  const email = uniqueEmail();
  const client = server.client();
  await client.signUp(email);
  await server.client().login(email);
  await server.client().login(email, 'wrong password, surely');
  await server.client().login(email, 'wrong password, surely');
  expect(errorOf(await server.client().login(email, 'wrong password, surely')).code).toBe('RATE_LIMITED');
  const original = client.refreshToken;
  await client.refresh();
  client.refreshToken = original;
  expect(errorOf(await client.refresh()).reason).toBe('REFRESH_TOKEN_REUSED');
  const other = server.client();
  await other.signUp(uniqueEmail());
  await other.request('mutation { logout }');

  const after = await scrape();
  const delta = (name: string) => sample(after, name) - sample(before, name);
  expect(delta('auth_logins_total{result="success"}')).toBe(1);
  expect(delta('auth_logins_total{result="failure"}')).toBe(2);
  expect(delta('auth_logins_total{result="rate_limited"}')).toBe(1);
  expect(delta('auth_rate_limited_total{limit="pair"}')).toBe(1);
  expect(delta('auth_refreshes_total')).toBe(1);
  expect(delta('auth_refresh_token_reuse_total')).toBe(1);
  expect(delta('auth_sessions_revoked_total{reason="REFRESH_TOKEN_REUSED"}')).toBe(1);
  expect(delta('auth_sessions_revoked_total{reason="LOGOUT"}')).toBe(1);
  expect(delta('auth_security_events_total{type="SIGN_UP"}')).toBe(2);
  expect(delta('http_request_duration_seconds_count{route="/graphql",method="POST",status="200"}')).toBeGreaterThanOrEqual(9);
  expect(after).toMatch(/^auth_password_hash_queue_length \d+$/m);
  expect(after).toMatch(/^process_resident_memory_bytes \d+/m);
});

it('listens on loopback only, never on the public port', async () => {
  expect((await fetch(server.url.replace('/graphql', '/metrics'))).status).toBe(404);
  await expect(fetch(metricsUrl.replace('127.0.0.1', '127.0.0.2'))).rejects.toThrow();
});
