/**
 * `npm run bench`: our servers and their baselines, side by side in one run, on loopback. Every
 * server is its own process, compiled as production runs it (no TypeScript loader); load comes
 * from this one. Prints the machine, a table and the ratios P1–P6 of the benchmark issue.
 *
 *   BENCH_DATABASE=ferretdb-sqlite (default) | ferretdb-postgresql   the database to start
 *   BENCH_MONGODB_URI=mongodb://... (or --mongodb-uri=...)            or any running MongoDB
 *   BENCH_ONLY=P1,P3  BENCH_SECONDS=5
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { hashSync } from '@node-rs/argon2';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import ConnectionString from 'mongodb-connection-string-url';
import mongoose from 'mongoose';
import { loadConfig } from '../../src/config/config';
import { MailCatcher } from '../../src/dev/mail-catcher';
import { startEmbeddedDatabase } from '../../src/dev/embedded-database';
import { freePort } from '../../src/dev/embedded-database/ferretdb';
import type { EmbeddedDatabase } from '../../src/dev/embedded-database/types';
import { createLogger } from '../../src/logging/logger';
import { ARGON2_PARAMS } from '../../src/passwords/hasher';
import { decodePart } from '../support/jwt-forge';
import { startFerretdbOnPostgresql } from '../support/postgresql';
import { spawnServer, ROOT, type ServerProcess } from '../support/process';
import { testEnv } from '../support/server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'P1,P2,P3,P4,P5,P6').split(',').map((name) => name.trim().toUpperCase()));
const NOT_RUN: Load = { rps: NaN, p50: NaN, p99: NaN, errors: 0 };
const CONNECTIONS = 16;
const PASSWORD = 'correct horse battery staple';
const ME = JSON.stringify({ query: '{ me { id email roles } }' });
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';
const servers: ServerProcess[] = [];

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: { extensions?: { code?: string } }[] };
  return { body, cookies: response.headers.getSetCookie() };
}

async function signUp(url: string, email: string): Promise<{ email: string; accessToken: string; cookie: string }> {
  const { body, cookies } = await post(url, 'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken } }', { e: email, p: PASSWORD });
  if (!body.data) throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return { email, accessToken: body.data.signUp.accessToken, cookie: cookies.find((c) => c.startsWith('__Host-rt='))!.split(';')[0]! };
}

/** Sign-ups a few at a time: a burst of dozens is a storm the hashing pool rightly sheds. */
async function signUps(url: string, prefix: string, count: number): Promise<{ email: string; accessToken: string; cookie: string }[]> {
  const done: { email: string; accessToken: string; cookie: string }[] = [];
  for (let i = 0; i < count; i += 4) {
    done.push(...(await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, j) => signUp(url, `${prefix}-${i + j}-${Date.now()}@example.com`)))));
  }
  return done;
}

/** autocannon on one fixed request, checked for errors (a non-2xx or a GraphQL error body counts). */
async function hammer(url: string, body: string, headers: Record<string, string>, seconds = SECONDS): Promise<Load> {
  let graphqlErrors = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: CONNECTIONS,
    duration: seconds,
    setupClient: (client) =>
      client.on('body', (buffer: Buffer) => {
        if (buffer.includes('"errors"')) graphqlErrors += 1;
      }),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + graphqlErrors };
}

/** Runs the loads alternately (a b c a b c ...) after a warm-up of each, so drift hits all; returns the mean of each. */
async function sideBySide(loads: ((seconds?: number) => Promise<Load>)[], rounds = 2): Promise<Load[]> {
  for (const load of loads) await load(1);
  const runs: Load[][] = loads.map(() => []);
  for (let round = 0; round < rounds; round += 1) for (const [index, load] of loads.entries()) runs[index]!.push(await load());
  const mean = (values: Load[]): Load => ({
    rps: values.reduce((sum, l) => sum + l.rps, 0) / values.length,
    p50: values.reduce((sum, l) => sum + l.p50, 0) / values.length,
    p99: values.reduce((sum, l) => sum + l.p99, 0) / values.length,
    errors: values.reduce((sum, l) => sum + l.errors, 0),
  });
  return runs.map(mean);
}

/** Closed-loop clients, each running `step` as fast as it can for SECONDS; latencies of successful steps. */
async function closedLoop<S>(states: S[], step: (state: S) => Promise<S | 'error'>, seconds = SECONDS): Promise<Load> {
  const deadline = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(
    states.map(async (initial) => {
      let state = initial;
      while (Date.now() < deadline) {
        const started = performance.now();
        const next = await step(state);
        if (next === 'error') {
          errors += 1;
          break;
        }
        latencies.push(performance.now() - started);
        state = next;
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  return { rps: latencies.length / seconds, p50: latencies[Math.floor(latencies.length / 2)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, errors };
}

/** Refreshes per second: each client rotating its own session. */
function refreshLoad(url: string, cookies: string[], query: string, cookieName: string, seconds = SECONDS): Promise<Load> {
  return closedLoop(cookies, async (cookie) => {
    const { body, cookies: set } = await post(url, query, {}, { cookie });
    const next = set.find((c) => c.startsWith(`${cookieName}=`));
    return body.errors || !next ? 'error' : next.split(';')[0]!;
  }, seconds);
}

/** N parallel refreshes with one cookie: how many distinct successors come back, and how many are live. */
async function race(url: string, cookie: string, query: string, cookieName: string, n = 20): Promise<{ successors: number; live: number }> {
  const results = await Promise.all(Array.from({ length: n }, () => post(url, query, {}, { cookie })));
  const successors = [...new Set(results.flatMap((r) => r.cookies.filter((c) => c.startsWith(`${cookieName}=`)).map((c) => c.split(';')[0]!)))];
  let live = 0;
  for (const successor of successors) {
    const { body } = await post(url, query, {}, { cookie: successor });
    if (!body.errors) live += 1;
  }
  return { successors: successors.length, live };
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

async function heapMb(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN) / 2 ** 20;
}

/** ms per argon2id hash on one core, at our parameters: the machine's limit is cores / that. */
function hashMs(): number {
  hashSync(PASSWORD, { ...ARGON2_PARAMS, algorithm: 2 });
  const started = performance.now();
  for (let i = 0; i < 10; i += 1) hashSync(PASSWORD, { ...ARGON2_PARAMS, algorithm: 2 });
  return (performance.now() - started) / 10;
}

/** `--mongodb-uri=URI` or BENCH_MONGODB_URI: an operator's own MongoDB (standalone, replica set, Atlas). */
function givenMongodbUri(): string | undefined {
  const flag = process.argv.slice(2).find((arg) => arg.startsWith('--mongodb-uri='));
  return flag ? flag.slice('--mongodb-uri='.length) : process.env.BENCH_MONGODB_URI || undefined;
}

async function startDatabase(): Promise<{ uri: string; label: string; stop(): Promise<void> }> {
  const given = givenMongodbUri();
  if (given) {
    // A database of its own on that server (its name replaced, hosts and options kept), dropped afterwards.
    const uri = new ConnectionString(given);
    uri.pathname = `/bench_${Date.now()}`;
    return {
      uri: uri.toString(),
      label: `MongoDB at ${uri.hosts.join(',')}`,
      stop: async () => {
        const connection = await mongoose.createConnection(uri.toString()).asPromise();
        await connection.dropDatabase();
        await connection.close();
      },
    };
  }
  const logger = createLogger('warn');
  const choice = process.env.BENCH_DATABASE ?? 'ferretdb-sqlite';
  let database: EmbeddedDatabase;
  if (choice === 'ferretdb-postgresql') database = await startFerretdbOnPostgresql(logger);
  else if (choice === 'ferretdb-sqlite') database = await startEmbeddedDatabase(logger, {}, 'ferretdb');
  else throw new Error(`BENCH_DATABASE must be ferretdb-sqlite or ferretdb-postgresql, not ${choice}`);
  const label = database.kind === 'ferretdb-postgresql' ? 'FerretDB 1.24 on PostgreSQL' : 'FerretDB 1.24 on SQLite';
  return { uri: `${database.uri}/bench_${Date.now()}`, label, stop: () => database.stop() };
}

function build(): void {
  for (const project of [join(ROOT, 'src', 'tsconfig.build.json'), join(ROOT, 'test', 'bench', 'tsconfig.json')]) {
    const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`tsc -p ${project} failed`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  // Progress on stderr (the table goes to stdout at the end).
  const progress = (what: string) => process.stderr.write(`[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${what}\n`);
  build();
  progress('built');
  const [database, mail] = await Promise.all([startDatabase(), MailCatcher.start()]);
  const uri = database.uri;
  const env = { MONGODB_URI: uri, NODE_ENV: 'production', LOG_LEVEL: 'warn', SESSION_CHECK: 'strict', SMTP_URL: mail.url, DATA_ENCRYPTION_KEY: '0'.repeat(64), EXAMPLES: 'true', LOGIN_MAX_PER_IP: '1000000' };
  const entry = (name: string) => join(ROOT, 'dist', 'test', 'bench', 'servers', `${name}.js`);
  const listening = (extra: Record<string, string>, script: string) =>
    spawnServer({ ...env, ...extra }, { entry: entry(script), keepOutput: false, until: 'server.listening' }).then((server) => {
      servers.push(server);
      return server;
    });

  try {
    const [guarded, unguarded, standalone, graphqlJs, naive] = await Promise.all([
      listening({}, 'app-server'),
      listening({ BENCH_ENFORCE_AUTH: 'false' }, 'app-server'),
      listening({}, 'standalone-server'),
      listening({}, 'graphql-js-server'),
      listening({}, 'naive-refresh-server'),
    ]);
    const user = await signUp(guarded.url, `bench-${Date.now()}@example.com`);
    const auth = { authorization: `Bearer ${user.accessToken}` };
    for (const server of [guarded, unguarded, standalone, graphqlJs]) {
      const { body } = await post(server.url, '{ me { id email roles } }', {}, auth);
      if (!body.data?.me) throw new Error(`${server.url} does not answer me: ${JSON.stringify(body)}`);
    }

    // P1 and P2: the same query, protected and not, on our stack, on startStandaloneServer and on graphql-js alone.
    // One set of alternating rounds serves both ratios: P1 and P2 share the guarded runs.
    const meLoads = [guarded, unguarded, standalone, graphqlJs].map((server) => (seconds?: number) => hammer(server.url, ME, auth, seconds));
    const [p1Guarded = NOT_RUN, p1Unguarded = NOT_RUN, p2Standalone = NOT_RUN, p2GraphqlJs = NOT_RUN] = ONLY.has('P1') || ONLY.has('P2') ? await sideBySide(meLoads) : [];
    const p2Ours = p1Guarded;
    progress('P1, P2');

    // P3: refresh throughput, ours vs the seed article's, and the baseline's race.
    const workers = 8;
    const ourRefresh = 'mutation { refresh { accessToken } }';
    const naiveRefresh = 'mutation { refresh }';
    let p3Ours = NOT_RUN;
    let p3Naive = NOT_RUN;
    const raceOurs = { successors: 0, live: 0 };
    const raceNaive = { successors: 0, live: 0 };
    if (ONLY.has('P3')) {
      // One more session each than measured: it warms each server's refresh path up first.
      const ourCookies = (await signUps(guarded.url, 'refresher', workers + 1)).map((u) => u.cookie);
      const naiveCookies = await Promise.all(Array.from({ length: workers + 1 }, (_, i) => post(naive.url, 'mutation($u: String!) { issueToken(userId: $u) }', { u: `u${i}` }).then((r) => r.cookies[0]!.split(';')[0]!)));
      await refreshLoad(guarded.url, [ourCookies.pop()!], ourRefresh, '__Host-rt', 2);
      await refreshLoad(naive.url, [naiveCookies.pop()!], naiveRefresh, 'rt', 2);
      [p3Ours, p3Naive] = [await refreshLoad(guarded.url, ourCookies, ourRefresh, '__Host-rt'), await refreshLoad(naive.url, naiveCookies, naiveRefresh, 'rt')];
      // The baseline's race is a matter of timing: five trials each, the worst reported.
      for (let trial = 0; trial < 5; trial += 1) {
        const ours = await race(guarded.url, (await signUp(guarded.url, `race-${trial}-${Date.now()}@example.com`)).cookie, ourRefresh, '__Host-rt');
        const theirs = await race(naive.url, (await post(naive.url, `mutation { issueToken(userId: "racer-${trial}") }`)).cookies[0]!.split(';')[0]!, naiveRefresh, 'rt');
        raceOurs.successors = Math.max(raceOurs.successors, ours.successors);
        raceOurs.live = Math.max(raceOurs.live, ours.live);
        raceNaive.successors = Math.max(raceNaive.successors, theirs.successors);
        raceNaive.live = Math.max(raceNaive.live, theirs.live);
      }
    }

    progress('P3');

    // P6 and P4 sign in to accounts of their own, one per client: parallel logins to one account
    // from one address are held to LOGIN_MAX_FAILURES in flight by design (attempt-limiter.ts),
    // which would measure the limiter, not hashing.
    const loginEmails = ONLY.has('P6') || ONLY.has('P4') ? (await signUps(guarded.url, 'login', 20)).map((account) => account.email) : [];
    const perHash = hashMs();
    const argon2Limit = (availableParallelism() * 1000) / perHash;
    const login = async (email: string) => (await post(guarded.url, LOGIN, { e: email, p: PASSWORD })).body.errors?.[0]?.extensions?.code;
    // P6: logins per second at rest (8 clients), against what argon2id allows on this machine.
    const p6 = ONLY.has('P6') ? await closedLoop(loginEmails.slice(0, 8), async (email) => ((await login(email)) ? 'error' : email)) : NOT_RUN;

    progress('P6');
    // P4: p99 of `me` at rest, then during a 20-client login storm (clients retry at once, shed or not).
    if (ONLY.has('P4')) await hammer(guarded.url, ME, auth, 2); // warm-up
    const atRest = ONLY.has('P4') ? await hammer(guarded.url, ME, auth) : NOT_RUN;
    let stop = !ONLY.has('P4');
    const storm = { logins: 0, shed: 0, other: 0 };
    const stormClients = loginEmails.map(async (email) => {
      while (!stop) {
        const code = await login(email);
        if (!code) storm.logins += 1;
        else if (code === 'RATE_LIMITED') storm.shed += 1;
        else storm.other += 1;
      }
    });
    const duringStorm = ONLY.has('P4') ? await hammer(guarded.url, ME, auth) : NOT_RUN;
    stop = true;
    await Promise.all(stormClients);

    // P5: a fresh server's memory idle, then after 100k requests with 100k distinct tokens, twice.
    const metricsPort = await freePort();
    const fresh = await listening({ METRICS_PORT: String(metricsPort) }, 'app-server');
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idle = { rss: rssMb(fresh.child.pid!), heap: await heapMb(metricsUrl) };
    const sessions = await signUps(fresh.url, 'mem', 40);
    const config = loadConfig(testEnv({ MONGODB_URI: uri }));
    const claims = sessions.map((s) => decodePart(s.accessToken, 1));
    const total = ONLY.has('P5') ? 100_000 : 16;
    const memoryRun = async () => {
      const tokens = Array.from({ length: total }, (_, i) => {
        const { sub, sid, roles, scope, auth_time, amr } = claims[i % claims.length]!;
        return jwt.sign({ sid, roles, scope, auth_time, amr }, config.jwt.signing.key, {
          algorithm: 'HS256',
          header: { alg: 'HS256', typ: 'at+jwt', kid: config.jwt.signing.kid },
          issuer: config.jwt.issuer,
          audience: config.jwt.audience,
          subject: String(sub),
          expiresIn: 900,
          jwtid: randomUUID(),
        });
      });
      let next = 0;
      const run = await autocannon({
        url: fresh.url,
        method: 'POST',
        connections: CONNECTIONS,
        amount: total,
        requests: [{ setupRequest: (request) => ({ ...request, body: ME, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % total]}` } }) }],
      });
      return { rss: rssMb(fresh.child.pid!), heap: await heapMb(metricsUrl), errors: run.non2xx + run.errors };
    };
    progress('P4');
    const first = await memoryRun();
    progress('P5, first run');
    const second = await memoryRun();

    const row = (name: string, load: Load) => `${name.padEnd(50)} ${load.rps.toFixed(0).padStart(8)} ${load.p50.toFixed(1).padStart(8)} ${load.p99.toFixed(1).padStart(8)} ${String(load.errors).padStart(7)}`;
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const lines = [
      `machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
      `database: ${database.label}; ${SECONDS} s per run, ${CONNECTIONS} connections; servers compiled (node dist/...), one process each`,
      '',
      `${'load'.padEnd(50)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`,
      row('me, @auth on (strict)', p1Guarded),
      row('me, @auth off', p1Unguarded),
      row('me, startStandaloneServer, no auth', p2Standalone),
      row('me, graphql-js alone on node:http, @auth on', p2GraphqlJs),
      row(`refresh, ours (${workers} sessions)`, p3Ours),
      row(`refresh, seed-article baseline (${workers})`, p3Naive),
      row('login, 8 clients at rest', p6),
      row('me at rest', atRest),
      row(`me during a 20-client login storm`, duringStorm),
      '',
      `P1 protected / unprotected throughput          ${ratio(p1Guarded.rps, p1Unguarded.rps)}  (goal ≥ 0.95)`,
      `P2 ours protected / startStandaloneServer      ${ratio(p2Ours.rps, p2Standalone.rps)}  (goal ≥ 1.3; graphql-js alone, the limit: ours ${ratio(p2Ours.rps, p2GraphqlJs.rps)} of it)`,
      `P3 refresh ours / seed-article baseline        ${ratio(p3Ours.rps, p3Naive.rps)}  (goal ≥ 1.0)`,
      `   20 parallel refreshes with one token (worst of 5): ours ${raceOurs.successors} distinct successor(s), ${raceOurs.live} live; baseline ${raceNaive.successors} distinct, ${raceNaive.live} live`,
      `P4 me p99 during login storm / at rest         ${ratio(duringStorm.p99, atRest.p99)}  (goal ≤ 2; ${duringStorm.p99.toFixed(1)} / ${atRest.p99.toFixed(1)} ms; storm: ${storm.logins} logins, ${storm.shed} shed with RATE_LIMITED, ${storm.other} other)`,
      `P5 RSS / heap: idle ${idle.rss.toFixed(0)} / ${idle.heap.toFixed(0)} MB; after ${total / 1000}k requests, ${total / 1000}k distinct tokens ${first.rss.toFixed(0)} / ${first.heap.toFixed(0)} MB; after another ${total / 1000}k ${second.rss.toFixed(0)} / ${second.heap.toFixed(0)} MB (goal idle ≤ 80, after ≤ 150; ${first.errors + second.errors} errors)`,
      `P6 logins/s at rest / argon2id limit           ${ratio(p6.rps, argon2Limit)}  (${p6.rps.toFixed(0)} logins/s; limit ${argon2Limit.toFixed(0)}/s = ${availableParallelism()} cores / ${perHash.toFixed(1)} ms per hash)`,
      '',
      `total ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(servers.map((server) => server.kill()));
    await Promise.all([database.stop(), mail.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
