import type { Role } from '../../src/accounts/roles';
import { errorOf, TestClient } from '../support/client';
import { startTestServer, uniqueEmail, withGrant, type TestServer } from '../support/server';

let server: TestServer;
let alice: TestClient; // author of the note
let bob: TestClient; // another user
let admin: TestClient;
let noteId: string;
let aliceId: string;

beforeAll(async () => {
  server = await startTestServer({ ADMIN_EMAILS: 'root@example.com' });
  alice = server.client();
  aliceId = (await alice.signUp(uniqueEmail('alice'))).id;
  bob = server.client();
  await bob.signUp(uniqueEmail('bob'));
  admin = await server.signUpAdmin('root@example.com');
  const created = await alice.data('mutation { createNote(title: "Groceries", body: "eggs, milk", draft: "and cake?") { id author { id } } }');
  noteId = created.createNote.id;
  await admin.data('mutation($id: ID!) { moderateNote(id: $id, note: "looks fine") { id } }', { id: noteId });
});
afterAll(() => server?.stop());

const grant = (from: TestClient, roles: Role[], scope: string) => withGrant(server, from, roles, scope);
const anonymous = () => server.client();

describe('roles and sign-in', () => {
  it('anonymous: a guarded nullable field is null with UNAUTHENTICATED and its path; public siblings intact', async () => {
    const response = await anonymous().request('query($id: ID!) { announcements { title } note(id: $id) { title } }', { id: noteId });
    expect(response.body.data).toEqual({ announcements: [{ title: 'Welcome' }, { title: 'Sessions' }], note: null });
    expect(response.body.errors).toEqual([expect.objectContaining({ path: ['note'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'NO_TOKEN' }) })]);
  });

  it('a signed-in USER is FORBIDDEN an ADMIN field; the admin is not', async () => {
    expect(errorOf(await bob.request('{ users { id } }'))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await admin.data('{ users { id } }')).users.length).toBeGreaterThanOrEqual(3);
  });

  it('FORBIDDEN names no role or scope outside development', async () => {
    const error = (await bob.request('{ users { id } }')).body.errors![0]!;
    expect(error.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(error.message).not.toMatch(/ADMIN|scope/);
  });
});

describe('ownership', () => {
  it('the author reads the body and the draft', async () => {
    const { note } = await alice.data('query($id: ID!) { note(id: $id) { title body draft authorId } }', { id: noteId });
    expect(note).toEqual({ title: 'Groceries', body: 'eggs, milk', draft: 'and cake?', authorId: aliceId });
  });

  it('someone else: a denied non-null field (body) nulls the nearest nullable parent', async () => {
    const response = await bob.request('query($id: ID!) { note(id: $id) { title body } }', { id: noteId });
    expect(response.body.data).toEqual({ note: null });
    expect(response.body.errors).toEqual([expect.objectContaining({ path: ['note', 'body'], extensions: { code: 'FORBIDDEN' } })]);
  });

  it('someone else: a denied nullable field (draft, from the interface rule) is null with its siblings intact', async () => {
    const response = await bob.request('query($id: ID!) { note(id: $id) { title draft } }', { id: noteId });
    expect(response.body.data).toEqual({ note: { title: 'Groceries', draft: null } });
    expect(response.body.errors![0]).toMatchObject({ path: ['note', 'draft'], extensions: { code: 'FORBIDDEN' } });
  });

  it('a field rule only tightens: moderationNote needs ADMIN on top of the type\'s rule', async () => {
    const denied = await alice.request('query($id: ID!) { note(id: $id) { title moderationNote } }', { id: noteId });
    expect(denied.body.data).toEqual({ note: { title: 'Groceries', moderationNote: null } });
    expect(errorOf(denied).code).toBe('FORBIDDEN');
    const allowed = await admin.data('query($id: ID!) { note(id: $id) { moderationNote } }', { id: noteId });
    expect(allowed.note.moderationNote).toBe('looks fine');
    // The admin is not the author: ADMIN does not override an ownership rule.
    expect(errorOf(await admin.request('query($id: ID!) { note(id: $id) { body } }', { id: noteId })).code).toBe('FORBIDDEN');
  });
});

describe('no way around a concrete type\'s rules', () => {
  it('through a public union: a caller the type refuses sees null for the note, not even its __typename', async () => {
    // Alice's own note, with a token that lacks notes:read (the Note type's rule).
    const response = await grant(alice, ['USER'], 'profile').request('{ search(term: "groc") { __typename } }');
    expect(response.body.data).toEqual({ search: [null] });
    expect(response.body.errors).toEqual([expect.objectContaining({ path: ['search', 0], extensions: { code: 'FORBIDDEN' } })]);
  });

  it('public search answers nothing about others\' notes: anonymous and other users get announcements only', async () => {
    for (const caller of [anonymous(), bob]) {
      expect((await caller.data('{ search(term: "groc") { __typename } }')).search).toEqual([]);
      expect((await caller.data('{ search(term: "wel") { __typename ... on Announcement { title } } }')).search).toEqual([{ __typename: 'Announcement', title: 'Welcome' }]);
    }
  });

  it('through a public union, asking only for a guarded field via a fragment on the union member', async () => {
    const response = await grant(alice, ['USER'], 'profile').request('{ search(term: "Groc") { ...Secret } } fragment Secret on Note { body }');
    expect(response.body.data).toEqual({ search: [null] });
    expect(errorOf(response).code).toBe('FORBIDDEN');
  });

  it('through a public interface field (node): the note\'s id itself is guarded', async () => {
    const response = await anonymous().request('query($id: ID!) { node(id: $id) { id ... on Note { title } } }', { id: noteId });
    expect(response.body.data).toEqual({ node: null });
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
  });

  it('through an interface fragment (Authored): the interface field rule holds', async () => {
    const response = await bob.request('query($id: ID!) { node(id: $id) { ... on Authored { draft author { id } } } }', { id: noteId });
    expect(response.body.data).toEqual({ node: { draft: null, author: { id: aliceId } } });
    expect(errorOf(response)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('through aliases and named fragments', async () => {
    const response = await bob.request('query($id: ID!) { a: note(id: $id) { t: title ...F } } fragment F on Note { secret: body }', { id: noteId });
    expect(response.body.data).toEqual({ a: null });
    expect(response.body.errors![0]).toMatchObject({ path: ['a', 'secret'], extensions: { code: 'FORBIDDEN' } });
  });

  it('fields with no resolver of their own (default resolvers) are guarded too', async () => {
    // Note.title and Note.createdAt have no explicit resolver.
    const response = await grant(bob, ['USER'], 'profile').request('query($id: ID!) { note(id: $id) { createdAt } }', { id: noteId });
    expect(response.body.data).toEqual({ note: null });
    expect(errorOf(response).code).toBe('FORBIDDEN');
  });
});

describe('scopes', () => {
  it('the type\'s scope (notes:read) is required to read any note field', async () => {
    const withRead = await grant(alice, ['USER'], 'notes:read').data('query($id: ID!) { note(id: $id) { title } }', { id: noteId });
    expect(withRead.note.title).toBe('Groceries');
    expect(errorOf(await grant(alice, ['USER'], 'profile notes:write').request('query($id: ID!) { note(id: $id) { title } }', { id: noteId })).code).toBe('FORBIDDEN');
  });

  it('OR of scope groups: a writer or a moderator may call deleteNote; neither is FORBIDDEN', async () => {
    const note = await alice.data('mutation { createNote(title: "temp", body: "x") { id } }');
    expect(errorOf(await grant(alice, ['USER'], 'notes:read').request('mutation($id: ID!) { deleteNote(id: $id) }', { id: note.createNote.id })).code).toBe('FORBIDDEN');
    // A writer who is not the author passes the schema rule but the resolver's ownership check refuses.
    expect(errorOf(await grant(bob, ['USER'], 'notes:write').request('mutation($id: ID!) { deleteNote(id: $id) }', { id: note.createNote.id })).code).toBe('FORBIDDEN');
    expect(await grant(admin, ['USER', 'ADMIN'], 'notes:moderate').data('mutation($id: ID!) { deleteNote(id: $id) }', { id: note.createNote.id })).toEqual({ deleteNote: true });
  });

  it('role AND scope: moderateNote needs both', async () => {
    const query = 'mutation($id: ID!) { moderateNote(id: $id, note: "x") { id } }';
    expect(errorOf(await grant(bob, ['USER'], 'notes:moderate notes:read').request(query, { id: noteId })).code).toBe('FORBIDDEN');
    expect(errorOf(await grant(admin, ['USER', 'ADMIN'], 'notes:read').request(query, { id: noteId })).code).toBe('FORBIDDEN');
    expect((await grant(admin, ['USER', 'ADMIN'], 'notes:moderate notes:read').data(query, { id: noteId })).moderateNote.id).toBe(noteId);
  });

  it('createNote without notes:write is FORBIDDEN and writes nothing', async () => {
    const before = await (await server.db()).connection.collection('notes').countDocuments();
    expect(errorOf(await grant(alice, ['USER'], 'notes:read').request('mutation { createNote(title: "no", body: "no") { id } }')).code).toBe('FORBIDDEN');
    expect(await (await server.db()).connection.collection('notes').countDocuments()).toBe(before);
  });
});

describe('development mode', () => {
  it('FORBIDDEN errors say what was required', async () => {
    const dev = await startTestServer({ NODE_ENV: 'development', MONGODB_URI: server.databaseUri });
    try {
      const client = dev.client();
      client.accessToken = bob.accessToken;
      expect((await client.request('{ users { id } }')).body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', requires: 'ADMIN' });
    } finally {
      await dev.stop();
    }
  });
});
