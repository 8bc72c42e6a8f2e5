import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { AuthClient, AuthError, type StepUpProof, type StepUpRequirement, type User } from '../../client';

/** The /demo page: the client module driving a small UI (sign up / log in, me, sessions, log out). */
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** STEP_UP_REQUIRED: ask on the page (password, or a code when two factors are needed); the client retries. */
function askToStepUp(requirement: StepUpRequirement): Promise<StepUpProof | null> {
  $('step-up').hidden = false;
  $('step-up-why').textContent = requirement.mfa ? 'This needs two factors: enter a code from your app.' : `This needs a sign-in within the last ${requirement.maxAge ?? 0} seconds.`;
  return new Promise((resolve) => {
    $('step-up-submit').onclick = () => {
      const password = $<HTMLInputElement>('step-up-password').value;
      const code = $<HTMLInputElement>('step-up-code').value;
      $('step-up').hidden = true;
      resolve({ ...(password ? { password } : {}), ...(code ? { code } : {}) });
    };
    $('step-up-cancel').onclick = () => {
      $('step-up').hidden = true;
      resolve(null);
    };
  });
}

const client = new AuthClient({ url: '/graphql', onStepUp: askToStepUp });

function show(text: string): void {
  $('output').textContent = text;
}

function render(user: User | null, loading: boolean): void {
  $('status').textContent = loading ? 'Checking your session…' : user ? `Signed in as ${user.email} (${user.roles.join(', ')})` : 'Signed out';
  $('signed-out').hidden = loading || user !== null;
  $('signed-in').hidden = loading || user === null;
}

async function guarded(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    show(error instanceof AuthError ? `${error.code}: ${error.message}` : String(error));
  }
}

async function loadSessions(): Promise<void> {
  const result = await client.request<{ sessions: { id: string; createdAt: string; lastUsedAt: string; userAgent: string | null; current: boolean }[] }>(
    '{ sessions { id createdAt lastUsedAt userAgent current } }',
  );
  const list = $('sessions');
  list.replaceChildren();
  for (const session of result.data?.sessions ?? []) {
    const item = document.createElement('li');
    item.textContent = `${session.current ? '★ this device' : session.userAgent?.slice(0, 40) ?? 'unknown'} — last used ${new Date(session.lastUsedAt).toLocaleString()} `;
    if (!session.current) {
      const button = document.createElement('button');
      button.textContent = 'Revoke';
      button.dataset.session = session.id;
      button.onclick = () => guarded(async () => {
        await client.request('mutation($id: ID!) { revokeSession(id: $id) }', { id: session.id });
        await loadSessions();
      });
      item.append(button);
    }
    list.append(item);
  }
  if (result.errors) show(JSON.stringify(result.errors, null, 2));
}

client.subscribe((state) => render(state.user, state.loading));

const credentials = () => [$<HTMLInputElement>('email').value, $<HTMLInputElement>('password').value] as const;
$('signup').onclick = () => guarded(async () => show(JSON.stringify(await client.signUp(...credentials()), null, 2)));
$('login').onclick = () =>
  guarded(async () => {
    try {
      show(JSON.stringify(await client.login(...credentials()), null, 2));
    } catch (error) {
      if (!(error instanceof AuthError) || error.code !== 'MFA_REQUIRED') throw error;
      // The password was right: one more step, with the ticket it returned.
      $('mfa').hidden = false;
      show('Enter a code from your authenticator app (or a recovery code).');
      $('mfa-submit').onclick = () =>
        guarded(async () => {
          const user = await client.verifyMfa(error.mfaTicket!, $<HTMLInputElement>('mfa-code').value);
          $('mfa').hidden = true;
          show(JSON.stringify(user, null, 2));
        });
    }
  });
$('passkey-login').onclick = () =>
  guarded(async () => {
    const options = (await client.passkeyLoginOptions()) as Parameters<typeof startAuthentication>[0]['optionsJSON'];
    show(JSON.stringify(await client.loginWithPasskey(await startAuthentication({ optionsJSON: options })), null, 2));
  });
$('totp-start').onclick = () =>
  guarded(async () => {
    const result = await client.request<{ startTotpEnrollment: { secret: string; qrSvg: string } }>('mutation { startTotpEnrollment { secret qrSvg } }');
    if (!result.data) return show(JSON.stringify(result.errors, null, 2));
    $('totp').hidden = false;
    $('totp-qr').innerHTML = result.data.startTotpEnrollment.qrSvg; // an SVG the server made from the otpauth URI
    $('totp-secret').textContent = result.data.startTotpEnrollment.secret;
  });
$('totp-confirm').onclick = () =>
  guarded(async () => {
    const result = await client.request<{ confirmTotpEnrollment: string[] }>('mutation($c: String!) { confirmTotpEnrollment(code: $c) }', { c: $<HTMLInputElement>('totp-code').value });
    if (!result.data) return show(JSON.stringify(result.errors, null, 2));
    $('recovery-codes').hidden = false;
    $('recovery-codes').textContent = `Two-factor is on. Recovery codes (each works once; shown only now):\n${result.data.confirmTotpEnrollment.join('\n')}`;
  });
$('passkey-add').onclick = () =>
  guarded(async () => {
    const options = await client.request<{ passkeyRegistrationOptions: Parameters<typeof startRegistration>[0]['optionsJSON'] }>('mutation { passkeyRegistrationOptions }');
    if (!options.data) return show(JSON.stringify(options.errors, null, 2));
    const response = await startRegistration({ optionsJSON: options.data.passkeyRegistrationOptions });
    const result = await client.request<{ registerPasskey: { id: string } }>('mutation($r: JSON!) { registerPasskey(response: $r, name: "This browser") { id name } }', { r: response });
    show(result.data ? `Passkey added: ${result.data.registerPasskey.id}` : JSON.stringify(result.errors, null, 2));
  });
$('load-passkeys').onclick = () =>
  guarded(async () => {
    const result = await client.request<{ passkeys: { id: string; name: string | null; lastUsedAt: string | null }[] }>('{ passkeys { id name lastUsedAt } }');
    const list = $('passkeys');
    list.replaceChildren();
    for (const passkey of result.data?.passkeys ?? []) {
      const item = document.createElement('li');
      item.textContent = `${passkey.name ?? 'passkey'} — last used ${passkey.lastUsedAt ? new Date(passkey.lastUsedAt).toLocaleString() : 'never'} `;
      item.dataset.passkey = passkey.id;
      list.append(item);
    }
  });
$('me').onclick = () => guarded(async () => show(JSON.stringify(await client.request('{ me { id email roles createdAt } }'), null, 2)));
$('load-sessions').onclick = () => guarded(loadSessions);
$('logout').onclick = () => guarded(async () => {
  await client.logout();
  show('Logged out.');
});
$('logout-all').onclick = () => guarded(async () => show(`Ended ${await client.logoutAll()} session(s).`));

$('forgot').onclick = () => guarded(async () => {
  const email = $<HTMLInputElement>('email').value;
  await client.request('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
  show(`If an account has the address ${email}, a reset link is on its way (development: see /dev/mail).`);
});
$('verify').onclick = () => guarded(async () => {
  const result = await client.request('mutation { requestEmailVerification }');
  show(result.errors ? JSON.stringify(result.errors, null, 2) : 'A verification link is on its way (development: see /dev/mail).');
});

/** The pages messages link to: /verify-email?token=… and /reset-password?token=…. */
async function followLink(): Promise<void> {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  if (location.pathname === '/verify-email') {
    const result = await client.request<{ verifyEmail: boolean }>('mutation($t: String!) { verifyEmail(token: $t) }', { t: token });
    show(result.data?.verifyEmail ? 'Your email address is verified.' : `${result.errors?.[0]?.message ?? 'Verification failed.'}`);
  }
  if (location.pathname === '/reset-password') {
    $('reset').hidden = false;
    $('reset-submit').onclick = () => guarded(async () => {
      const result = await client.request<{ resetPassword: boolean }>('mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }', {
        t: token,
        p: $<HTMLInputElement>('new-password').value,
      });
      if (result.data?.resetPassword) {
        $('reset').hidden = true;
        show('Your password was changed and every session ended. Log in with the new password.');
      } else show(result.errors?.[0]?.message ?? 'The reset failed.');
    });
  }
}

(window as unknown as { authClient: AuthClient }).authClient = client;
void client.restore().then(followLink);
