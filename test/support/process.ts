import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { testEnv } from './server';

export const ROOT = join(__dirname, '..', '..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every log line the process wrote so far. */
  output: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `src/main.ts` (what `npm start` runs), or another entry script, as a separate process
 * and waits for its URL.
 */
export async function spawnServer(env: Record<string, string>, entry = join(ROOT, 'src', 'main.ts'), keepOutput = true): Promise<ServerProcess> {
  // `node --import tsx`, not the tsx CLI: the CLI runs the program in a grandchild, which a
  // SIGKILL of the child would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...testEnv({ LOG_LEVEL: 'info', ...env }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('\n')}`)), 60_000);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (line.includes('"server.listening"')) {
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
  if (!keepOutput) {
    // A long-running server (the benchmarks) must not fill this process's memory with its logs.
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
