import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';
import { parse } from 'cookie';
import { loadConfig } from '../../../src/config/config';

/**
 * P3's baseline: refresh "the way the seed article does it". Find the token, delete it, create
 * the next one: no family, no hashing, no reuse detection, and a read-then-delete race that lets
 * parallel requests with one token each mint a live successor. Same HTTP stack as ours
 * (node:http + Apollo), same database, an access token signed the same way.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await mongoose.createConnection(config.mongodbUri!, { bufferCommands: false }).asPromise();
  const Token = connection.model('NaiveToken', new mongoose.Schema({ token: { type: String, index: true }, userId: String }), 'naive_tokens');
  await Token.createCollection().catch(() => undefined);
  await Token.syncIndexes();
  const { signing, issuer, audience } = config.jwt;

  const apollo = new ApolloServer<{ cookie?: string; setCookies: string[] }>({
    typeDefs: 'type Query { ok: Boolean } type Mutation { issueToken(userId: String!): Boolean!  refresh: String! }',
    resolvers: {
      Mutation: {
        async issueToken(_p, { userId }: { userId: string }, ctx) {
          const token = randomBytes(32).toString('base64url');
          await Token.create({ token, userId });
          ctx.setCookies.push(`rt=${token}; Path=/; HttpOnly`);
          return true;
        },
        async refresh(_p, _a, ctx) {
          const presented = ctx.cookie ? parse(ctx.cookie).rt : undefined;
          const found = presented ? await Token.findOne({ token: presented }).lean() : null;
          if (!found) throw new Error('invalid refresh token');
          await Token.deleteOne({ _id: found._id });
          const next = randomBytes(32).toString('base64url');
          await Token.create({ token: next, userId: found.userId });
          ctx.setCookies.push(`rt=${next}; Path=/; HttpOnly`);
          return jwt.sign({ sub: found.userId }, signing.key, { algorithm: signing.alg, expiresIn: 900, issuer, audience, jwtid: randomUUID() });
        },
      },
    },
  });
  await apollo.start();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const context = { cookie: req.headers.cookie, setCookies: [] as string[] };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body: JSON.parse(Buffer.concat(chunks).toString() || '{}') },
      context: async () => context,
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (context.setCookies.length) res.setHeader('set-cookie', context.setCookies);
    res.statusCode = response.status ?? 200;
    res.end(response.body.kind === 'complete' ? response.body.string : '');
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ event: 'server.listening', url: `http://127.0.0.1:${port}/graphql` })}\n`);
  });
}

void main();
