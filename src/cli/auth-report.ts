import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { parseBooleanFlag } from '../config/config';
import { authReport, formatReportTable } from '../graphql/auth/report';
import { loadTypeDefs, SCHEMA_DIR } from '../graphql/schema';
import { projectRoot } from '../lib/project-root';

/** The example module's SDL, reported with the product's unless `--no-examples`. */
const EXAMPLE_DIRS = [join(projectRoot(), 'examples', 'notes')];

/**
 * `npm run auth:report [-- --json] [-- --schema DIR] [-- --no-examples]`: every field's effective
 * requirement. Exits 1 in deny-by-default mode (AUTH_DENY_BY_DEFAULT, default true) when a field
 * is unprotected.
 */
function main(argv: string[]): number {
  const json = argv.includes('--json');
  const schemaIndex = argv.indexOf('--schema');
  const dirs = schemaIndex >= 0 ? [argv[schemaIndex + 1]] : [SCHEMA_DIR, ...(argv.includes('--no-examples') ? [] : EXAMPLE_DIRS)];
  const denyByDefault = parseBooleanFlag(process.env.AUTH_DENY_BY_DEFAULT, true);
  if (dirs.some((dir) => !dir) || denyByDefault === undefined) {
    process.stderr.write('usage: auth:report [--json] [--schema DIR] [--no-examples]; AUTH_DENY_BY_DEFAULT must be true or false\n');
    return 2;
  }
  const schema = makeExecutableSchema({ typeDefs: dirs.flatMap((dir) => loadTypeDefs(dir!)) });
  const rows = authReport(schema);
  const unprotected = rows.filter((row) => row.status === 'unprotected').map((row) => row.field);
  if (json) process.stdout.write(`${JSON.stringify({ denyByDefault, unprotected, fields: rows }, null, 2)}\n`);
  else process.stdout.write(`${formatReportTable(rows)}\n`);
  if (denyByDefault && unprotected.length > 0) {
    process.stderr.write(`deny-by-default: ${unprotected.length} field(s) have neither @auth nor @public: ${unprotected.join(', ')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
