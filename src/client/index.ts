/**
 * A dependency-free browser client for this API. The access token lives in memory only (never
 * in localStorage/sessionStorage); the refresh token is the httpOnly `__Host-rt` cookie, which
 * this code never sees. It refreshes once, single-flight within a tab and serialised across tabs
 * (Web Locks, with BroadcastChannel sharing the result), so tabs never race each other into a
 * reuse alarm; retries the original operation once; and tells subscribers who is signed in.
 */

export interface User {
  id: string;
  email: string;
  roles: string[];
}

export interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; reason?: string; [key: string]: unknown };
}

export interface GraphQLResult<T> {
  data?: T | null;
  errors?: GraphQLError[];
}

export interface AuthState {
  user: User | null;
  /** True until the first restore() or sign-in settles. */
  loading: boolean;
}

/** What an operation that answered STEP_UP_REQUIRED asks for: a sign-in this recent (seconds), or with two factors. */
export interface StepUpRequirement {
  maxAge: number | null;
  mfa: boolean;
}

/** What the app collected from the user to prove it is them again (a password, a code, or both). */
export interface StepUpProof {
  password?: string;
  code?: string;
}

export interface AuthClientOptions {
  /** The GraphQL endpoint, e.g. `https://api.example.com/graphql`. */
  url: string;
  /**
   * Called when an operation answers STEP_UP_REQUIRED: ask the user for their password (or a
   * code when `mfa`), return it (or null to give up). The client re-authenticates and retries
   * the operation once.
   */
  onStepUp?: (requirement: StepUpRequirement) => Promise<StepUpProof | null>;
  /** Refresh this many seconds before the access token expires (default 30). */
  refreshAheadSeconds?: number;
  /** Name shared by tabs for the refresh lock and channel (default `graphql-auth`). */
  channelName?: string;
  fetch?: typeof fetch;
}

type Message = { type: 'token'; accessToken: string; expiresAt: number; refreshAt: number; user: User | null } | { type: 'signed-out' };

const PAYLOAD = 'accessToken expiresIn user { id email roles }';

export class AuthClient {
  private accessToken: string | null = null;
  private expiresAt = 0;
  /** When to refresh ahead of expiry: refreshAheadSeconds before it, or a tenth of a short lifetime. */
  private refreshAt = 0;
  private state: AuthState = { user: null, loading: true };
  private readonly listeners = new Set<(state: AuthState) => void>();
  private refreshing: Promise<boolean> | null = null;
  private readonly channel: BroadcastChannel | null;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: AuthClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(options.channelName ?? 'graphql-auth');
    this.channel?.addEventListener('message', (event: MessageEvent<Message>) => this.onMessage(event.data));
  }

  /** The current state; subscribe() to hear about changes. */
  get current(): AuthState {
    return this.state;
  }

  subscribe(listener: (state: AuthState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** On page load: exchange the refresh cookie (if any) for an access token. */
  async restore(): Promise<User | null> {
    await this.refresh();
    if (this.state.loading) this.setState({ user: null, loading: false });
    return this.state.user;
  }

  async signUp(email: string, password: string): Promise<User> {
    return this.signIn('signUp', email, password);
  }

  /**
   * Password login. With a second factor on, throws AuthError with code MFA_REQUIRED and its
   * `mfaTicket`: ask for a code, then call verifyMfa(error.mfaTicket, code).
   */
  async login(email: string, password: string): Promise<User> {
    return this.signIn('login', email, password);
  }

  /** Finishes a login that answered MFA_REQUIRED with a TOTP or recovery code. */
  async verifyMfa(ticket: string, code: string): Promise<User> {
    const result = await this.post<{ verifyMfa: { accessToken: string; expiresIn: number; user: User } }>(
      `mutation($t: String!, $c: String!) { verifyMfa(ticket: $t, code: $c) { ${PAYLOAD} } }`,
      { t: ticket, c: code },
      false,
    );
    return this.acceptOrThrow(result.data?.verifyMfa, result.errors);
  }

  /** Options for `navigator.credentials.get` (e.g. through @simplewebauthn/browser's startAuthentication). */
  async passkeyLoginOptions(): Promise<unknown> {
    const result = await this.post<{ passkeyLoginOptions: unknown }>('mutation { passkeyLoginOptions }', undefined, false);
    if (!result.data) throw new AuthError(result.errors?.[0] ?? { message: 'No passkey options.' });
    return result.data.passkeyLoginOptions;
  }

  /** Signs in with the AuthenticationResponseJSON of a discoverable passkey. */
  async loginWithPasskey(response: unknown): Promise<User> {
    const result = await this.post<{ loginWithPasskey: { accessToken: string; expiresIn: number; user: User } }>(
      `mutation($r: JSON!) { loginWithPasskey(response: $r) { ${PAYLOAD} } }`,
      { r: response },
      false,
    );
    return this.acceptOrThrow(result.data?.loginWithPasskey, result.errors);
  }

  /** Proves it is the user again (step-up) without a new session: a new access token with a fresh auth_time. */
  async reauthenticate(proof: StepUpProof): Promise<void> {
    const result = await this.post<{ reauthenticate: { accessToken: string; expiresIn: number; user: User } }>(
      `mutation($p: String, $c: String) { reauthenticate(password: $p, code: $c) { ${PAYLOAD} } }`,
      { p: proof.password ?? null, c: proof.code ?? null },
      true,
    );
    this.acceptOrThrow(result.data?.reauthenticate, result.errors);
  }

  /** Ends this session (the cookie is cleared by the server) and tells the other tabs. */
  async logout(): Promise<void> {
    try {
      await this.post<{ logout: boolean }>('mutation { logout }', undefined, false);
    } finally {
      this.signedOut(true);
    }
  }

  /** Ends every session of the user; returns how many. */
  async logoutAll(): Promise<number> {
    const result = await this.request<{ logoutAll: number }>('mutation { logoutAll }');
    this.signedOut(true);
    return result.data?.logoutAll ?? 0;
  }

  /**
   * Runs an operation with the access token. Refreshes first when the token is about to expire,
   * and once more (then retries the operation once) if the server says it expired.
   */
  async request<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
    if (this.accessToken && Date.now() > this.refreshAt) await this.refresh();
    const first = await this.post<T>(query, variables, true);
    const reason = first.errors?.find((error) => error.extensions?.code === 'UNAUTHENTICATED')?.extensions?.reason;
    // Expired, or ended elsewhere (logout in another tab, logoutAll, a password change): one
    // refresh settles it either way, then the operation is retried once.
    const worthRefreshing = reason === 'TOKEN_EXPIRED' || reason === 'SESSION_REVOKED' || reason === 'TOKEN_INVALID' || (reason === 'NO_TOKEN' && this.state.user !== null);
    if (worthRefreshing && (await this.refresh())) return this.post<T>(query, variables, true);
    // A sensitive operation wants a recent (or two-factor) sign-in: ask the app, prove it, retry once.
    const stepUp = first.errors?.find((error) => error.extensions?.code === 'STEP_UP_REQUIRED')?.extensions;
    if (stepUp && this.options.onStepUp) {
      const proof = await this.options.onStepUp({ maxAge: (stepUp.maxAge as number | null) ?? null, mfa: stepUp.mfa === true });
      if (proof) {
        await this.reauthenticate(proof);
        return this.post<T>(query, variables, true);
      }
    }
    return first;
  }

  /** A `fetch` for Apollo Client's HttpLink (`new HttpLink({ uri, fetch: client.fetch })`). */
  readonly fetch: typeof fetch = async (input, init) => {
    const send = () => this.fetchImpl(input, { ...init, credentials: 'include', headers: this.headers(init?.headers) });
    const response = await send();
    const body = (await response.clone().json().catch(() => null)) as GraphQLResult<unknown> | null;
    if (body?.errors?.some((error) => error.extensions?.reason === 'TOKEN_EXPIRED') && (await this.refresh())) return send();
    return response;
  };

  /**
   * Exchanges the refresh cookie for a new access token. One refresh at a time in this tab
   * (single-flight) and across tabs (Web Locks); a tab that waited for another tab's refresh uses
   * the token that tab broadcast instead of refreshing again. Resolves false when signed out.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.refreshAcrossTabs().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshAcrossTabs(): Promise<boolean> {
    const tokenBefore = this.accessToken;
    const run = async () => {
      // Another tab may have refreshed while we waited for the lock.
      if (this.accessToken && this.accessToken !== tokenBefore && Date.now() < this.refreshAt) return true;
      const result = await this.post<{ refresh: { accessToken: string; expiresIn: number; user: User } }>(`mutation { refresh { ${PAYLOAD} } }`, undefined, false);
      if (!result.data?.refresh) {
        this.signedOut(false);
        return false;
      }
      this.accept(result.data.refresh, true);
      return true;
    };
    const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    return locks ? locks.request(`${this.options.channelName ?? 'graphql-auth'}:refresh`, run) : run();
  }

  private async signIn(field: 'signUp' | 'login', email: string, password: string): Promise<User> {
    const result = await this.post<Record<string, { accessToken: string; expiresIn: number; user: User }>>(
      `mutation($email: String!, $password: String!) { ${field}(email: $email, password: $password) { ${PAYLOAD} } }`,
      { email, password },
      false,
    );
    return this.acceptOrThrow(result.data?.[field], result.errors);
  }

  private acceptOrThrow(payload: { accessToken: string; expiresIn: number; user: User } | undefined, errors: GraphQLError[] | undefined): User {
    if (!payload) throw new AuthError(errors?.[0] ?? { message: 'Sign-in failed.' });
    this.accept(payload, true);
    return payload.user;
  }

  private accept(payload: { accessToken: string; expiresIn: number; user: User }, broadcast: boolean): void {
    this.accessToken = payload.accessToken;
    this.expiresAt = Date.now() + payload.expiresIn * 1000;
    this.refreshAt = this.expiresAt - Math.min((this.options.refreshAheadSeconds ?? 30) * 1000, payload.expiresIn * 100);
    this.setState({ user: payload.user, loading: false });
    if (broadcast) this.channel?.postMessage({ type: 'token', accessToken: this.accessToken, expiresAt: this.expiresAt, refreshAt: this.refreshAt, user: payload.user } satisfies Message);
  }

  private signedOut(broadcast: boolean): void {
    this.accessToken = null;
    this.expiresAt = 0;
    this.refreshAt = 0;
    this.setState({ user: null, loading: false });
    if (broadcast) this.channel?.postMessage({ type: 'signed-out' } satisfies Message);
  }

  private onMessage(message: Message): void {
    if (message.type === 'token') {
      this.accessToken = message.accessToken;
      this.expiresAt = message.expiresAt;
      this.refreshAt = message.refreshAt;
      this.setState({ user: message.user, loading: false });
    } else {
      this.signedOut(false);
    }
  }

  private setState(state: AuthState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  private headers(extra?: HeadersInit): Headers {
    const headers = new Headers(extra);
    headers.set('content-type', 'application/json');
    if (this.accessToken) headers.set('authorization', `Bearer ${this.accessToken}`);
    return headers;
  }

  private async post<T>(query: string, variables: Record<string, unknown> | undefined, withToken: boolean): Promise<GraphQLResult<T>> {
    const headers = withToken ? this.headers() : new Headers({ 'content-type': 'application/json' });
    const response = await this.fetchImpl(this.options.url, { method: 'POST', credentials: 'include', headers, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as GraphQLResult<T>;
  }
}

export class AuthError extends Error {
  readonly code: string | undefined;
  readonly reason: string | undefined;
  /** MFA_REQUIRED: the ticket for verifyMfa, and the methods it accepts. */
  readonly mfaTicket: string | undefined;
  readonly methods: string[] | undefined;

  constructor(error: GraphQLError) {
    super(error.message);
    this.name = 'AuthError';
    this.code = error.extensions?.code;
    this.reason = error.extensions?.reason;
    this.mfaTicket = error.extensions?.mfaTicket as string | undefined;
    this.methods = error.extensions?.methods as string[] | undefined;
  }
}
