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

/**
 * Apollo Sandbox embedded at /graphql, with cookies included so the refresh-cookie flow works
 * from it, opened on the product's flows and each schema module's. Disabled entirely when
 * `enabled` is false (production default).
 */
export function sandboxPlugin(enabled: boolean, moduleDocuments: readonly string[] = []): ApolloServerPlugin {
  if (!enabled) return ApolloServerPluginLandingPageDisabled();
  return ApolloServerPluginLandingPageLocalDefault({
    embed: true,
    includeCookies: true,
    footer: false,
    document: [SANDBOX_DOCUMENT, ...moduleDocuments].join(''),
    variables: { email: 'ada@example.com', password: 'correct horse battery staple' },
  });
}
