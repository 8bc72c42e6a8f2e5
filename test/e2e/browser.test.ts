import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../support/process';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';

/**
 * The browser client and the demo page in a real Chromium (Debian's, installed by .ci/run).
 * The server is reached as http://localhost, a secure context, so Chromium stores the Secure,
 * __Host- refresh cookie just as it would over https.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const PASSWORD = 'correct horse battery staple';
const describeInBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) process.stderr.write(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);

let server: TestServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  // Development without SMTP_URL: the server's own mail catcher, read at /dev/mail as a developer would.
  server = await startTestServer({ NODE_ENV: 'development', ACCESS_TOKEN_TTL: '2s', LOG_LEVEL: 'silent', SMTP_URL: '' }, { host: 'localhost' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});
beforeEach(async () => {
  if (browser) context = await browser.newContext();
});
afterEach(async () => {
  await context?.close();
});

const demo = () => server.url.replace('/graphql', '/demo');

async function openDemo(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(demo());
  await page.waitForFunction(() => !document.getElementById('status')!.textContent!.startsWith('Checking'));
  return page;
}

async function signUpThroughUi(page: Page, email = uniqueEmail('browser')): Promise<string> {
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('#signup');
  await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Signed in'));
  return email;
}

const status = (page: Page) => page.textContent('#status');
const me = (page: Page) =>
  page.evaluate(() => (window as unknown as { authClient: { request: (q: string) => Promise<unknown> } }).authClient.request('{ me { email } }')) as Promise<{
    data?: { me: { email: string } | null };
    errors?: { extensions: { code: string; reason?: string } }[];
  }>;

describeInBrowser('in Chromium', () => {
  it('signs up; the refresh cookie is httpOnly and invisible to scripts; no token in web storage', async () => {
    const page = await openDemo();
    expect(await status(page)).toBe('Signed out');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-signed-out.png') });
    const email = await signUpThroughUi(page);
    expect(await status(page)).toContain(email);

    const cookies = await context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: '__Host-rt', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' }),
      expect.objectContaining({ name: '__Host-did', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' }),
    ]);
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/__Host-(rt|did)/);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(storage).toBe('{}{}');
    expect(storage).not.toContain('eyJ');

    await page.click('#load-sessions');
    await page.waitForSelector('#sessions li');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-signed-in.png'), fullPage: true });
  });

  it('a reload signs in again silently, from the cookie', async () => {
    const page = await openDemo();
    const email = await signUpThroughUi(page);
    await page.reload();
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Signed in'));
    expect(await status(page)).toContain(email);
  });

  it('an access token that expires mid-use is refreshed transparently', async () => {
    const page = await openDemo();
    const email = await signUpThroughUi(page);
    const refreshes: string[] = [];
    page.on('request', (request) => {
      if (request.postData()?.includes('refresh')) refreshes.push(request.url());
    });
    await page.waitForTimeout(2_500); // ACCESS_TOKEN_TTL is 2 s here
    await page.click('#me');
    // The sign-up already showed the email: wait for the answer to `me` itself.
    await page.waitForFunction((address) => {
      const text = document.getElementById('output')!.textContent!;
      return text.includes('"me"') && text.includes(address);
    }, email);
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-after-refresh.png') });
  });

  it('two tabs whose tokens expire together both stay signed in, and the family is not revoked', async () => {
    const first = await openDemo();
    const email = await signUpThroughUi(first);
    const second = await openDemo();
    expect(await status(second)).toContain(email);

    for (let round = 0; round < 3; round += 1) {
      await first.waitForTimeout(2_300);
      const [a, b] = await Promise.all([me(first), me(second)]);
      expect(a.data?.me?.email).toBe(email);
      expect(b.data?.me?.email).toBe(email);
    }
    const reuse = await (await server.db()).models.AuditEvent.countDocuments({ type: 'REFRESH_TOKEN_REUSED' });
    expect(reuse).toBe(0);
    expect(await status(second)).toContain(email);
  });

  it('logging out in one tab signs the other out by its next operation', async () => {
    const first = await openDemo();
    await signUpThroughUi(first);
    const second = await openDemo();
    expect(await status(second)).toMatch(/^Signed in/);
    await first.click('#logout');
    await first.waitForFunction(() => document.getElementById('status')!.textContent === 'Signed out');
    const answer = await me(second);
    expect(answer.data?.me ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    await second.waitForFunction(() => document.getElementById('status')!.textContent === 'Signed out');
  });

  it('log out everywhere ends the other browser\'s session too', async () => {
    const page = await openDemo();
    const email = await signUpThroughUi(page);
    const elsewhere = await browser.newContext();
    try {
      const other = await elsewhere.newPage();
      await other.goto(demo());
      await other.fill('#email', email);
      await other.fill('#password', PASSWORD);
      await other.click('#login');
      await other.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Signed in'));
      await page.click('#logout-all');
      await page.waitForFunction(() => document.getElementById('output')!.textContent!.includes('Ended 2 session(s).'));
      await other.waitForTimeout(600);
      const answer = await me(other);
      expect(answer.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      await elsewhere.close();
    }
  });

  it('the Sandbox landing page is served with cookies included (what our server sends; the CDN is unreachable here)', async () => {
    const page = await context.newPage();
    const response = await page.goto(server.url);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-type']).toMatch(/text\/html/);
    const html = await response!.text();
    expect(html).toMatch(/"includeCookies":\s*true/);
    expect(html).toContain('EmbeddedSandbox');
    expect(html).toContain('mutation SignUp');
    // Offline, Sandbox cannot load from Apollo's CDN: the page still says what to do.
    const text = await page.locator('.fallback').innerText();
    expect(text).toContain('Apollo Sandbox could not be loaded');
    expect(text).toContain('curl -s');
    await page.locator('.fallback a[href="/demo"]').click();
    await page.waitForSelector('#status');
    expect(page.url()).toMatch(/\/demo$/);
  });

  it('forgot password: ask on /demo, open the link from /dev/mail, set a new password, log in with it', async () => {
    const page = await openDemo();
    const email = await signUpThroughUi(page);
    await page.click('#logout');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Signed out');

    await page.fill('#email', email);
    await page.click('#forgot');
    await page.waitForFunction(() => document.getElementById('output')!.textContent!.includes('reset link is on its way'));
    // The message is sent after the response: reload the mailbox until it is there, as a developer would.
    const mailbox = await context.newPage();
    const link = mailbox.locator('article', { hasText: 'Reset your' }).locator('a[href*="/reset-password?token="]').first();
    for (let attempt = 0; attempt < 20 && (await link.count()) === 0; attempt += 1) {
      await mailbox.goto(server.url.replace('/graphql', '/dev/mail'));
      if ((await link.count()) === 0) await mailbox.waitForTimeout(200);
    }
    await mailbox.screenshot({ path: join(ARTIFACTS, 'dev-mail.png') });
    await link.click();
    await mailbox.waitForSelector('#reset:not([hidden])');
    await mailbox.fill('#new-password', 'a new passphrase from the browser');
    await mailbox.click('#reset-submit');
    await mailbox.waitForFunction(() => document.getElementById('output')!.textContent!.includes('Your password was changed'));

    const again = await openDemo();
    await again.fill('#email', email);
    await again.fill('#password', PASSWORD);
    await again.click('#login');
    await again.waitForFunction(() => document.getElementById('output')!.textContent!.includes('UNAUTHENTICATED'));
    await again.fill('#password', 'a new passphrase from the browser');
    await again.click('#login');
    await again.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Signed in'));
    expect(await status(again)).toContain(email);
  });

  it('passkeys: register one with a virtual authenticator (CDP WebAuthn), log out, log in with it (two factors in one)', async () => {
    const page = await openDemo();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const email = await signUpThroughUi(page);
    await page.click('#passkey-add');
    await page.waitForFunction(() => document.getElementById('output')!.textContent!.startsWith('Passkey added'));
    await page.click('#logout');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Signed out');

    await page.click('#passkey-login');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Signed in'));
    expect(await status(page)).toContain(email);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-passkey.png') });
    const exported = await page.evaluate(() => (window as unknown as { authClient: { request: (q: string) => Promise<{ data?: { exportMyNotes: string }; errors?: unknown }> } }).authClient.request('{ exportMyNotes passkeys { name lastUsedAt } }'));
    expect(exported.errors).toBeUndefined(); // exportMyNotes needs two factors: the passkey was both
    expect(exported.data).toMatchObject({ exportMyNotes: '[]', passkeys: [{ name: 'This browser', lastUsedAt: expect.any(String) }] });

    // Removed, it signs nobody in (the account's state no longer lists it).
    const removed = await page.evaluate(async () => {
      const client = (window as unknown as { authClient: { request: (q: string, v?: unknown) => Promise<{ data?: Record<string, any> }> } }).authClient;
      const { data } = await client.request('{ passkeys { id } }');
      return client.request('mutation($id: ID!) { deletePasskey(id: $id) }', { id: data!.passkeys[0].id });
    });
    expect(removed.data).toEqual({ deletePasskey: true });
    await page.click('#logout');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Signed out');
    await page.click('#passkey-login');
    await page.waitForFunction(() => document.getElementById('output')!.textContent!.includes('UNAUTHENTICATED'));
    expect(await status(page)).toBe('Signed out');
  });
});

describeInBrowser('step-up in Chromium', () => {
  let stepUpServer: TestServer;
  beforeAll(async () => {
    stepUpServer = await startTestServer({ NODE_ENV: 'development', REAUTH_MAX_AGE: '2s', LOG_LEVEL: 'silent' }, { host: 'localhost' });
  });
  afterAll(() => stepUpServer?.stop());

  it('the client asks the app to confirm (the demo shows a form), re-authenticates without a new session, and retries', async () => {
    const page = await context.newPage();
    await page.goto(stepUpServer.url.replace('/graphql', '/demo'));
    await page.waitForFunction(() => !document.getElementById('status')!.textContent!.startsWith('Checking'));
    await signUpThroughUi(page);
    await page.waitForTimeout(2_200);
    await page.click('#totp-start');
    await page.waitForSelector('#step-up:not([hidden])');
    expect(await page.textContent('#step-up-why')).toContain('within the last 2 seconds');
    await page.fill('#step-up-password', PASSWORD);
    await page.click('#step-up-submit');
    await page.waitForSelector('#totp:not([hidden]) svg');
    expect(await page.textContent('#totp-secret')).toMatch(/^[A-Z2-7]{32}$/);
    const sessions = await page.evaluate(() => (window as unknown as { authClient: { request: (q: string) => Promise<{ data: { sessions: unknown[] } }> } }).authClient.request('{ sessions { id } }'));
    expect(sessions.data.sessions).toHaveLength(1);
  });
});
