import { request as httpRequest } from 'node:http';
/**
 * A GraphQL client over real HTTP (Node's fetch) with a cookie jar for the refresh cookie,
 * the way a browser would keep it: Set-Cookie stores or clears, every request sends it back.
 */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
  setCookies: string[];
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Skip the access token for this request. */
  anonymous?: boolean;
}

export interface ClientOptions {
  /** Send from this local address (127.0.0.2 is loopback too): a second client address for the server. */
  localAddress?: string;
}

/** POST over node:http, from a chosen local address (fetch cannot bind one). */
function postFrom(url: string, localAddress: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: Headers; text: string; setCookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', localAddress, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
        const setCookie = res.headers['set-cookie'] ?? [];
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders, text, setCookies: setCookie });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class TestClient {
  readonly cookies = new Map<string, string>();
  accessToken: string | undefined;

  constructor(
    readonly url: string,
    private readonly options: ClientOptions = {},
  ) {}

  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get refreshToken(): string | undefined {
    return this.cookies.get('__Host-rt');
  }

  set refreshToken(value: string | undefined) {
    if (value === undefined) this.cookies.delete('__Host-rt');
    else this.cookies.set('__Host-rt', value);
  }

  storeCookies(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      const maxAge = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('max-age='));
      if (maxAge && Number(maxAge.slice(8)) <= 0) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options: RequestOptions = {}): Promise<GraphQLResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    const cookie = this.cookieHeader();
    if (cookie && !('cookie' in headers)) headers.cookie = cookie;
    if (this.accessToken && !options.anonymous && !('authorization' in headers)) headers.authorization = `Bearer ${this.accessToken}`;
    const payload = JSON.stringify({ query, variables });
    let status: number;
    let responseHeaders: Headers;
    let text: string;
    let setCookies: string[];
    if (this.options.localAddress) {
      ({ status, headers: responseHeaders, text, setCookies } = await postFrom(this.url, this.options.localAddress, headers, payload));
    } else {
      const response = await fetch(this.url, { method: 'POST', headers, body: payload });
      ({ status } = response);
      responseHeaders = response.headers;
      setCookies = response.headers.getSetCookie();
      text = await response.text();
    }
    this.storeCookies(setCookies);
    let body: GraphQLResponse<T>['body'];
    try {
      body = JSON.parse(text) as GraphQLResponse<T>['body'];
    } catch {
      throw new Error(`Not JSON (HTTP ${status}): ${text.slice(0, 300)}`);
    }
    return { status, headers: responseHeaders, body, setCookies };
  }

  /** Like request, but fails the test on any GraphQL error and returns data. */
  async data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<T> {
    const response = await this.request<T>(query, variables, options);
    if (response.body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.body.errors)}`);
    return response.body.data as T;
  }

  async signUp(email: string, password = 'correct horse battery staple'): Promise<{ id: string; email: string; roles: string[] }> {
    const data = await this.data<{ signUp: { accessToken: string; user: { id: string; email: string; roles: string[] } } }>(
      'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken user { id email roles } } }',
      { e: email, p: password },
    );
    this.accessToken = data.signUp.accessToken;
    return data.signUp.user;
  }

  async login(email: string, password = 'correct horse battery staple'): Promise<GraphQLResponse<{ login: { accessToken: string; user: { id: string } } }>> {
    const response = await this.request<{ login: { accessToken: string; user: { id: string } } }>(
      'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }',
      { e: email, p: password },
    );
    if (response.body.data?.login) this.accessToken = response.body.data.login.accessToken;
    return response;
  }

  async refresh(options?: RequestOptions): Promise<GraphQLResponse<{ refresh: { accessToken: string; expiresIn: number } }>> {
    const response = await this.request<{ refresh: { accessToken: string; expiresIn: number } }>('mutation { refresh { accessToken expiresIn } }', undefined, options);
    if (response.body.data?.refresh) this.accessToken = response.body.data.refresh.accessToken;
    return response;
  }
}

/** The first error's code and reason, for terse assertions. */
export function errorOf(response: GraphQLResponse<unknown>): { code?: unknown; reason?: unknown; message?: string } {
  const error = response.body.errors?.[0];
  return { code: error?.extensions?.code, reason: error?.extensions?.reason, message: error?.message };
}
