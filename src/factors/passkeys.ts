import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Types } from 'mongoose';
import type { AccountStore } from '../accounts/account-store';
import type { AttemptLimiter } from '../accounts/attempt-limiter';
import type { AccountInputs } from '../accounts/inputs';
import type { UserDirectory } from '../accounts/user-directory';
import type { AuditLog, ClientInfo } from '../audit/audit-log';
import type { Models, PasskeyDoc, PasskeyUseDoc, WebAuthnChallengeDoc } from '../db/models';
import type { SingleUse } from '../db/single-use';
import { badUserInput, rateLimited, unauthenticated } from '../errors';
import type { Caller, Sessions, Started } from '../sessions/sessions';
import { withAmr } from './second-factors';

export interface PasskeysOptions {
  rpId: string;
  rpName: string;
  origins: readonly string[];
}

export interface PasskeysDeps {
  models: Pick<Models, 'Passkey' | 'PasskeyUse' | 'WebAuthnChallenge'>;
  states: AccountStore;
  users: UserDirectory;
  sessions: Sessions;
  singleUse: SingleUse;
  limiter: AttemptLimiter;
  inputs: AccountInputs;
  audit: AuditLog;
}

export interface PasskeyView {
  id: string;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Contract: registration and login options are challenges valid 5 minutes, used once. */
const CHALLENGE_TTL_MS = 5 * 60_000;
const NAME_MAX = 100;

const invalidResponse = () => badUserInput('The passkey response is not valid (or its challenge expired or was used). Start again.', 'response');

/** The challenge a response answers, read from its clientDataJSON (verification checks it again). */
function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string | undefined {
  try {
    const json = JSON.parse(Buffer.from(String(response.response?.clientDataJSON ?? ''), 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof json.challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(json.challenge) ? json.challenge : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Passkeys (WebAuthn, @simplewebauthn/server): discoverable credentials with user verification
 * required, origin and RP ID checked, single-use challenges kept server-side. Which passkeys may
 * sign in is part of the account state (a revision), so adding or removing one is a credential
 * change like any other, and a sign-in racing a removal cannot survive it. A passkey sign-in is
 * two factors in one (possession and user verification): its `amr` includes `mfa`.
 */
export class Passkeys {
  constructor(
    private readonly deps: PasskeysDeps,
    private readonly options: PasskeysOptions,
  ) {}

  async registrationOptions(caller: Caller): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { sessions, users, models } = this.deps;
    await sessions.requireActive(caller);
    const account = await users.findById(caller.userId, { fresh: true });
    if (!account) throw unauthenticated('SESSION_REVOKED');
    const existing = await models.Passkey.find({ _id: { $in: account.state.passkeys } }, { transports: 1 }).lean<PasskeyDoc[]>().exec();
    const options = await generateRegistrationOptions({
      rpName: this.options.rpName,
      rpID: this.options.rpId,
      userName: account.user.email,
      userID: new Uint8Array(account.user._id.id),
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey._id, transports: passkey.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      timeout: CHALLENGE_TTL_MS,
    });
    await this.saveChallenge(options.challenge, 'registration', caller.userId);
    return options;
  }

  async register(caller: Caller, responseInput: unknown, nameInput: string | null | undefined, client: ClientInfo) {
    const { sessions, states, models, audit } = this.deps;
    const { authentication } = await sessions.requireActive(caller);
    const name = nameInput?.trim() || null;
    if (name && name.length > NAME_MAX) throw badUserInput(`The name must be at most ${NAME_MAX} characters long.`, 'name');
    if (!isObject(responseInput)) throw invalidResponse();
    const response = responseInput as unknown as RegistrationResponseJSON;
    const challenge = await this.useChallenge(response, 'registration', caller.userId);
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...this.options.origins],
      expectedRPID: this.options.rpId,
      requireUserVerification: true,
    }).catch(() => null);
    if (!verification?.verified) throw invalidResponse();
    const { credential, credentialBackedUp } = verification.registrationInfo;
    const passkey: PasskeyDoc = {
      _id: credential.id,
      userId: new Types.ObjectId(caller.userId),
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      backedUp: credentialBackedUp,
      name,
      createdAt: new Date(),
    };
    if (await models.Passkey.exists({ _id: passkey._id })) throw badUserInput('This passkey is already registered.', 'response');
    await models.Passkey.create(passkey);
    const changed = await states.change(caller.userId, (current) => ({ set: { passkeys: [...current.passkeys, passkey._id] }, credentials: true, change: 'passkey-added' }));
    if (!changed) throw unauthenticated('SESSION_REVOKED');
    await sessions.authenticated(caller, { credentialVersion: changed.after.credentialVersion, amr: authentication.amr });
    const ended = await sessions.endAllOf(caller.userId, 'FACTORS_CHANGED', caller.sessionId);
    await audit.record({ type: 'PASSKEY_REGISTERED', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended} other sessions ended` });
    return { id: passkey._id, name, createdAt: passkey.createdAt, lastUsedAt: null } satisfies PasskeyView;
  }

  /** Options for a sign-in with any discoverable passkey of this site (no account named: nothing to enumerate). */
  async loginOptions(client: ClientInfo): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const attempt = await this.deps.limiter.attempt(this.deps.inputs.ipLimit(client));
    if (!attempt.allowed) throw rateLimited(attempt.retryAfterSeconds);
    const options = await generateAuthenticationOptions({ rpID: this.options.rpId, userVerification: 'required', timeout: CHALLENGE_TTL_MS });
    await this.saveChallenge(options.challenge, 'authentication', null);
    return options;
  }

  async login(responseInput: unknown, client: ClientInfo): Promise<Started> {
    const { models, users, sessions, singleUse, audit } = this.deps;
    if (!isObject(responseInput) || typeof responseInput.id !== 'string') throw unauthenticated('INVALID_CREDENTIALS');
    const response = responseInput as unknown as AuthenticationResponseJSON;
    const challenge = await this.useChallenge(response, 'authentication', null).catch(() => {
      throw unauthenticated('INVALID_CREDENTIALS');
    });
    const passkey = await models.Passkey.findById(response.id).lean<PasskeyDoc>().exec();
    // The account's state decides whether this passkey may sign in (a removal is a revision).
    const account = passkey ? await users.findById(passkey.userId, { fresh: true }) : null;
    if (!passkey || !account || !account.state.passkeys.includes(passkey._id)) throw unauthenticated('INVALID_CREDENTIALS');
    if (account.state.disabled) throw unauthenticated('ACCOUNT_DISABLED');
    const lastUse = await models.PasskeyUse.findOne({ credentialId: passkey._id }).sort({ at: -1 }).lean<PasskeyUseDoc>().exec();
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...this.options.origins],
      expectedRPID: this.options.rpId,
      credential: { id: passkey._id, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: lastUse?.counter ?? passkey.counter, transports: passkey.transports },
      requireUserVerification: true,
    }).catch(() => null);
    if (!verification?.verified) {
      await audit.record({ type: 'LOGIN_FAILED', userId: account.user._id, client, detail: 'passkey assertion refused' });
      throw unauthenticated('INVALID_CREDENTIALS');
    }
    const { newCounter, credentialBackedUp } = verification.authenticationInfo;
    // A counter seen before is a cloned authenticator replaying: one insert per counter value wins.
    const useId = newCounter > 0 ? `${passkey._id}:${newCounter}` : `${passkey._id}:${Date.now()}:${Math.random()}`;
    if (newCounter > 0 && !(await singleUse.claim(`passkey-counter:${useId}`, new Date(Date.now() + 365 * 86_400_000)))) throw unauthenticated('INVALID_CREDENTIALS');
    await models.PasskeyUse.create({ _id: useId, credentialId: passkey._id, userId: passkey.userId, counter: newCounter, at: new Date() });
    const amr = [credentialBackedUp ? 'swk' : 'hwk', 'user', 'mfa'];
    return sessions.start(account, client, { credentialVersion: account.state.credentialVersion, amr }, 'LOGIN_SUCCEEDED');
  }

  async list(caller: Caller): Promise<PasskeyView[]> {
    const { users, models } = this.deps;
    const account = await users.findById(caller.userId, { fresh: true });
    if (!account) return [];
    const passkeys = await models.Passkey.find({ _id: { $in: account.state.passkeys } }).sort({ createdAt: 1 }).lean<PasskeyDoc[]>().exec();
    const uses = await Promise.all(passkeys.map((passkey) => models.PasskeyUse.findOne({ credentialId: passkey._id }, { at: 1 }).sort({ at: -1 }).lean().exec()));
    return passkeys.map((passkey, index) => ({ id: passkey._id, name: passkey.name, createdAt: passkey.createdAt, lastUsedAt: uses[index]?.at ?? null }));
  }

  /** Removes one of the caller's passkeys: a credential change, so every other session ends. False when it is not theirs. */
  async delete(caller: Caller, id: string, client: ClientInfo): Promise<boolean> {
    const { sessions, states, models, audit } = this.deps;
    const { authentication } = await sessions.requireActive(caller);
    const changed = await states.change(caller.userId, (current) =>
      current.passkeys.includes(id) ? { set: { passkeys: current.passkeys.filter((held) => held !== id) }, credentials: true, change: 'passkey-removed' } : undefined,
    );
    if (!changed || changed.after === changed.before) return false;
    await sessions.authenticated(caller, { credentialVersion: changed.after.credentialVersion, amr: withAmr(authentication.amr, []) });
    await models.Passkey.deleteOne({ _id: id, userId: caller.userId });
    const ended = await sessions.endAllOf(caller.userId, 'FACTORS_CHANGED', caller.sessionId);
    await audit.record({ type: 'PASSKEY_DELETED', userId: caller.userId, sessionId: caller.sessionId, client, detail: `${ended} other sessions ended` });
    return true;
  }

  /** Everything about an account's passkeys (deletion). */
  async erase(userId: string): Promise<void> {
    await Promise.all([this.deps.models.Passkey.deleteMany({ userId }), this.deps.models.PasskeyUse.deleteMany({ userId })]);
  }

  private async saveChallenge(challenge: string, purpose: WebAuthnChallengeDoc['purpose'], userId: string | null): Promise<void> {
    const now = new Date();
    await this.deps.models.WebAuthnChallenge.create({
      _id: challenge,
      purpose,
      userId: userId === null ? null : new Types.ObjectId(userId),
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
    });
  }

  /** The challenge a response answers: ours, of this purpose (and user), unexpired, and used now, once. */
  private async useChallenge(response: { response?: { clientDataJSON?: unknown } }, purpose: WebAuthnChallengeDoc['purpose'], userId: string | null): Promise<string> {
    const challenge = challengeOf(response);
    const doc = challenge ? await this.deps.models.WebAuthnChallenge.findById(challenge).lean<WebAuthnChallengeDoc>().exec() : null;
    if (!doc || doc.purpose !== purpose || doc.expiresAt.getTime() <= Date.now()) throw invalidResponse();
    if (userId !== null && doc.userId?.toHexString() !== userId) throw invalidResponse();
    if (!(await this.deps.singleUse.claim(`webauthn-challenge:${doc._id}`, doc.expiresAt))) throw invalidResponse();
    return doc._id;
  }
}
