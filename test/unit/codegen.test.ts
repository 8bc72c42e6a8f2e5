import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/process';

/**
 * Generates in memory (in a child Node process: the codegen CLI is ESM-only underneath) and
 * compares with what is committed.
 */
it('the generated resolver types match schema/ (run `npm run codegen` after editing the SDL)', () => {
  const script = `
    import { generate, loadContext } from '@graphql-codegen/cli';
    const context = await loadContext('codegen.yml');
    context.updateConfig({ silent: true });
    const outputs = await generate(context, false);
    process.stdout.write(JSON.stringify(outputs.map(({ filename, content }) => ({ filename, content }))));
  `;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 32 << 20 });
  const outputs = JSON.parse(stdout) as { filename: string; content: string }[];
  expect(outputs.length).toBeGreaterThan(0);
  for (const output of outputs) {
    expect(readFileSync(join(ROOT, output.filename), 'utf8')).toBe(output.content);
  }
}, 60_000);
