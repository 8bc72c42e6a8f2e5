import { errorOf } from '../support/client';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';
import { sleep } from '../support/time';

const WRONG = 'not the right password';

describe('per-account failures', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW: '3s' });
  });
  afterAll(() => server?.stop());

  it('locks the account after LOGIN_MAX_FAILURES, refuses even the right password, then lets it in after the window', async () => {
    const email = uniqueEmail();
    await server.client().signUp(email);
    for (let i = 0; i < 3; i += 1) expect(errorOf(await server.client().login(email, WRONG)).code).toBe('UNAUTHENTICATED');
    const locked = await server.client().login(email);
    expect(errorOf(locked).code).toBe('RATE_LIMITED');
    const retryAfter = locked.body.errors![0]!.extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect(locked.setCookies).toEqual([]);
    await sleep(retryAfter * 1000 + 200);
    expect((await server.client().login(email)).body.errors).toBeUndefined();
  });

  it('a successful login clears earlier failures', async () => {
    const email = uniqueEmail();
    await server.client().signUp(email);
    for (let i = 0; i < 2; i += 1) await server.client().login(email, WRONG);
    expect((await server.client().login(email)).body.errors).toBeUndefined();
    for (let i = 0; i < 3; i += 1) expect(errorOf(await server.client().login(email, WRONG)).code).toBe('UNAUTHENTICATED');
  });

  it('does not lose attempts under parallel requests: of 20 at once, at most 3 are checked', async () => {
    const email = uniqueEmail();
    await server.client().signUp(email);
    const results = await Promise.all(Array.from({ length: 20 }, () => server.client().login(email, WRONG)));
    const codes = results.map((result) => errorOf(result).code);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(3);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(17);
    expect(results.every((result) => result.status < 500)).toBe(true);
  });

  it('other accounts are not affected', async () => {
    const victim = uniqueEmail();
    const other = uniqueEmail();
    await server.client().signUp(victim);
    await server.client().signUp(other);
    for (let i = 0; i < 4; i += 1) await server.client().login(victim, WRONG);
    expect((await server.client().login(other)).body.errors).toBeUndefined();
  });
});

describe('per-address attempts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_PER_IP: '5', LOGIN_WINDOW: '1m' });
  });
  afterAll(() => server?.stop());

  it('refuses an address after LOGIN_MAX_PER_IP attempts across any accounts', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 7; i += 1) codes.push(errorOf(await server.client().login(uniqueEmail(), WRONG)).code);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    expect(codes.slice(5)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    // Sign-up costs a hash too, so it counts toward (and is refused by) the same limit.
    const signUp = await server.client().request('mutation { signUp(email: "late@example.com", password: "correct horse battery staple") { accessToken } }');
    expect(errorOf(signUp).code).toBe('RATE_LIMITED');
  });
});
