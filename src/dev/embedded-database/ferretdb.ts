import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rename, rm, writeFile, access, cp, chmod } from 'node:fs/promises';
import { constants } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../logging/logger';
import { EmbeddedDatabaseUnavailableError, type EmbeddedDatabase, type EmbeddedOptions } from './types';

const run = promisify(execFile);

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';

/** Where the built binary is kept between runs (`FERRETDB_BIN` overrides). */
export function ferretdbBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FERRETDB_BIN ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'graphql-auth-api', `ferretdb-${FERRETDB_VERSION}`);
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Builds FerretDB from the Go module proxy. Not plain `go install …@v1.24.2`: that binary panics at
 * start ("Invalid build/version/version.txt file content") because the module zip leaves out the
 * generated version file. So: download the module, copy it, write version.txt, `go build`.
 */
export async function buildFerretdb(binary: string, logger: Logger, options: Pick<EmbeddedOptions, 'signal' | 'progress'> = {}): Promise<void> {
  const started = Date.now();
  const announce = 'building FerretDB with Go (first start only; about a minute)';
  logger.info({ event: 'ferretdb.build', version: FERRETDB_VERSION, binary }, announce);
  options.progress?.(announce);
  const env = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  const { signal } = options;
  let moduleDir: string;
  try {
    const { stdout } = await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], { env, maxBuffer: 1 << 20, signal });
    moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
  } catch (error) {
    throw new EmbeddedDatabaseUnavailableError(`could not download FerretDB with Go: ${(error as Error).message}`);
  }
  const workDir = await mkdtemp(join(tmpdir(), 'ferretdb-src-'));
  try {
    const sourceDir = join(workDir, 'src');
    await cp(moduleDir, sourceDir, { recursive: true });
    await run('chmod', ['-R', 'u+w', sourceDir]);
    await writeFile(join(sourceDir, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await mkdir(join(binary, '..'), { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await run('go', ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], { cwd: sourceDir, env, maxBuffer: 16 << 20, signal });
    await chmod(partial, 0o755);
    await rename(partial, binary); // atomic: a concurrent builder never sees half a file
    logger.info({ event: 'ferretdb.built', binary, seconds: Math.round((Date.now() - started) / 1_000) }, `FerretDB built in ${Math.round((Date.now() - started) / 1_000)} s`);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new EmbeddedDatabaseUnavailableError(`could not build FerretDB: ${(error as Error).message}`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface FerretdbOptions extends EmbeddedOptions {
  /** Loopback port (default: a free one). */
  port?: number;
  /** SQLite directory (default: a new temporary one, removed on stop); also FerretDB's state directory. */
  dataDir?: string;
  /** Run on PostgreSQL instead of SQLite (real concurrent writers): `postgres://user@host:port/db`. */
  postgresqlUrl?: string;
}

/**
 * Starts FerretDB on its SQLite backend (or PostgreSQL, when given a URL), on loopback, telemetry
 * off, without its debug listener (which would take 127.0.0.1:8088 and kill a second instance).
 * Builds the binary first if needed.
 */
export async function startFerretdb(logger: Logger, options: FerretdbOptions = {}): Promise<EmbeddedDatabase> {
  const binary = ferretdbBinaryPath();
  if (!(await isExecutable(binary))) await buildFerretdb(binary, logger, options);
  options.signal?.throwIfAborted();

  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'ferretdb-data-')));
  if (!ownsDataDir) await mkdir(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(
    binary,
    [
      ...(options.postgresqlUrl ? ['--handler=postgresql', `--postgresql-url=${options.postgresqlUrl}`] : ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`]),
      `--state-dir=${dataDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If this process ends without stopping us (process.exit, a crash), take the database along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exitedPromise.then(() => {
    exited = true;
    process.off('exit', killOnExit);
  });

  const cleanUp = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (options.signal?.aborted) {
      await cleanUp();
      options.signal.throwIfAborted();
    }
    if (exited || Date.now() > deadline) {
      await cleanUp();
      throw new EmbeddedDatabaseUnavailableError(`FerretDB did not start: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { kind: options.postgresqlUrl ? 'ferretdb-postgresql' : 'ferretdb', uri: `mongodb://127.0.0.1:${port}`, stop: cleanUp };
}
