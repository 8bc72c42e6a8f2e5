import { Types } from 'mongoose';
import { errorOf, TestClient } from '../support/client';
import { startTestServer, uniqueEmail, type TestServer } from '../support/server';

// What a public field may cost (issue: 15 aliases of an unindexed search over 600 notes took 3 s
// and starved a signed-in `me`), and the example's inputs refused as BAD_USER_INPUT.

let server: TestServer;
let alice: TestClient;
let aliceId: string;

beforeAll(async () => {
  server = await startTestServer({ ADMIN_EMAILS: 'mod@example.com' });
  alice = server.client();
  aliceId = (await alice.signUp(uniqueEmail('alice'))).id;
  // 600 notes, written directly (the API would take as long as the test).
  const now = Date.now();
  const notes = Array.from({ length: 600 }, (_, i) => {
    const title = `Layoffs ${String(i).padStart(3, '0')}`;
    return { _id: new Types.ObjectId(), authorId: new Types.ObjectId(aliceId), title, titleKey: title.toLowerCase(), body: 'b', draft: null, moderationNote: null, createdAt: new Date(now - i) };
  });
  await (await server.db()).connection.collection('notes').insertMany(notes);
});
afterAll(() => server?.stop());

const aliases = (count: number, term: string) => `{ ${Array.from({ length: count }, (_, i) => `s${i}: search(term: "${term}") { __typename }`).join(' ')} }`;

describe('search is bounded', () => {
  it('short, blank and long terms are BAD_USER_INPUT', async () => {
    for (const term of ['', 'ab', '   ', ' a ', 'x'.repeat(101)]) {
      const response = await alice.request('query($t: String!) { search(term: $t) { __typename } }', { t: term });
      expect(errorOf(response)).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
  });

  it('answers at most 20 results, by an indexed prefix (case and Unicode forms folded)', async () => {
    expect((await alice.data('{ search(term: "layoffs") { __typename } }')).search).toHaveLength(20);
    expect((await alice.data('{ search(term: "LAYOFFS 59") { ... on Note { title } } }')).search).toEqual(Array.from({ length: 10 }, (_, i) => ({ title: `Layoffs 59${i}` })));
    // Fullwidth letters read the same after NFKC.
    expect((await alice.data('{ search(term: "ＬＡＹＯＦＦＳ 599") { ... on Note { title } } }')).search).toEqual([{ title: 'Layoffs 599' }]);
    // A prefix, not a substring.
    expect((await alice.data('{ search(term: "offs") { __typename } }')).search).toEqual([]);
  });

  it('15 aliases over 600 notes do not starve a signed-in me (generous bound: a design error takes seconds)', async () => {
    const started = Date.now();
    const [searched, me] = await Promise.all([
      alice.data(aliases(15, 'lay')),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const at = Date.now();
        await alice.data('{ me { id } }');
        return Date.now() - at;
      })(),
    ]);
    expect(Object.keys(searched)).toHaveLength(15);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(me).toBeLessThan(1_000);
  });
});

describe('@rateLimit: a budget per caller and field, aliases counted', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer();
  });
  afterAll(() => limited?.stop());

  it('search allows 60 calls a minute per caller: 4 requests of 15 aliases, then RATE_LIMITED with retryAfter', async () => {
    const anonymous = limited.client();
    for (let i = 0; i < 4; i += 1) expect(Object.keys(await anonymous.data(aliases(15, 'wel')))).toHaveLength(15);
    const refused = await anonymous.request(aliases(15, 'wel'));
    expect(refused.status).toBe(200);
    // search is non-null: the first refusal nulls the whole answer.
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(refused.body.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(60);
    // Every alias counted: even one more call is refused.
    expect(errorOf(await anonymous.request('{ search(term: "wel") { __typename } }')).code).toBe('RATE_LIMITED');
    // Other fields are not limited.
    expect((await anonymous.data('{ announcements { id } }')).announcements).toHaveLength(2);
  });

  it('other callers keep their own budget: another address, a signed-in user', async () => {
    const elsewhere = new TestClient(limited.url, { localAddress: '127.0.0.2' });
    expect((await elsewhere.data('{ search(term: "wel") { __typename } }')).search).toHaveLength(1);
    const signedIn = limited.client();
    await signedIn.signUp(uniqueEmail());
    expect((await signedIn.data('{ search(term: "wel") { __typename } }')).search).toHaveLength(1);
  });
});

describe("the example's inputs: BAD_USER_INPUT, never INTERNAL_SERVER_ERROR, nothing written", () => {
  it.each([
    ['an empty title', 'mutation { createNote(title: "", body: "b") { id } }'],
    ['an empty body', 'mutation { createNote(title: "t", body: "") { id } }'],
    ['a blank body', 'mutation { createNote(title: "t", body: "   ") { id } }'],
    ['a too-long title', `mutation { createNote(title: "${'t'.repeat(201)}", body: "b") { id } }`],
    ['an empty id (note)', 'query { note(id: "") { id } }'],
    ['a malformed id (node)', 'query { node(id: "nope") { id } }'],
    ['a malformed id (deleteNote)', 'mutation { deleteNote(id: "123") }'],
    ['an empty reader (shareNote)', 'mutation { shareNote(id: "000000000000000000000000", userId: "") }'],
  ])('%s', async (_name, query) => {
    const notes = (await server.db()).connection.collection('notes');
    const before = await notes.countDocuments();
    const response = await alice.request(query);
    expect(response.status).toBe(200);
    expect(errorOf(response).code).toBe('BAD_USER_INPUT');
    expect(await notes.countDocuments()).toBe(before);
  });

  it('an empty moderation note (an admin with notes:moderate)', async () => {
    const admin = await server.signUpAdmin('mod@example.com');
    const { createNote } = await alice.data('mutation { createNote(title: "t", body: "b") { id } }');
    const response = await admin.request('mutation($id: ID!) { moderateNote(id: $id, note: "") { id } }', { id: createNote.id });
    expect(errorOf(response).code).toBe('BAD_USER_INPUT');
  });
});
