import type { AuditLog, ClientInfo } from '../audit/audit-log';
import type { Models } from '../db/models';
import { badUserInput } from '../errors';
import type { Caller, Sessions } from '../sessions/sessions';
import type { AccountStore } from './account-store';
import type { AccountTokens } from './account-tokens';
import type { Role, RoleCatalog } from './roles';
import { isObjectIdString, type Account, type UserDirectory } from './user-directory';

/** What other parts of the service keep about an account, erased with it (the example's notes, passkeys). */
export type AccountErasure = (userId: string) => Promise<void>;

export interface AdministrationDeps {
  models: Pick<Models, 'User' | 'Session' | 'SessionAuthentication' | 'RefreshToken' | 'AuditEvent' | 'LoginAttempt' | 'CountedAttempt'>;
  roles: RoleCatalog;
  states: AccountStore;
  users: UserDirectory;
  tokens: AccountTokens;
  sessions: Sessions;
  audit: AuditLog;
  /** Schema modules' and factors' own data about an account. */
  erasures: readonly AccountErasure[];
}

function accountIdOrThrow(userId: string): string {
  if (!isObjectIdString(userId)) throw badUserInput('No account has this id.', 'userId');
  return userId;
}

/**
 * Sets an account's roles: one revision, audited. Shared by the admin mutation and the operator's
 * CLI (which has no session). Returns the account as it is now, or null when there is no such account.
 */
export async function changeRoles(
  deps: { states: AccountStore; users: UserDirectory; audit: AuditLog; roles: RoleCatalog },
  userId: string,
  rolesInput: readonly Role[],
  by: { client: ClientInfo; sessionId?: string; actor: string },
): Promise<Account | null> {
  const roles = deps.roles.normalize(rolesInput);
  if (roles.length === 0) throw badUserInput('An account needs at least one role (USER).', 'roles');
  const changed = await deps.states.change(userId, (current) => (current.roles.join(' ') === roles.join(' ') ? undefined : { set: { roles }, change: 'roles' }));
  if (!changed) return null;
  if (changed.after !== changed.before) {
    await deps.audit.record({ type: 'ROLES_CHANGED', userId, sessionId: by.sessionId ?? null, client: by.client, detail: `${changed.before.roles.join(' ')} -> ${roles.join(' ')} by ${by.actor}` });
  }
  return deps.users.findById(userId, { fresh: true });
}

/**
 * Changes to accounts made by an administrator or by the account's owner: roles, disabling,
 * deletion. Each is one revision (account-store.ts); disabling and deletion raise the credential
 * version, so every session and access token of the account dies at once (strict mode: within the
 * session check's budget on every instance) whatever is in flight.
 */
export class Administration {
  constructor(private readonly deps: AdministrationDeps) {}

  /**
   * Sets an account's roles. Access tokens already issued are narrowed to them within the session
   * check's budget (strict mode) or changed at the next refresh (stateless); sessions go on.
   */
  async setRoles(caller: Caller, userIdInput: string, roles: readonly Role[], client: ClientInfo): Promise<Account> {
    await this.deps.sessions.requireActive(caller);
    const account = await changeRoles(this.deps, accountIdOrThrow(userIdInput), roles, { client, sessionId: caller.sessionId, actor: caller.userId });
    if (!account) throw badUserInput('No account has this id.', 'userId');
    return account;
  }

  /** Disables (every session ends; correct credentials answer ACCOUNT_DISABLED) or re-enables an account. */
  async setDisabled(caller: Caller, userIdInput: string, disabled: boolean, client: ClientInfo): Promise<Account> {
    const { sessions, states, audit } = this.deps;
    await sessions.requireActive(caller);
    const userId = accountIdOrThrow(userIdInput);
    if (disabled && userId === caller.userId) throw badUserInput('You cannot disable your own account; ask another administrator.', 'userId');
    const changed = await states.change(userId, (current) =>
      current.disabled === disabled ? undefined : { set: { disabled }, credentials: disabled, change: disabled ? 'disabled' : 'enabled' },
    );
    if (!changed) throw badUserInput('No account has this id.', 'userId');
    if (changed.after !== changed.before) {
      const ended = disabled ? await sessions.endAllOf(userId, 'ACCOUNT_DISABLED') : 0;
      await audit.record({ type: disabled ? 'ACCOUNT_DISABLED' : 'ACCOUNT_ENABLED', userId, sessionId: caller.sessionId, client, detail: `by ${caller.userId}${disabled ? `; ${ended} sessions ended` : ''}` });
    }
    return this.accountOrThrow(userId);
  }

  /**
   * Deletes the caller's own account: first a revision that disables it under a new credential
   * version (everything of it dies at once), then its sessions, tokens, factors, the modules' data
   * about it, its identity (the address is free again) and its state. Audit events keep only the
   * user id: their addresses, user agents and details are erased.
   */
  async deleteOwn(caller: Caller, client: ClientInfo): Promise<void> {
    const { sessions, states, users, tokens, models, audit, erasures } = this.deps;
    await sessions.requireActive(caller);
    const { userId } = caller;
    const account = await users.findById(userId, { fresh: true });
    await states.change(userId, () => ({ set: { disabled: true }, credentials: true, change: 'deleted' }));
    await sessions.endAllOf(userId, 'ACCOUNT_DELETED');
    for (const erase of erasures) await erase(userId);
    await Promise.all([
      models.SessionAuthentication.deleteMany({ userId }),
      models.RefreshToken.deleteMany({ userId }),
      models.Session.deleteMany({ userId }),
      tokens.deleteAllOf(userId),
    ]);
    if (account) {
      // Attempt counters are keyed by address: they are personal data too.
      const escaped = account.user.email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await Promise.all([
        models.LoginAttempt.deleteMany({ key: { $regex: `^(pair|account):${escaped}([|#]|$)` } }),
        models.CountedAttempt.deleteMany({ key: { $in: [`reset:${account.user.email}`, `verify:${String(userId)}`] } }),
      ]);
    }
    await models.User.deleteOne({ _id: userId });
    await states.deleteAll(userId);
    users.forget(userId);
    await audit.flush();
    await models.AuditEvent.updateMany({ userId }, { $set: { ip: null, userAgent: null, detail: null } });
    if (account) await models.AuditEvent.updateMany({ detail: account.user.email }, { $set: { detail: null, ip: null, userAgent: null } });
    await audit.record({ type: 'ACCOUNT_DELETED', userId, client: { ip: null, userAgent: null } });
  }

  private async accountOrThrow(userId: string): Promise<Account> {
    const account = await this.deps.users.findById(userId, { fresh: true });
    if (!account) throw badUserInput('No account has this id.', 'userId');
    return account;
  }
}
