import { AuthClient, AuthError, type User } from '../../client';

/** The /demo page: the client module driving a small UI (sign up / log in, me, sessions, log out). */
const client = new AuthClient({ url: '/graphql' });
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

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
$('login').onclick = () => guarded(async () => show(JSON.stringify(await client.login(...credentials()), null, 2)));
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
