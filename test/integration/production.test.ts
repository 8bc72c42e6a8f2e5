import { errorOf } from '../support/client';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';
import { decodePart } from '../support/jwt-forge';
import { eventually } from '../support/time';

let production: TestServer;
let development: TestServer;
beforeAll(async () => {
  [production, development] = await Promise.all([
    // The example domain is served here on purpose: it is the material these tests probe.
    startTestServer({ NODE_ENV: 'production', ADMIN_EMAILS: 'ops@example.com', GRAPHQL_MAX_COST: '100', EXAMPLES: 'true' }),
    startTestServer({ NODE_ENV: 'development' }),
  ]);
});
afterAll(async () => {
  await Promise.all([production?.stop(), development?.stop()]);
});

describe('introspection', () => {
  it('is off in production and on in development', async () => {
    const query = '{ __schema { queryType { name } } }';
    expect(errorOf(await production.client().request(query)).code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await development.client().data(query)).__schema.queryType.name).toBe('Query');
  });

  it('can be turned on in production explicitly; the example domain is off there unless EXAMPLES=true', async () => {
    const server = await startTestServer({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' });
    try {
      expect((await server.client().data('{ __schema { queryType { name } } }')).__schema.queryType.name).toBe('Query');
      const types = (await server.client().data('{ __schema { types { name } } }')).__schema.types.map((type: { name: string }) => type.name);
      expect(types).toContain('User');
      expect(types).not.toContain('Note');
    } finally {
      await server.stop();
    }
  });
});

describe('no "Did you mean" in production', () => {
  it.each([
    ['an unknown field', '{ mee { id } }', undefined],
    ['an enum variable (apollo-server#8086)', 'query($t: AuditEventType) { auditEvents(filter: { type: $t }) { type } }', { t: 'LOGIN_FAILD' }],
    ['an enum literal', '{ auditEvents(filter: { type: LOGIN_FAILD }) { type } }', undefined],
  ])('%s', async (_name, query, variables) => {
    const prod = await production.client().request(query, variables);
    expect(prod.body.errors!.length).toBeGreaterThan(0);
    expect(JSON.stringify(prod.body)).not.toMatch(/Did you mean|LOGIN_FAILED|"me"/);
    const dev = await development.client().request(query, variables);
    expect(JSON.stringify(dev.body)).toMatch(/Did you mean/);
  });
});

describe('internal errors', () => {
  it('carry no message, stack or internals in production', async () => {
    const author = production.client();
    await author.signUp(uniqueEmail());
    const { createNote } = await author.data('mutation { createNote(title: "orphan", body: "x") { id } }');
    const admin = await production.signUpAdmin('ops@example.com');
    // A corrupted database (the author's records removed by hand, behind the API's back).
    const { models } = await production.db();
    await models.User.deleteOne({ _id: decodePart(author.accessToken!, 1).sub });
    await models.AccountRevision.deleteMany({ userId: decodePart(author.accessToken!, 1).sub });
    // Account state is cached for up to 400 ms: the corruption shows within that.
    const { value: response } = await eventually(async () => {
      const answer = await admin.request('query($id: ID!) { note(id: $id) { title author { id } } }', { id: createNote.id });
      return answer.body.errors ? answer : undefined;
    }, { timeoutMs: 2_000 });
    expect(response!.status).toBe(200);
    expect(response!.body.errors).toEqual([{ message: 'Internal server error', path: ['note', 'author'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
  });
});

describe('graphql-armor limits, refused before execution', () => {
  it('depth', async () => {
    let selection = 'id';
    for (let i = 0; i < 14; i += 1) selection = `author { ${selection} }`;
    const response = await production.client().request(`{ notes { ${selection} } }`);
    expect(errorOf(response).code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('aliases', async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: announcements { id }`).join(' ');
    expect(errorOf(await production.client().request(`{ ${aliases} }`)).code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('cost (GRAPHQL_MAX_COST=100 here), with cheap documents still served', async () => {
    expect((await production.client().data('{ announcements { id title } }')).announcements).toHaveLength(2);
    const fields = Array.from({ length: 14 }, (_, i) => `f${i}: search(term: "") { ... on Note { author { id email roles createdAt } } }`).join(' ');
    expect(errorOf(await production.client().request(`{ ${fields} }`)).code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('tokens (graphql-js parser limit)', async () => {
    const response = await production.client().request(`{ ${'__typename '.repeat(2_500)} }`);
    expect(errorOf(response).code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

describe('refused documents get one fixed message in production (schema names cannot be probed)', () => {
  // Pairs differ only in whether a name exists: graphql-js answers them differently.
  const invalid: [string, string, Record<string, unknown>?][] = [
    ['an existing field without its selection, with an unknown argument', '{ users(x: 1) }'],
    ['an unknown field with an unknown argument', '{ userz(x: 1) }'],
    ['an existing object field without a selection', '{ me }'],
    ['a misspelt subfield', '{ me { emial } }'],
    ['an unknown argument of an existing field', '{ note(idd: "1") { id } }'],
    ['a fragment on an unknown type', '{ ... on Userz { id } }'],
    ['a fragment on an existing type that cannot apply', '{ me { ... on Session { id } } }'],
    ['an unknown variable type', 'query($v: NoteFilter) { me { id } }'],
    ['a literal of the wrong type', '{ auditEvents(first: "ten") { type } }'],
    ['introspection', '{ __type(name: "User") { fields { name } } }'],
  ];

  it.each(invalid)('%s', async (_name, query) => {
    const response = await production.client().request(query);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'The GraphQL document is not valid for this API.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  });

  it('parse errors, whatever the mistake', async () => {
    for (const query of ['{ me { id }', '{ me { id } } }', 'query { note(id: ) { id } }', '{ "users" }']) {
      const response = await production.client().request(query);
      expect(response.body).toEqual({ errors: [{ message: 'The GraphQL document could not be parsed.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    }
  });

  it('variables that do not fit their types (enum values and input fields are schema names too)', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['query($t: AuditEventType) { auditEvents(filter: { type: $t }) { type } }', { t: 'LOGIN_FAILD' }],
      ['query($f: AuditEventFilter) { auditEvents(filter: $f) { type } }', { f: { typo: 1 } }],
      ['query($n: Int) { auditEvents(first: $n) { type } }', { n: 'ten' }],
      ['query($id: ID!) { note(id: $id) { id } }', {}],
    ];
    for (const [query, variables] of cases) {
      const response = await production.client().request(query, variables);
      expect(response.body).toEqual({ errors: [{ message: "The operation's variables are not valid for its variable types.", extensions: { code: 'BAD_USER_INPUT' } }] });
    }
  });

  it('development keeps graphql-js messages, which name what is wrong', async () => {
    const response = await development.client().request('{ me { emial } }');
    expect(response.body.errors![0]!.message).toMatch(/emial/);
  });

  it('errors of execution keep their messages and paths (they name nothing the query did not)', async () => {
    const response = await production.client().request('{ me { id } }');
    expect(response.body.errors![0]).toMatchObject({ path: ['me'], extensions: { code: 'UNAUTHENTICATED' } });
  });
});
