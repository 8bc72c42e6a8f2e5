import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloServerPlugin } from '@apollo/server';

/** What Sandbox opens with: the whole sign-up → me → refresh flow, ready to run. */
export const SANDBOX_DOCUMENT = `# 1. Run SignUp (or LogIn). The refresh token arrives as an httpOnly cookie.
# 2. Copy accessToken into the Headers tab as:  Authorization: Bearer <accessToken>
# 3. Run Me and MySessions. When the access token expires, run Refresh.
mutation SignUp($email: String!, $password: String!) {
  signUp(email: $email, password: $password) { accessToken expiresIn user { id email roles } }
}

mutation LogIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken expiresIn user { id email roles } }
}

query Me {
  me { id email roles createdAt }
}

query MySessions {
  sessions { id createdAt lastUsedAt expiresAt userAgent current }
}

mutation Refresh {
  refresh { accessToken expiresIn }
}

mutation LogOut {
  logout
}
`;

/** Apollo's own offline message, replaced by what a developer can do without Sandbox. */
const APOLLO_FALLBACK = /<h1>Welcome to Apollo Server<\/h1>\s*<p>Apollo Sandbox cannot be loaded; it appears that you might be offline.<\/p>/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The landing page's fallback: curl examples and the demo link, shown when Sandbox cannot load from Apollo's CDN. */
export function offlineHelp(url: string, demo: boolean): string {
  const curl = (query: string, extra = '') =>
    escapeHtml(`curl -s ${url} -H 'content-type: application/json'${extra} \\\n  -d '${JSON.stringify({ query })}'`);
  // Sandbox's container covers the page; while it is empty (the script never loaded) it would
  // swallow every click on this help.
  return `<style nonce="NONCE">#embeddableSandbox:empty { display: none; }</style>
  <h1>GraphQL auth API</h1>
  <p>Apollo Sandbox could not be loaded (it comes from Apollo's CDN; this browser seems to be offline). The API works without it.</p>
  ${demo ? '<p>Try the browser client at <a href="/demo">/demo</a>: sign up, log in, sessions, log out.</p>' : ''}
  <p>Or from a terminal (the refresh cookie is kept in <code>jar.txt</code>):</p>
  <pre>${curl('mutation { signUp(email: "ada@example.com", password: "correct horse battery staple") { accessToken } }', ' -c jar.txt')}</pre>
  <pre>${curl('{ me { id email roles } }', " -H 'authorization: Bearer ACCESS_TOKEN'")}</pre>
  <pre>${curl('mutation { refresh { accessToken } }', ' -b jar.txt -c jar.txt')}</pre>
  <p>More in the README, "Try it with curl".</p>`;
}

export interface SandboxOptions {
  enabled: boolean;
  /** The endpoint's URL, for the offline help's curl examples. */
  url: string;
  /** Whether /demo is served. */
  demo: boolean;
  /** Schema modules' operations, appended to the initial document. */
  moduleDocuments?: readonly string[];
}

/**
 * Apollo Sandbox embedded at /graphql, with cookies included so the refresh-cookie flow works
 * from it, opened on the product's flows and each schema module's. When the browser cannot reach
 * Apollo's CDN, the page still says what to do. Disabled entirely when not enabled (production
 * default).
 */
export function sandboxPlugin(options: SandboxOptions): ApolloServerPlugin {
  if (!options.enabled) return ApolloServerPluginLandingPageDisabled();
  const sandbox = ApolloServerPluginLandingPageLocalDefault({
    embed: true,
    includeCookies: true,
    footer: false,
    document: [SANDBOX_DOCUMENT, ...(options.moduleDocuments ?? [])].join(''),
    variables: { email: 'ada@example.com', password: 'correct horse battery staple' },
  });
  const help = offlineHelp(options.url, options.demo);
  return {
    async serverWillStart(context) {
      const listener = await sandbox.serverWillStart!(context);
      return {
        ...listener,
        async renderLandingPage() {
          const page = await listener!.renderLandingPage!();
          const html = typeof page.html === 'string' ? page.html : await page.html();
          // The page's Content-Security-Policy admits only styles carrying its nonce.
          const nonce = /<style nonce=([\w-]+)>/.exec(html)?.[1] ?? '';
          return { html: html.replace(APOLLO_FALLBACK, help.replace('NONCE', nonce)) };
        },
      };
    },
  };
}
