import { join } from 'node:path';
import mongoose from 'mongoose';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { changeRoles } from '../accounts/administration';
import { AccountStore } from '../accounts/account-store';
import { normalizeEmail } from '../accounts/email';
import { UserDirectory } from '../accounts/user-directory';
import { AuditLog } from '../audit/audit-log';
import { parseBooleanFlag } from '../config/config';
import { connectDatabase } from '../db/connection';
import { defineModels } from '../db/models';
import { declaredRoles, schemaParts } from '../graphql/schema';
import { projectRoot } from '../lib/project-root';
import { createLogger } from '../logging/logger';
import { loadSchemaModules } from '../schema-modules';

const USAGE = `usage: npm run admin -- grant EMAIL ROLE
       npm run admin -- revoke EMAIL ROLE
Gives an existing account a role (or takes it away), against MONGODB_URI. Roles: those of the
schema's Role enum. This is how the first administrator is made; the change is audited (ROLES_CHANGED).`;

/** The roles the served schema declares (the product's and, with EXAMPLES on, the modules'). */
function servedRoles() {
  const examples = parseBooleanFlag(process.env.EXAMPLES, (process.env.NODE_ENV ?? 'production') !== 'production') ?? false;
  const modules = loadSchemaModules({ examples, connection: mongoose.createConnection() });
  return declaredRoles(makeExecutableSchema({ typeDefs: schemaParts(modules).typeDefs }));
}

/** `npm run admin -- grant|revoke EMAIL ROLE`: the operator's way to change roles, without the API. */
async function main(argv: string[]): Promise<number> {
  const [command, emailInput, role] = argv;
  if ((command !== 'grant' && command !== 'revoke') || !emailInput || !role) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    process.loadEnvFile(join(projectRoot(), '.env'));
  } catch {
    // no .env: the environment says it all
  }
  const roleCatalog = servedRoles();
  if (!roleCatalog.has(role)) {
    process.stderr.write(`Unknown role "${role}". Roles: ${roleCatalog.names.join(', ')}.\n`);
    return 2;
  }
  const email = normalizeEmail(emailInput);
  if (!email) {
    process.stderr.write(`"${emailInput}" is not an email address.\n`);
    return 2;
  }
  const uri = process.env.MONGODB_URI;
  if (!uri) {
    process.stderr.write('MONGODB_URI is not set: the admin command changes the database the API uses, so it must be named.\n');
    return 2;
  }
  const logger = createLogger('warn');
  const connection = await connectDatabase(uri, logger);
  try {
    const models = defineModels(connection);
    const states = new AccountStore(models);
    const users = new UserDirectory(models, states);
    const audit = new AuditLog(models, logger);
    const account = await users.findByEmail(email);
    if (!account) {
      process.stderr.write(`No account has the address ${email}.\n`);
      return 1;
    }
    const roles = command === 'grant' ? [...account.state.roles, role] : account.state.roles.filter((held) => held !== role);
    const changed = await changeRoles({ states, users, audit, roles: roleCatalog }, account.user._id.toHexString(), roles, { client: { ip: null, userAgent: 'npm run admin' }, actor: 'npm run admin' });
    await audit.flush();
    process.stdout.write(`${email}: ${changed?.state.roles.join(', ')}\n`);
    return 0;
  } finally {
    await connection.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
