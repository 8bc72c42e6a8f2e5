import type { Role } from '../../src/accounts/roles';
import { NoteStore } from '../../examples/notes/store';
import { errorOf, TestClient } from '../support/client';
import { startTestServer, uniqueEmail, withGrant, type TestServer } from '../support/server';

// The rule language v2 over HTTP (contract: "How rules combine"): alternatives, a policy that
// reads the database, reachability, User's personal fields on every path, Federation directives.

let server: TestServer;
let alice: TestClient; // author of the note
let bob: TestClient; // another user, to whom alice shares nothing at first
let carol: TestClient; // a third user
let admin: TestClient;
let aliceId: string;
let aliceEmail: string;
let bobId: string;
let noteId: string;

beforeAll(async () => {
  server = await startTestServer({ ADMIN_EMAILS: 'chief@example.com' });
  [alice, bob, carol] = [server.client(), server.client(), server.client()];
  aliceEmail = uniqueEmail('alice');
  aliceId = (await alice.signUp(aliceEmail)).id;
  bobId = (await bob.signUp(uniqueEmail('bob'))).id;
  await carol.signUp(uniqueEmail('carol'));
  admin = await server.signUpAdmin('chief@example.com');
  noteId = (await alice.data('mutation { createNote(title: "Layoffs plan", body: "the secret", draft: "d") { id } }')).createNote.id;
});
afterAll(() => server?.stop());

const grant = (from: TestClient, roles: Role[], scope: string) => withGrant(server, from, roles, scope);

const PERSONAL = 'email emailVerified roles mfaEnabled';

describe("User's personal fields: the user themself or an admin, on every path", () => {
  it('me, and the AuthPayload of sign-up and login: the user themself', async () => {
    expect((await alice.data(`{ me { id ${PERSONAL} } }`)).me).toMatchObject({ id: aliceId, email: aliceEmail, roles: ['USER'] });
    const login = await server.client().data(`mutation($e: String!) { login(email: $e, password: "correct horse battery staple") { user { ${PERSONAL} } } }`, { e: aliceEmail });
    expect(login.login.user.email).toBe(aliceEmail);
  });

  it("another user reaching alice through her note's author: every personal field denied, the id and createdAt open", async () => {
    const open = await bob.data('query($id: ID!) { note(id: $id) { author { id createdAt } } }', { id: noteId });
    expect(open.note.author.id).toBe(aliceId);
    for (const field of PERSONAL.split(' ')) {
      const response = await bob.request(`query($id: ID!) { note(id: $id) { author { ${field} } } }`, { id: noteId });
      // Non-null fields: the denial nulls the author, then the note (the nearest nullable parent).
      expect(response.body.data).toEqual({ note: null });
      expect(response.body.errors![0]).toMatchObject({ path: ['note', 'author', field], extensions: { code: 'FORBIDDEN' } });
    }
  });

  it('through node (an interface) and through search, the same', async () => {
    const viaNode = await bob.request('query($id: ID!) { node(id: $id) { ... on Note { author { email } } } }', { id: noteId });
    expect(viaNode.body.data).toEqual({ node: null });
    expect(errorOf(viaNode).code).toBe('FORBIDDEN');
    // search returns the caller's own notes only; alice reads her own address there.
    const own = await alice.data('{ search(term: "layoffs") { ... on Note { author { email } } } }');
    expect(own.search).toEqual([{ author: { email: aliceEmail } }]);
  });

  it('an admin reads anyone\'s through every path; users (admin only) lists them', async () => {
    const viaNote = await admin.data(`query($id: ID!) { note(id: $id) { author { ${PERSONAL} } } }`, { id: noteId });
    expect(viaNote.note.author).toMatchObject({ email: aliceEmail, roles: ['USER'], mfaEnabled: false });
    const viaNode = await admin.data('query($id: ID!) { node(id: $id) { ... on Note { author { email } } } }', { id: noteId });
    expect(viaNode.node.author.email).toBe(aliceEmail);
    const { users } = await admin.data('{ users { id email } }');
    expect(users).toEqual(expect.arrayContaining([{ id: aliceId, email: aliceEmail }]));
  });

  it('a demoted admin loses it at once, by the account\'s roles, not the token\'s claim', async () => {
    const formerAdmin = grant(bob, ['USER', 'ADMIN'], 'notes:read');
    // Bob's account holds USER only: the strict check narrows the forged-by-us ADMIN claim away.
    expect(errorOf(await formerAdmin.request('query($id: ID!) { note(id: $id) { author { email } } }', { id: noteId })).code).toBe('FORBIDDEN');
  });
});

describe('a policy that reads the database (Note.body: the author, or a reader it was shared with)', () => {
  it('denied before sharing, allowed after, and still denied to a third user', async () => {
    const query = 'query($id: ID!) { note(id: $id) { body } }';
    expect(errorOf(await bob.request(query, { id: noteId })).code).toBe('FORBIDDEN');
    expect(await alice.data('mutation($id: ID!, $u: ID!) { shareNote(id: $id, userId: $u) }', { id: noteId, u: bobId })).toEqual({ shareNote: true });
    expect((await bob.data(query, { id: noteId })).note.body).toBe('the secret');
    expect(errorOf(await carol.request(query, { id: noteId })).code).toBe('FORBIDDEN');
    // Sharing again (even twice at once) is one share.
    await Promise.all([0, 1, 2].map(() => alice.data('mutation($id: ID!, $u: ID!) { shareNote(id: $id, userId: $u) }', { id: noteId, u: bobId })));
    expect(await (await server.db()).connection.collection('note_shares').countDocuments({ _id: { $regex: `^${noteId}:` } } as object)).toBe(1);
  });

  it('runs once per note and request, however many times the field is selected', async () => {
    const spy = jest.spyOn(NoteStore.prototype, 'isSharedWith');
    try {
      const { note } = await bob.data('query($id: ID!) { note(id: $id) { a: body b: body ...F } } fragment F on Note { c: body }', { id: noteId });
      expect(note).toEqual({ a: 'the secret', b: 'the secret', c: 'the secret' });
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("only the author shares; someone else's note and a missing note answer alike", async () => {
    const share = 'mutation($id: ID!, $u: ID!) { shareNote(id: $id, userId: $u) }';
    const notMine = await carol.request(share, { id: noteId, u: bobId });
    const missing = await carol.request(share, { id: '0'.repeat(24), u: bobId });
    expect(errorOf(notMine)).toEqual(errorOf(missing));
    expect(errorOf(notMine).code).toBe('BAD_USER_INPUT');
  });
});

describe('type rules guard reachability: not even __typename', () => {
  it('anonymous through the node interface', async () => {
    const response = await server.client().request('query($id: ID!) { node(id: $id) { __typename } }', { id: noteId });
    expect(response.body.data).toEqual({ node: null });
    expect(response.body.errors).toEqual([expect.objectContaining({ path: ['node'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
  });

  it('a caller without the type\'s scope, through the union, the interface and a list', async () => {
    const refused = grant(alice, ['USER'], 'notes:write');
    const union = await refused.request('{ search(term: "layoffs") { __typename } }');
    expect(union.body.data).toEqual({ search: [null] });
    expect(union.body.errors![0]).toMatchObject({ path: ['search', 0], extensions: { code: 'FORBIDDEN' } });
    const iface = await refused.request('query($id: ID!) { node(id: $id) { __typename } }', { id: noteId });
    expect(iface.body.data).toEqual({ node: null });
    // notes: [Note!]!: a refused item cannot be null, so the null reaches the nullable root.
    const list = await refused.request('{ notes { __typename } }');
    expect(list.body.data).toBeNull();
    expect(errorOf(list).code).toBe('FORBIDDEN');
  });

  it('announcements through the same union and interface stay open to everyone', async () => {
    const response = await server.client().data('{ search(term: "wel") { __typename } node(id: "announcement-1") { __typename } }');
    expect(response).toEqual({ search: [{ __typename: 'Announcement' }], node: { __typename: 'Announcement' } });
  });
});

describe('Apollo Federation directives (noteCount: @authenticated @requiresScopes)', () => {
  it('anonymous: UNAUTHENTICATED; without the scope: FORBIDDEN; with it: the count', async () => {
    expect(errorOf(await server.client().request('{ noteCount }')).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await grant(alice, ['USER'], 'notes:write').request('{ noteCount }')).code).toBe('FORBIDDEN');
    expect((await alice.data('{ noteCount }')).noteCount).toBe(1);
  });
});
