// `npm start`'s first step: compile src/ to dist/ when TypeScript is installed (a development
// machine, a build stage). A production install without development dependencies runs the dist/
// it was given. Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  if (existsSync(join(root, 'dist', 'src', 'main.js'))) process.exit(0);
  process.stderr.write('dist/ is missing and TypeScript is not installed: run `npm ci && npm run build` first.\n');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'src', 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
