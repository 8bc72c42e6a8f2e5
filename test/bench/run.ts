/**
 * `npm run bench`: our servers and their baselines, side by side in one run, on loopback.
 * Every server is its own process; load comes from this one. Prints a table and the ratios
 * P1–P5 of the benchmark issue. Bounded: about three minutes.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../../src/config/config';
import { startEmbeddedDatabase } from '../../src/dev/embedded-database';
import { createLogger } from '../../src/logging/logger';
import { spawnServer, ROOT, type ServerProcess } from '../support/process';
import { testEnv } from '../support/server';
import { decodePart } from '../support/jwt-forge';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** BENCH_ONLY=P2,P3 runs just those measurements (all by default). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'P1,P2,P3,P4,P5').split(',').map((name) => name.trim().toUpperCase()));
const NOT_RUN: Load = { rps: NaN, p50: NaN, p99: NaN, errors: 0 };
const CONNECTIONS = 16;
const PASSWORD = 'correct horse battery staple';
const ME = JSON.stringify({ query: '{ me { id email roles } }' });
const servers: ServerProcess[] = [];

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  return { body, cookies: response.headers.getSetCookie() };
}

async function signUp(url: string, email: string): Promise<{ accessToken: string; cookie: string }> {
  const { body, cookies } = await post(url, 'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken } }', { e: email, p: PASSWORD });
  if (!body.data) throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return { accessToken: body.data.signUp.accessToken, cookie: cookies[0]!.split(';')[0]! };
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
    setupClient: (client) => client.on('body', (buffer: Buffer) => {
      if (buffer.includes('"errors"')) graphqlErrors += 1;
    }),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + graphqlErrors };
}

/** Runs a against b alternately (a b a b a b) after a warm-up of each, so drift hits both; returns the mean of each. */
async function sideBySide(a: () => Promise<Load>, b: () => Promise<Load>, rounds = 3): Promise<[Load, Load]> {
  await a();
  await b();
  const runs: [Load[], Load[]] = [[], []];
  for (let round = 0; round < rounds; round += 1) {
    runs[0].push(await a());
    runs[1].push(await b());
  }
  const mean = (loads: Load[]): Load => ({
    rps: loads.reduce((sum, l) => sum + l.rps, 0) / loads.length,
    p50: loads.reduce((sum, l) => sum + l.p50, 0) / loads.length,
    p99: loads.reduce((sum, l) => sum + l.p99, 0) / loads.length,
    errors: loads.reduce((sum, l) => sum + l.errors, 0),
  });
  return [mean(runs[0]), mean(runs[1])];
}

/** Refreshes per second: `workers` clients each rotating their own session as fast as they can. */
async function refreshLoad(url: string, cookies: string[], query: string, cookieName: string): Promise<Load> {
  const deadline = Date.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(
    cookies.map(async (initial) => {
      let cookie = initial;
      while (Date.now() < deadline) {
        const started = performance.now();
        const { body, cookies: set } = await post(url, query, {}, { cookie });
        latencies.push(performance.now() - started);
        const next = set.find((c) => c.startsWith(`${cookieName}=`));
        if (body.errors || !next) {
          errors += 1;
          break;
        }
        cookie = next.split(';')[0]!;
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  return { rps: latencies.length / SECONDS, p50: latencies[Math.floor(latencies.length / 2)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, errors };
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
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function main(): Promise<void> {
  const started = Date.now();
  const database = await startEmbeddedDatabase(createLogger('warn'));
  const uri = `${database.uri}/bench_${Date.now()}`;
  const env = { MONGODB_URI: uri, NODE_ENV: 'production', LOG_LEVEL: 'warn', SESSION_CHECK: 'strict', SMTP_URL: 'smtp://127.0.0.1:1', DATA_ENCRYPTION_KEY: '0'.repeat(64), EXAMPLES: 'true' };
  const entry = (name: string) => join(ROOT, 'test', 'bench', 'servers', `${name}.ts`);
  const listening = (extra: Record<string, string>, script: string) =>
    spawnServer({ ...env, ...extra }, { entry: entry(script), keepOutput: false, until: 'server.listening' }).then((server) => {
      servers.push(server);
      return server;
    });

  try {
    const [guarded, unguarded, standalone, naive] = await Promise.all([
      listening({}, 'app-server'),
      listening({ BENCH_ENFORCE_AUTH: 'false' }, 'app-server'),
      listening({}, 'standalone-server'),
      listening({}, 'naive-refresh-server'),
    ]);
    const user = await signUp(guarded.url, `bench-${Date.now()}@example.com`);
    const auth = { authorization: `Bearer ${user.accessToken}` };
    for (const server of [guarded, unguarded, standalone]) {
      const { body } = await post(server.url, '{ me { id email roles } }', {}, auth);
      if (!body.data?.me) throw new Error(`${server.url} does not answer me: ${JSON.stringify(body)}`);
    }

    // P1 and P2: the same query, protected and not, on our stack and on startStandaloneServer.
    const [p1Guarded, p1Unguarded] = ONLY.has('P1') ? await sideBySide(() => hammer(guarded.url, ME, auth), () => hammer(unguarded.url, ME, auth)) : [NOT_RUN, NOT_RUN];
    const [p2Ours, p2Standalone] = ONLY.has('P2') ? await sideBySide(() => hammer(guarded.url, ME, auth), () => hammer(standalone.url, ME, auth)) : [NOT_RUN, NOT_RUN];

    // P3: refresh throughput, ours vs the seed article's, and the baseline's race.
    const workers = 8;
    const ourCookies = await Promise.all(Array.from({ length: workers }, (_, i) => signUp(guarded.url, `refresher-${i}-${Date.now()}@example.com`).then((u) => u.cookie)));
    const naiveCookies = await Promise.all(
      Array.from({ length: workers }, (_, i) => post(naive.url, 'mutation($u: String!) { issueToken(userId: $u) }', { u: `u${i}` }).then((r) => r.cookies[0]!.split(';')[0]!)),
    );
    const ourRefresh = 'mutation { refresh { accessToken } }';
    const naiveRefresh = 'mutation { refresh }';
    const p3Ours = ONLY.has('P3') ? await refreshLoad(guarded.url, ourCookies, ourRefresh, '__Host-rt') : NOT_RUN;
    const p3Naive = ONLY.has('P3') ? await refreshLoad(naive.url, naiveCookies, naiveRefresh, 'rt') : NOT_RUN;
    // The baseline's race is a matter of timing: five trials each, the worst reported.
    const raceOurs = { successors: 0, live: 0 };
    const raceNaive = { successors: 0, live: 0 };
    for (let trial = 0; trial < 5; trial += 1) {
      const ours = await race(guarded.url, (await signUp(guarded.url, `race-${trial}-${Date.now()}@example.com`)).cookie, ourRefresh, '__Host-rt');
      const theirs = await race(naive.url, (await post(naive.url, `mutation { issueToken(userId: "racer-${trial}") }`)).cookies[0]!.split(';')[0]!, naiveRefresh, 'rt');
      raceOurs.successors = Math.max(raceOurs.successors, ours.successors);
      raceOurs.live = Math.max(raceOurs.live, ours.live);
      raceNaive.successors = Math.max(raceNaive.successors, theirs.successors);
      raceNaive.live = Math.max(raceNaive.live, theirs.live);
    }

    // P4: p99 of `me` at rest, then during a 20-way login storm.
    const stormEmail = `storm-${Date.now()}@example.com`;
    await signUp(guarded.url, stormEmail);
    if (ONLY.has('P4')) await hammer(guarded.url, ME, auth, 2); // warm-up
    const atRest = ONLY.has('P4') ? await hammer(guarded.url, ME, auth) : NOT_RUN;
    let stop = !ONLY.has('P4');
    let logins = 0;
    const storm = Array.from({ length: 20 }, async () => {
      while (!stop) {
        await post(guarded.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: stormEmail, p: PASSWORD });
        logins += 1;
      }
    });
    const duringStorm = ONLY.has('P4') ? await hammer(guarded.url, ME, auth) : NOT_RUN;
    stop = true;
    await Promise.all(storm);

    // P5: resident memory of a fresh server after 100k requests with 100k distinct tokens.
    const fresh = await listening({}, 'app-server');
    const sessions = await Promise.all(Array.from({ length: 50 }, (_, i) => signUp(fresh.url, `mem-${i}-${Date.now()}@example.com`)));
    const config = loadConfig(testEnv({ MONGODB_URI: uri }));
    const claims = sessions.map((s) => decodePart(s.accessToken, 1));
    const total = ONLY.has('P5') ? 100_000 : 16;
    const tokens = Array.from({ length: total }, (_, i) => {
      const { sub, sid, roles, scope } = claims[i % claims.length]!;
      return jwt.sign({ sid, roles, scope }, config.jwt.signing.key, {
        algorithm: 'HS256',
        keyid: config.jwt.signing.kid,
        header: { alg: 'HS256', typ: 'at+jwt', kid: config.jwt.signing.kid },
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
        subject: String(sub),
        expiresIn: 900,
        jwtid: randomUUID(),
      });
    });
    const rssBefore = rssMb(fresh.child.pid!);
    let next = 0;
    const memoryRun = await autocannon({
      url: fresh.url,
      method: 'POST',
      connections: CONNECTIONS,
      amount: total,
      requests: [{ setupRequest: (request) => ({ ...request, body: ME, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % total]}` } }) }],
    });
    const rssAfter = rssMb(fresh.child.pid!);

    const row = (name: string, load: Load) => `${name.padEnd(46)} ${load.rps.toFixed(0).padStart(8)} ${load.p50.toFixed(1).padStart(8)} ${load.p99.toFixed(1).padStart(8)} ${String(load.errors).padStart(7)}`;
    const lines = [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, database: ${database.kind}; ${SECONDS} s per run, ${CONNECTIONS} connections`,
      '',
      `${'load'.padEnd(46)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`,
      row('me, @auth on (strict)', p1Guarded),
      row('me, @auth off', p1Unguarded),
      row('me, @auth on (strict), second pair', p2Ours),
      row('me, startStandaloneServer, no auth', p2Standalone),
      row(`refresh, ours (${workers} sessions)`, p3Ours),
      row(`refresh, seed-article baseline (${workers})`, p3Naive),
      row('me at rest', atRest),
      row(`me during a 20-way login storm (${logins} logins)`, duringStorm),
      '',
      `P1 protected / unprotected throughput        ${(p1Guarded.rps / p1Unguarded.rps).toFixed(2)}  (goal ≥ 0.95)`,
      `P2 ours protected / startStandaloneServer    ${(p2Ours.rps / p2Standalone.rps).toFixed(2)}  (goal ≥ 1.3)`,
      `P3 refresh ours / seed-article baseline      ${(p3Ours.rps / p3Naive.rps).toFixed(2)}  (goal ≥ 1.0)`,
      `   20 parallel refreshes with one token (worst of 5 trials): ours ${raceOurs.successors} distinct successor(s), ${raceOurs.live} live; baseline ${raceNaive.successors} distinct, ${raceNaive.live} live`,
      `P4 me p99 during login storm / at rest       ${(duringStorm.p99 / atRest.p99).toFixed(2)}  (goal ≤ 2; ${duringStorm.p99.toFixed(1)} / ${atRest.p99.toFixed(1)} ms)`,
      `P5 RSS after ${total / 1000}k requests, ${total / 1000}k distinct tokens  ${rssAfter.toFixed(0)} MB (before: ${rssBefore.toFixed(0)} MB; goal ≤ 150; ${memoryRun.non2xx + memoryRun.errors} errors)`,
      '',
      `total ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(servers.map((server) => server.kill()));
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
