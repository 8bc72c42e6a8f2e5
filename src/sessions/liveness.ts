import type { AccountState } from '../accounts/account-store';
import type { SessionAuthenticationDoc, SessionDoc } from '../db/models';

export type SessionLiveness =
  | { state: 'active'; session: SessionDoc; authentication: SessionAuthenticationDoc; account: AccountState }
  | { state: 'revoked' | 'expired' | 'superseded' | 'disabled'; session: SessionDoc }
  | { state: 'unknown' };

/**
 * The session model's one rule, as a pure function. A session is alive while:
 * it exists and has not passed its absolute end; no revocation was inserted for it; its account
 * exists and is not disabled; and it holds an authentication for the account's current
 * credential version. A password change, reset, factor change or disabling raises that version,
 * so every session that proved only an older one is dead at once, including a login that
 * verified the old password while the change was being written (it is bound to the version whose
 * hash it checked, never a newer one).
 */
export function liveness(
  session: SessionDoc | null,
  revoked: boolean,
  authentication: SessionAuthenticationDoc | null,
  account: AccountState | null,
  now: number,
): SessionLiveness {
  if (!session) return { state: 'unknown' };
  if (revoked) return { state: 'revoked', session };
  if (session.expiresAt.getTime() <= now) return { state: 'expired', session };
  if (!account) return { state: 'revoked', session };
  if (account.disabled) return { state: 'disabled', session };
  if (!authentication || authentication.credentialVersion !== account.credentialVersion) return { state: 'superseded', session };
  return { state: 'active', session, authentication, account };
}
