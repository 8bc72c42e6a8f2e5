import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { RouteHandler } from '../../http/server';
import { projectRoot } from '../../lib/project-root';

/** The /demo page (development): the browser client module driving a small UI. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphQL auth demo</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
  h1 { font-size: 1.4rem; } fieldset { border: 1px solid #ccd3dd; border-radius: 8px; margin: 1rem 0; }
  input { padding: .4rem; margin: .2rem; width: 16rem; } button { padding: .4rem .8rem; margin: .2rem; cursor: pointer; }
  #status { font-weight: 600; } pre { background: #f4f6f9; padding: .8rem; border-radius: 6px; overflow: auto; }
</style>
</head>
<body>
<h1>GraphQL auth demo</h1>
<p id="status">Checking your session…</p>
<fieldset id="signed-out" hidden>
  <legend>Sign up or log in</legend>
  <input id="email" type="email" placeholder="email" autocomplete="username">
  <input id="password" type="password" placeholder="password (15+ characters)" autocomplete="current-password">
  <br><button id="signup">Sign up</button><button id="login">Log in</button><button id="forgot">Forgot password?</button>
  <button id="passkey-login">Log in with a passkey</button>
</fieldset>
<fieldset id="mfa" hidden>
  <legend>Second factor</legend>
  <input id="mfa-code" inputmode="numeric" autocomplete="one-time-code" placeholder="6-digit code or a recovery code">
  <button id="mfa-submit">Continue</button>
</fieldset>
<fieldset id="signed-in" hidden>
  <legend>Signed in</legend>
  <button id="me">Who am I?</button><button id="load-sessions">My sessions</button><button id="verify">Verify my email</button>
  <button id="logout">Log out</button><button id="logout-all">Log out everywhere</button>
  <br><button id="totp-start">Set up two-factor (TOTP)</button><button id="passkey-add">Add a passkey</button><button id="load-passkeys">My passkeys</button>
  <ul id="sessions"></ul>
  <ul id="passkeys"></ul>
</fieldset>
<fieldset id="totp" hidden>
  <legend>Scan with your authenticator app</legend>
  <div id="totp-qr"></div>
  <p>Or type the secret: <code id="totp-secret"></code></p>
  <input id="totp-code" inputmode="numeric" autocomplete="one-time-code" placeholder="the 6-digit code it shows">
  <button id="totp-confirm">Turn on two-factor</button>
  <pre id="recovery-codes" hidden></pre>
</fieldset>
<fieldset id="step-up" hidden>
  <legend>Confirm it is you</legend>
  <p id="step-up-why"></p>
  <input id="step-up-password" type="password" placeholder="password" autocomplete="current-password">
  <input id="step-up-code" inputmode="numeric" placeholder="or a code from your app">
  <button id="step-up-submit">Confirm</button><button id="step-up-cancel">Cancel</button>
</fieldset>
<fieldset id="reset" hidden>
  <legend>Choose a new password</legend>
  <input id="new-password" type="password" placeholder="new password (15+ characters)" autocomplete="new-password">
  <button id="reset-submit">Set the new password</button>
</fieldset>
<p id="mail-hint">Messages (verification, password reset) go to the mail server; in development, read them at <a href="/dev/mail">/dev/mail</a>.</p>
<pre id="output"></pre>
<script type="module" src="/demo/client.js"></script>
</body>
</html>`;

/**
 * The demo's routes, with the esbuild bundle of ./app.ts (from the source tree, also when running
 * compiled) built once on first request. esbuild is
 * a development dependency, loaded only here; `stop` ends its service process with the server.
 */
export function demoRoutes(): { routes: RouteHandler; stop: () => Promise<void> } {
  let bundle: Promise<string> | undefined;
  let esbuild: typeof import('esbuild') | undefined;
  const clientBundle = () =>
    (bundle ??= import('esbuild')
      .then((loaded) => {
        esbuild = loaded;
        return loaded.build({ entryPoints: [join(projectRoot(), 'src', 'dev', 'demo', 'app.ts')], bundle: true, format: 'esm', target: 'es2020', write: false, minify: true });
      })
      .then((result) => result.outputFiles[0]!.text));

  const send = (res: ServerResponse, type: string, body: string) => {
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
    res.end(body);
  };
  const routes: RouteHandler = async (path, _req, res) => {
    // The pages messages link to (APP_URL/verify-email, APP_URL/reset-password) are the demo too.
    if (path === '/demo' || path === '/demo/' || path === '/verify-email' || path === '/reset-password') send(res, 'text/html', PAGE);
    else if (path === '/demo/client.js') send(res, 'text/javascript', await clientBundle());
    else return false;
    return true;
  };
  return { routes, stop: async () => esbuild?.stop() };
}
