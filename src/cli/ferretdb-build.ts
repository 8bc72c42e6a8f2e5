import { createLogger } from '../logging/logger';
import { buildFerretdb, ferretdbBinaryPath } from '../dev/embedded-database/ferretdb';
import { access } from 'node:fs/promises';

/** `npm run ferretdb:build`: builds the embedded FerretDB ahead of time (CI does this before the tests). */
async function main(): Promise<void> {
  const binary = ferretdbBinaryPath();
  const exists = await access(binary).then(
    () => true,
    () => false,
  );
  if (exists && !process.argv.includes('--force')) {
    process.stdout.write(`FerretDB already built at ${binary}\n`);
    return;
  }
  await buildFerretdb(binary, createLogger('info'));
  process.stdout.write(`FerretDB built at ${binary}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
