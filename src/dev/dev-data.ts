import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../lib/project-root';

/**
 * `.dev-data/` in the project root (git-ignored; `DEV_DATA_DIR` moves it): what `npm run dev`
 * keeps across restarts, the embedded database's files and the secrets it generated.
 * `rm -rf .dev-data` starts afresh.
 */
export const DEV_DATA_DIR = process.env.DEV_DATA_DIR || join(projectRoot(), '.dev-data');

/** Secrets development generates once (production must be given them). */
const GENERATED = {
  JWT_SECRET: () => randomBytes(32).toString('base64url'),
  DATA_ENCRYPTION_KEY: () => randomBytes(32).toString('hex'),
} as const;

/**
 * Fills unset development secrets in `env` from `.dev-data/secrets.json`, generating (and saving)
 * them the first time, so sessions and encrypted data survive a restart. Variables already set
 * win. Returns the names it filled.
 */
export function applyDevelopmentSecrets(env: NodeJS.ProcessEnv, dir = DEV_DATA_DIR): string[] {
  const file = join(dir, 'secrets.json');
  let stored: Record<string, string> = {};
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    // first start
  }
  const filled: string[] = [];
  let changed = false;
  for (const [name, generate] of Object.entries(GENERATED)) {
    if (env[name]) continue;
    if (!stored[name]) {
      stored[name] = generate();
      changed = true;
    }
    env[name] = stored[name];
    filled.push(name);
  }
  if (changed) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return filled;
}
