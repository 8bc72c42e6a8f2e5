import { request } from 'node:http';
import { spawnServer } from '../support/process';
import { testDatabaseUri } from '../support/database';

it('SIGTERM stops accepting, finishes the in-flight request, closes the database and exits 0', async () => {
  const server = await spawnServer({ MONGODB_URI: testDatabaseUri() });
  const body = JSON.stringify({ query: '{ __typename }' });

  // A request whose body is only half sent when the signal arrives: it is in flight.
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 5));
    setTimeout(() => {
      server.child.kill('SIGTERM');
      setTimeout(() => req.end(body.slice(5)), 300);
    }, 200);
  });

  const { status, text } = await response;
  expect(status).toBe(200);
  expect(JSON.parse(text)).toEqual({ data: { __typename: 'Query' } });
  expect(await server.exited).toBe(0);
  expect(server.output.join('\n')).toContain('"server.stopped"');
  await expect(fetch(server.url.replace('/graphql', '/healthz'))).rejects.toThrow();
}, 60_000);
