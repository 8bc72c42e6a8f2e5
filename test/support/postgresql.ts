import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startFerretdb } from '../../src/dev/embedded-database/ferretdb';
import type { EmbeddedDatabase } from '../../src/dev/embedded-database/types';
import type { Logger } from '../../src/logging/logger';

const run = promisify(execFile);

/** Debian's PostgreSQL server binaries (`PG_BIN` overrides): the highest installed version. */
function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error(`PostgreSQL server binaries not found under ${base} (apt-get install postgresql, or set PG_BIN)`);
  return join(base, versions[0]!, 'bin');
}

/** initdb and pg_ctl refuse to run as root: run them as `postgres` then (runuser). */
async function asPostgres(command: string, args: string[]): Promise<void> {
  if (userInfo().uid === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args], { maxBuffer: 4 << 20 });
  else await run(command, args, { maxBuffer: 4 << 20 });
}

/**
 * A throwaway PostgreSQL cluster on loopback (free port, temporary directory, trust auth, no
 * fsync: the data dies with it) and a FerretDB on top of it: MongoDB's wire protocol over a
 * database with real concurrent writers. Stopping it stops both and deletes the data.
 */
export async function startFerretdbOnPostgresql(logger: Logger): Promise<EmbeddedDatabase> {
  const bin = postgresBin();
  const dataDir = await mkdtemp(join(tmpdir(), 'pg-data-'));
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dataDir, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  const pgCtl = join(bin, 'pg_ctl');
  let started = false;
  const stopPostgres = async () => {
    if (started) await asPostgres(pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await asPostgres(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const settings = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
    await asPostgres(pgCtl, ['-D', dataDir, '-o', settings, '-l', join(dataDir, 'server.log'), '-w', 'start']);
    started = true;
    const ferretdb = await startFerretdb(logger, { postgresqlUrl: `postgres://postgres@127.0.0.1:${port}/postgres` });
    return {
      ...ferretdb,
      stop: async () => {
        await ferretdb.stop();
        await stopPostgres();
      },
    };
  } catch (error) {
    await stopPostgres();
    throw error;
  }
}
