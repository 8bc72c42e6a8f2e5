import { errorOf, TestClient } from '../support/client';
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

  it('does not lose attempts under parallel requests: of 20 at once, at most 3 are checked (within a window)', async () => {
    // A window longer than any wait: with 3 s, failures that left the window would rightly free slots again.
    const long = await startTestServer({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW: '1m' });
    const email = uniqueEmail();
    await long.client().signUp(email);
    const results = await Promise.all(Array.from({ length: 20 }, () => long.client().login(email, WRONG)));
    await long.stop();
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

describe('the owner is never locked out (an attacker guesses from 127.0.0.2 and 127.0.0.3)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_ACCOUNT: '5', LOGIN_MAX_PER_IP: '1000', LOGIN_WINDOW: '1m' });
  });
  afterAll(() => server?.stop());

  const from = (address: string) => new TestClient(server.url, { localAddress: address });
  const PASSWORD = 'correct horse battery staple';

  it('failures count per (account, address): the attacker\'s address is throttled, the owner elsewhere logs in', async () => {
    const email = uniqueEmail('victim');
    await server.client().signUp(email, PASSWORD);
    for (let i = 0; i < 3; i += 1) expect(errorOf(await from('127.0.0.2').login(email, WRONG)).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await from('127.0.0.2').login(email, PASSWORD)).code).toBe('RATE_LIMITED');
    expect((await server.client().login(email, PASSWORD)).body.errors).toBeUndefined();
  });

  it('past the account-wide bound, unknown devices are throttled but the owner\'s known device is not; forged or borrowed device cookies give nothing', async () => {
    const email = uniqueEmail('victim');
    const owner = server.client();
    await owner.signUp(email, PASSWORD); // this browser is now a known device of the account
    expect(owner.cookies.get('__Host-did')).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    for (const address of ['127.0.0.2', '127.0.0.3']) for (let i = 0; i < 3; i += 1) await from(address).login(email, WRONG);

    expect(errorOf(await server.client().login(email, PASSWORD)).code).toBe('RATE_LIMITED'); // a new device: the account-wide limit
    const known = server.client();
    known.cookies.set('__Host-did', owner.cookies.get('__Host-did')!);
    expect((await known.login(email, PASSWORD)).body.errors).toBeUndefined();

    const forged = server.client();
    forged.cookies.set('__Host-did', `${'A'.repeat(22)}.${'B'.repeat(43)}`);
    expect(errorOf(await forged.login(email, PASSWORD)).code).toBe('RATE_LIMITED');
    const attacker = from('127.0.0.2');
    await attacker.signUp(uniqueEmail('attacker'), PASSWORD); // a genuine device cookie, for another account
    expect(errorOf(await attacker.login(email, PASSWORD)).code).toBe('RATE_LIMITED');
  });

  it('a known device has its own failure count: a stolen cookie buys no more than LOGIN_MAX_FAILURES guesses', async () => {
    const email = uniqueEmail('victim');
    const owner = server.client();
    await owner.signUp(email, PASSWORD);
    const thief = from('127.0.0.2');
    thief.cookies.set('__Host-did', owner.cookies.get('__Host-did')!);
    for (let i = 0; i < 3; i += 1) expect(errorOf(await thief.login(email, WRONG)).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await thief.login(email, WRONG)).code).toBe('RATE_LIMITED');
  });

  it('the signed-in owner changes the password and re-authenticates during an attack that throttles the account everywhere', async () => {
    const email = uniqueEmail('victim');
    const owner = server.client();
    await owner.signUp(email, PASSWORD);
    for (const address of ['127.0.0.2', '127.0.0.3']) for (let i = 0; i < 3; i += 1) await from(address).login(email, WRONG);
    expect(errorOf(await server.client().login(email, PASSWORD)).code).toBe('RATE_LIMITED');
    expect((await owner.request('mutation($p: String!) { reauthenticate(password: $p) { accessToken } }', { p: PASSWORD })).body.errors).toBeUndefined();
    const changed = await owner.request('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }', { c: PASSWORD, n: 'a fresh passphrase nobody guessed' });
    expect(changed.body.errors).toBeUndefined();
  });

  it('a correct password is never a failure, however many are in flight: 10 parallel correct logins all succeed', async () => {
    const email = uniqueEmail();
    await server.client().signUp(email, PASSWORD);
    for (let i = 0; i < 2; i += 1) await server.client().login(email, WRONG); // 2 of 3 failures already
    const results = await Promise.all(Array.from({ length: 10 }, () => server.client().login(email, PASSWORD)));
    expect(results.map((result) => errorOf(result).code)).toEqual(Array(10).fill(undefined));
  });

  it('refused attempts count against the address (LOGIN_MAX_PER_IP): hammering a locked pair is not free', async () => {
    const limited = await startTestServer({ LOGIN_MAX_FAILURES: '2', LOGIN_MAX_PER_IP: '6', LOGIN_WINDOW: '1m' });
    try {
      const email = uniqueEmail();
      await limited.client().signUp(email, PASSWORD);
      const attacker = () => new TestClient(limited.url, { localAddress: '127.0.0.4' });
      const codes: unknown[] = [];
      for (let i = 0; i < 6; i += 1) codes.push(errorOf(await attacker().login(email, WRONG)).code);
      expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
      // Six attempts from this address, refused ones included: another account from it is refused too.
      expect(errorOf(await attacker().login(uniqueEmail(), WRONG)).code).toBe('RATE_LIMITED');
      expect((await limited.client().login(email, PASSWORD)).body.errors).toBeUndefined();
    } finally {
      await limited.stop();
    }
  });
});

describe('passwords over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('one password in any Unicode form: signed up precomposed, it logs in decomposed and in full-width letters', async () => {
    const email = uniqueEmail();
    await server.client().signUp(email, 'Café au lait, très chaud');
    for (const form of ['Cafe\u0301 au lait, tre\u0300s chaud', 'Ｃａｆé au lait, très chaud']) {
      expect((await server.client().login(email, form)).body.errors).toBeUndefined();
    }
  });

  it.each([
    ['lone surrogates', '\ud800\udbff\ud801\ud802\ud803\ud804\ud805\ud806\ud807\ud808\ud809\ud80a\ud80b\ud80c\ud80d', 'ILL_FORMED'],
    ['a repeated character', 'aaaaaaaaaaaaaaaa', 'TOO_WEAK'],
    ['a sequence', 'abcdefghijklmnop', 'TOO_WEAK'],
    ['whitespace', '                ', 'INVISIBLE'],
    ['zero-width spaces', '\u200b'.repeat(16), 'INVISIBLE'],
    ['the email address', 'EMAIL', 'CONTAINS_EMAIL'],
  ])('sign-up refuses %s with BAD_USER_INPUT naming the problem', async (_name, password, reason) => {
    const email = uniqueEmail('policy');
    const response = await server.client().request('mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken } }', { e: email, p: password === 'EMAIL' ? `${email}!!` : password });
    expect(errorOf(response)).toMatchObject({ code: 'BAD_USER_INPUT', reason });
  });
});

describe('password hashing under overload (contract: RATE_LIMITED past 32 queued hashes or 2 s of wait)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_PER_IP: '10000' });
  });
  afterAll(() => server?.stop());

  it('a storm of 120 parallel logins: the excess is refused with RATE_LIMITED and retryAfter, never an internal error, and the owner signs in right after', async () => {
    const owner = uniqueEmail('owner');
    await server.client().signUp(owner);
    // Unknown addresses cost a (dummy) hash each, like real ones, and no per-account limit applies.
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => server.client().login(uniqueEmail(`storm-${i}`), WRONG)));
    const codes = answers.map((answer) => errorOf(answer).code);
    const shed = answers.filter((answer) => errorOf(answer).code === 'RATE_LIMITED');
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) expect(answer.body.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(codes.filter((code) => code !== 'RATE_LIMITED' && code !== 'UNAUTHENTICATED')).toEqual([]);
    // Shed attempts were withdrawn, and the pool drains: the owner is not locked out.
    expect((await server.client().login(owner)).body.errors).toBeUndefined();
  });

  it('an owner changes their password during a login storm that keeps the line full: signed-in operations wait ahead of logins', async () => {
    const email = uniqueEmail('besieged');
    const owner = server.client();
    await owner.signUp(email);
    // 60 clients logging in (unknown addresses: a hash each) again as soon as they are answered, for 1.5 s.
    const until = Date.now() + 1_500;
    const codes: (string | undefined)[] = [];
    const storm = Array.from({ length: 60 }, async (_, i) => {
      while (Date.now() < until) codes.push(errorOf(await server.client().login(uniqueEmail(`stormer-${i}`), WRONG)).code as string | undefined);
    });
    await sleep(300);
    const change = await owner.request('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }', {
      c: 'correct horse battery staple',
      n: 'a brand new passphrase for a besieged owner',
    });
    await Promise.all(storm);
    expect(codes.filter((code) => code !== 'RATE_LIMITED' && code !== 'UNAUTHENTICATED')).toEqual([]);
    expect(codes).toContain('RATE_LIMITED'); // the line was full
    expect(change.body.errors).toBeUndefined();
  });
});
