import { errorOf, TestClient } from '../support/client';
import { decodePart } from '../support/jwt-forge';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';
import { eventually, sleep } from '../support/time';
import { totpNow } from '../support/totp';

const PASSWORD = 'correct horse battery staple';
const START = 'mutation { startTotpEnrollment { secret otpauthUri qrSvg } }';
const CONFIRM = 'mutation($c: String!) { confirmTotpEnrollment(code: $c) }';
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { mfaEnabled } } }';
const VERIFY_MFA = 'mutation($t: String!, $c: String!) { verifyMfa(ticket: $t, code: $c) { accessToken user { email mfaEnabled } } }';
const REAUTH = 'mutation($p: String, $c: String) { reauthenticate(password: $p, code: $c) { accessToken } }';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ REAUTH_MAX_AGE: '3s', LOGIN_MAX_FAILURES: '3' });
});
afterAll(() => server?.stop());

/**
 * TOTP codes are single-use per 30-second step: a test that needs two different valid codes
 * waits for the next step (or uses the next step's code, accepted within the ±1 window).
 */
async function enrolled(on: TestServer = server): Promise<{ email: string; client: TestClient; secret: string; recoveryCodes: string[] }> {
  const email = uniqueEmail('mfa');
  const client = on.client();
  await client.signUp(email, PASSWORD);
  const { startTotpEnrollment } = await client.data(START);
  const { confirmTotpEnrollment } = await client.data(CONFIRM, { c: totpNow(startTotpEnrollment.secret) });
  return { email, client, secret: startTotpEnrollment.secret, recoveryCodes: confirmTotpEnrollment };
}

/** A password login that answers MFA_REQUIRED: the ticket. */
async function ticketFor(email: string, on: TestServer = server): Promise<string> {
  const response = await on.client().request(LOGIN, { e: email, p: PASSWORD });
  expect(errorOf(response).code).toBe('MFA_REQUIRED');
  return response.body.errors![0]!.extensions!.mfaTicket as string;
}

describe('TOTP enrolment', () => {
  it('hands out a base32 secret, its otpauth URI and a QR code; the first right code turns it on and returns 10 recovery codes', async () => {
    const email = uniqueEmail();
    const client = server.client();
    await client.signUp(email, PASSWORD);
    const other = server.client();
    await other.login(email, PASSWORD);
    const { startTotpEnrollment: enrollment } = await client.data(START);
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(new URL(enrollment.otpauthUri).searchParams.get('secret')).toBe(enrollment.secret);
    expect(enrollment.qrSvg).toMatch(/^<svg/);
    expect((await client.data('{ me { mfaEnabled } }')).me.mfaEnabled).toBe(false); // nothing changed yet

    expect(errorOf(await client.request(CONFIRM, { c: '000000' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/not correct/) });
    const { confirmTotpEnrollment: codes } = await client.data(CONFIRM, { c: totpNow(enrollment.secret) });
    expect(codes).toHaveLength(10);
    expect((await client.data('{ me { mfaEnabled } }')).me.mfaEnabled).toBe(true);
    // A factor change is a credential change: the other session ends, this one goes on.
    await eventually(async () => errorOf(await other.request('{ me { id } }')).code === 'UNAUTHENTICATED');
    expect(errorOf(await other.refresh()).code).toBe('UNAUTHENTICATED');
    expect((await client.refresh()).body.errors).toBeUndefined();

    const { models } = await server.db();
    const state = (await models.AccountRevision.findOne({ userId: decodePart(client.accessToken!, 1).sub }).sort({ rev: -1 }).lean())!;
    expect(state.totp!.secret).toMatch(/^v1\./);
    expect(JSON.stringify(state)).not.toContain(enrollment.secret);
    expect(JSON.stringify(state)).not.toContain(codes[0]!);
  });

  it('startTotpEnrollment needs a fresh sign-in: STEP_UP_REQUIRED with maxAge, then reauthenticate and retry', async () => {
    const client = server.client();
    await client.signUp(uniqueEmail(), PASSWORD);
    await sleep(3_200);
    const stale = await client.request(START);
    expect(stale.body.errors![0]!.extensions).toEqual({ code: 'STEP_UP_REQUIRED', maxAge: 3, mfa: false });
    expect(errorOf(await client.request(REAUTH, { p: 'not my password at all' }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    const { reauthenticate } = await client.data(REAUTH, { p: PASSWORD });
    client.accessToken = reauthenticate.accessToken;
    expect(decodePart(reauthenticate.accessToken, 1).auth_time).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1_000) - 1);
    expect((await client.data(START)).startTotpEnrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    // Re-authentication starts no session.
    expect((await client.data('{ sessions { id } }')).sessions).toHaveLength(1);
  });
});

describe('a password login with TOTP on', () => {
  it('answers MFA_REQUIRED with a ticket and the methods; verifyMfa with a code starts the session with amr mfa', async () => {
    const { email, secret } = await enrolled();
    const response = await server.client().request(LOGIN, { e: email, p: PASSWORD });
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'MFA_REQUIRED', mfaTicket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), methods: ['totp', 'recovery_code'] });
    expect(response.setCookies).toEqual([]);
    const client = server.client();
    // The enrolment used this step's code: the next step's is still within the window.
    const verified = await client.request(VERIFY_MFA, { t: response.body.errors![0]!.extensions!.mfaTicket, c: totpNow(secret, 1) });
    expect(verified.body.errors).toBeUndefined();
    expect(verified.setCookies).toEqual([expect.stringMatching(/^__Host-rt=/), expect.stringMatching(/^__Host-did=/)]);
    client.storeCookies(verified.setCookies);
    client.accessToken = (verified.body.data as { verifyMfa: { accessToken: string } }).verifyMfa.accessToken;
    expect(decodePart(client.accessToken, 1).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(JSON.parse((await client.data('{ exportMyNotes }')).exportMyNotes)).toEqual([]);
    expect(decodePart((await client.refresh()).body.data!.refresh.accessToken, 1).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('a code works once: the same code again, even with a new ticket, is refused (replay)', async () => {
    const { email, secret } = await enrolled();
    const code = totpNow(secret, 1);
    expect((await server.client().request(VERIFY_MFA, { t: await ticketFor(email), c: code })).body.errors).toBeUndefined();
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: await ticketFor(email), c: code }))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
  });

  it('recovery codes: each works once, in any case and spacing', async () => {
    const { email, recoveryCodes } = await enrolled();
    const typed = ` ${recoveryCodes[3]!.toUpperCase()} `;
    expect((await server.client().request(VERIFY_MFA, { t: await ticketFor(email), c: typed })).body.errors).toBeUndefined();
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: await ticketFor(email), c: recoveryCodes[3]! })).reason).toBe('INVALID_CREDENTIALS');
    expect((await server.client().request(VERIFY_MFA, { t: await ticketFor(email), c: recoveryCodes[4]! })).body.errors).toBeUndefined();
  });

  it('ticket misuse: used, another user\'s code, unknown, expired, or after a password change', async () => {
    const alice = await enrolled();
    const bob = await enrolled();
    const ticket = await ticketFor(alice.email);
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: ticket, c: totpNow(bob.secret, 1) })).reason).toBe('INVALID_CREDENTIALS');
    expect((await server.client().request(VERIFY_MFA, { t: ticket, c: alice.recoveryCodes[0]! })).body.errors).toBeUndefined();
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: ticket, c: alice.recoveryCodes[1]! })).reason).toBe('MFA_TICKET_INVALID');
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: 'x'.repeat(43), c: alice.recoveryCodes[1]! })).reason).toBe('MFA_TICKET_INVALID');
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: 'not a ticket', c: '123456' })).reason).toBe('MFA_TICKET_INVALID');

    const expiring = await ticketFor(alice.email);
    const { models } = await server.db();
    await models.MfaTicket.updateMany({}, { $set: { expiresAt: new Date(Date.now() - 1_000) } }); // five minutes pass
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: expiring, c: alice.recoveryCodes[1]! })).reason).toBe('MFA_TICKET_INVALID');

    const beforeChange = await ticketFor(bob.email);
    await bob.client.data('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }', { c: PASSWORD, n: 'a changed passphrase, long enough' });
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: beforeChange, c: bob.recoveryCodes[0]! })).reason).toBe('MFA_TICKET_INVALID');
  });

  it('wrong codes count like wrong passwords (LOGIN_MAX_FAILURES=3 here)', async () => {
    const { email, recoveryCodes } = await enrolled();
    const ticket = await ticketFor(email);
    for (let i = 0; i < 3; i += 1) expect(errorOf(await server.client().request(VERIFY_MFA, { t: ticket, c: '000000' })).reason).toBe('INVALID_CREDENTIALS');
    expect(errorOf(await server.client().request(VERIFY_MFA, { t: ticket, c: recoveryCodes[0]! })).code).toBe('RATE_LIMITED');
  });
});

describe('step-up', () => {
  it('@auth(mfa: true) needs two factors in this session: reauthenticate with a code adds mfa, without a new session', async () => {
    const { email, secret } = await enrolled();
    const client = server.client();
    expect((await client.request(VERIFY_MFA, { t: await ticketFor(email), c: totpNow(secret, 1) })).body.errors).toBeUndefined();
    const password = server.client();
    // A session that only ever proved the password (a passwordless-MFA account cannot make one, so: a fresh account).
    await password.signUp(uniqueEmail(), PASSWORD);
    expect((await password.request('{ exportMyNotes }')).body.errors![0]!.extensions).toEqual({ code: 'STEP_UP_REQUIRED', maxAge: null, mfa: true });
    expect(errorOf(await password.request(REAUTH, { c: '123456' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/no second factor/) });

    const session = server.client();
    await session.signUp(uniqueEmail(), PASSWORD);
    const { startTotpEnrollment } = await session.data(START);
    await session.data(CONFIRM, { c: totpNow(startTotpEnrollment.secret) });
    // Enrolling proved a code: this session now holds mfa already; a stale one must step up again.
    await sleep(3_200);
    expect((await session.request('mutation { disableTotp }')).body.errors![0]!.extensions).toMatchObject({ code: 'STEP_UP_REQUIRED', maxAge: 3 });
    const { reauthenticate } = await session.data(REAUTH, { c: totpNow(startTotpEnrollment.secret, 1) });
    session.accessToken = reauthenticate.accessToken;
    expect(decodePart(session.accessToken!, 1).amr).toEqual(['otp', 'mfa']);
    expect(JSON.parse((await session.data('{ exportMyNotes }')).exportMyNotes)).toEqual([]);
    expect((await session.data('{ sessions { id } }')).sessions).toHaveLength(1);
  });

  it('disableTotp turns it off (other sessions end); logins need only the password again', async () => {
    const { email, client, recoveryCodes } = await enrolled();
    const other = server.client();
    const verified = await other.request(VERIFY_MFA, { t: await ticketFor(email), c: recoveryCodes[0]! });
    other.accessToken = (verified.body.data as { verifyMfa: { accessToken: string } }).verifyMfa.accessToken;
    expect(await client.data('mutation { disableTotp }')).toEqual({ disableTotp: true });
    await eventually(async () => errorOf(await other.request('{ me { id } }')).code === 'UNAUTHENTICATED');
    expect((await client.data('{ me { mfaEnabled } }')).me.mfaEnabled).toBe(false);
    const login = await server.client().request(LOGIN, { e: email, p: PASSWORD });
    expect(login.body.errors).toBeUndefined();
    expect(await client.data('mutation { disableTotp }')).toEqual({ disableTotp: false });
  });
});

describe('passkeys over HTTP (the browser ceremony has its own test in test/e2e)', () => {
  it('login options: a single-use challenge, user verification required, no account named', async () => {
    const { passkeyLoginOptions: options } = await server.client().data('mutation { passkeyLoginOptions }');
    expect(options).toMatchObject({ challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), rpId: 'localhost', userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);
    const { models } = await server.db();
    expect(await models.WebAuthnChallenge.countDocuments({ _id: options.challenge, purpose: 'authentication' })).toBe(1);
  });

  it('registration options need a fresh sign-in and exclude nothing for a new account; they name the account and require a discoverable credential', async () => {
    const client = server.client();
    const email = uniqueEmail();
    await client.signUp(email, PASSWORD);
    const { passkeyRegistrationOptions: options } = await client.data('mutation { passkeyRegistrationOptions }');
    expect(options).toMatchObject({ rp: { id: 'localhost' }, user: { name: email }, authenticatorSelection: { residentKey: 'required', userVerification: 'required' }, excludeCredentials: [] });
    await sleep(3_200);
    expect(errorOf(await client.request('mutation { passkeyRegistrationOptions }')).code).toBe('STEP_UP_REQUIRED');
  });

  it('malformed responses: BAD_USER_INPUT to register, UNAUTHENTICATED to log in; never a 5xx', async () => {
    const client = server.client();
    await client.signUp(uniqueEmail(), PASSWORD);
    for (const response of [{}, { id: 'x', response: { clientDataJSON: 'bm90IGpzb24' } }, 'a string', [1, 2]]) {
      const registered = await client.request('mutation($r: JSON!) { registerPasskey(response: $r) { id } }', { r: response });
      expect(errorOf(registered).code).toBe('BAD_USER_INPUT');
      const login = await server.client().request('mutation($r: JSON!) { loginWithPasskey(response: $r) { accessToken } }', { r: response });
      expect(errorOf(login)).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(login.status).toBeLessThan(500);
    }
    expect(await client.data('mutation { deletePasskey(id: "unknown") }')).toEqual({ deletePasskey: false });
    expect(await client.data('{ passkeys { id } }')).toEqual({ passkeys: [] });
  });
});
