import type { Account } from '../accounts/user-directory';
import type { SessionView } from '../sessions/sessions';

/** What resolvers return for `Session`: the session, its last use, and whether it is the caller's own. */
export type SessionModel = SessionView;

export interface AuthPayloadModel {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: Account;
}
