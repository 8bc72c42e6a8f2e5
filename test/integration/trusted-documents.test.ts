import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';
import { productionEnv, startTestServer, testEnv, type TestServer } from '../support/server';

// TRUSTED_DOCUMENTS: the persisted-documents manifest of GraphQL Code Generator's client preset
// ({ "<hash>": "<document>" }); only listed operations run.

const ANNOUNCEMENTS = 'query Announcements { announcements { id title } }';
const ME = 'query Me { me { id } }';
const manifest = { '5f1c2a0e0f6d3b9c7a4e8d21b6c0f9a3e7d5c1b2': ANNOUNCEMENTS, 'b7e3c9d1a5f0e2c4b6d8a0f1e3c5b7d9a1f3e5c7d9b1a3f5e7c9d1b3a5f7e9c1': ME };
const [announcementsId, meId] = Object.keys(manifest) as [string, string];

function writeManifest(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'trusted-')), 'persisted-documents.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

let trusted: TestServer;
let open: TestServer;
beforeAll(async () => {
  [trusted, open] = await Promise.all([
    startTestServer({ NODE_ENV: 'production', EXAMPLES: 'true', TRUSTED_DOCUMENTS: writeManifest(manifest) }),
    startTestServer({ NODE_ENV: 'production', EXAMPLES: 'true' }),
  ]);
});
afterAll(() => Promise.all([trusted?.stop(), open?.stop()]));

async function post(server: TestServer, body: unknown): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions: Record<string, unknown> }[] } }> {
  const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as never };
}

describe('with TRUSTED_DOCUMENTS', () => {
  it('runs a listed document by its id: documentId (GraphQL over HTTP), Apollo persistedQuery hash, a prefixed id', async () => {
    for (const body of [
      { documentId: announcementsId },
      { extensions: { persistedQuery: { version: 1, sha256Hash: announcementsId } } },
      { documentId: `sha1:${announcementsId}` },
    ]) {
      const response = await post(trusted, body);
      expect(response.status).toBe(200);
      expect(response.body.data!.announcements).toHaveLength(2);
      expect(response.body.errors).toBeUndefined();
    }
  });

  it('runs a listed document sent as its exact text, and by id over GET', async () => {
    expect((await post(trusted, { query: ANNOUNCEMENTS })).body.errors).toBeUndefined();
    const viaGet = await fetch(`${trusted.url}?documentId=${announcementsId}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(viaGet.status).toBe(200);
    expect(((await viaGet.json()) as { data: unknown }).data).toHaveProperty('announcements');
  });

  it('the listed operation still follows its rules (me: UNAUTHENTICATED anonymously)', async () => {
    const response = await post(trusted, { documentId: meId });
    expect(response.body.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses anything else with BAD_REQUEST before parsing: other text, an unknown id, a batch, GET text', async () => {
    for (const body of [{ query: '{ announcements { id } }' }, { query: `${ANNOUNCEMENTS} ` }, { documentId: 'unknown' }, { query: '{ __typename' }, [{ documentId: announcementsId }]]) {
      const response = await post(trusted, body);
      expect(response.status).toBe(400);
      expect(response.body.errors![0]!.extensions.code).toBe('BAD_REQUEST');
      expect(response.body.data).toBeUndefined();
    }
    const viaGet = await fetch(`${trusted.url}?query=${encodeURIComponent('{ announcements { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(viaGet.status).toBe(400);
  });
});

describe('without TRUSTED_DOCUMENTS', () => {
  it('any valid document runs; a document id is not understood (BAD_REQUEST, nothing runs)', async () => {
    expect((await post(open, { query: '{ announcements { id } }' })).status).toBe(200);
    expect((await post(open, { extensions: { persistedQuery: { version: 1, sha256Hash: announcementsId } } })).body.errors![0]!.extensions.code).toBe('BAD_REQUEST');
  });
});

describe('the manifest is checked at start-up', () => {
  it.each([
    ['a missing file', '/nonexistent/persisted-documents.json'],
    ['not JSON', writeManifest('{ nope')],
    ['an array', writeManifest(['query { me { id } }'])],
    ['a document that does not parse', writeManifest({ a: 'query {' })],
    ['no documents', writeManifest({})],
  ])('%s: a configuration error naming TRUSTED_DOCUMENTS', (_name, path) => {
    const load = () => loadConfig(testEnv({ ...productionEnv(), MONGODB_URI: 'mongodb://127.0.0.1:1/x', TRUSTED_DOCUMENTS: path }));
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/TRUSTED_DOCUMENTS/);
  });
});
