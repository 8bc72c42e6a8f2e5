import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { testEnv } from './server';

export const ROOT = join(__dirname, '..', '..');
/** What `npm start` runs: the compiled entry (global setup builds it). */
export const COMPILED_ENTRY = join(ROOT, 'dist', 'src', 'main.js');
/** What `npm run dev` runs, minus the watcher. */
export const SOURCE_ENTRY = join(ROOT, 'src', 'main.ts');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every log line the process wrote so far. */
  output: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Default: the compiled entry, as deployed. */
  entry?: string;
  /** Keep every log line (default); a long-running server (the benchmarks) should not. */
  keepOutput?: boolean;
  /** Resolve at this log event (default `server.ready`; `server.listening` comes before start-up ends). */
  until?: 'server.ready' | 'server.listening';
  /** Use exactly this environment (plus PATH and HOME), not testEnv's defaults. */
  rawEnv?: boolean;
  cwd?: string;
}

/**
 * Starts the server as a separate process, the way it is deployed (`node dist/src/main.js`), or
 * the TypeScript entry through tsx, and waits for its URL.
 */
export async function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): Promise<ServerProcess> {
  const entry = options.entry ?? COMPILED_ENTRY;
  // `node --import tsx`, not the tsx CLI: the CLI runs the program in a grandchild, which a
  // SIGKILL of the child would leave running.
  const args = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const until = options.until ?? 'server.ready';
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...baseEnv, ...(options.rawEnv ? env : testEnv({ LOG_LEVEL: 'info', ...env })) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('\n')}`)), 90_000);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (line.includes(`"${until}"`)) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url.replace('localhost', '127.0.0.1'));
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join('\n')}`));
    });
  });
  if (options.keepOutput === false) {
    child.stdout!.removeAllListeners('data');
    child.stdout!.resume();
  }
  return {
    url,
    child,
    output,
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
