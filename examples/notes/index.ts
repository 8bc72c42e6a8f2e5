import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { SchemaModule } from '../../src/graphql/schema-module';
import { projectRoot } from '../../src/lib/project-root';
import { resolvers, sharedWithCaller } from './resolvers';
import { NoteStore } from './store';

/**
 * The example domain, as a schema module: what a schema author copies to add their own. SDL with
 * @auth rules (./schema.graphql), resolvers free of authorization code, a store, and the scopes
 * its rules ask for, granted by role.
 */
export function notesModule(connection: Connection): SchemaModule {
  const store = new NoteStore(connection);
  return {
    name: 'notes',
    typeDefs: [readFileSync(join(projectRoot(), 'examples', 'notes', 'schema.graphql'), 'utf8')],
    resolvers: resolvers as SchemaModule['resolvers'],
    scopes: {
      USER: ['notes:read', 'notes:write'],
      ADMIN: ['notes:read', 'notes:write', 'notes:moderate'],
    },
    policies: { sharedWithCaller },
    models: [store.model, store.shares],
    context: { notes: store },
    // A deleted account's notes go with it: nothing is left pointing at nothing.
    erase: (userId) => store.deleteByAuthor(userId),
    sandboxDocument: `
# The example domain (examples/notes): try these signed in and signed out.
mutation CreateNote {
  createNote(title: "Groceries", body: "eggs, milk", draft: "and cake?") { id title }
}

query MyNotes {
  notes { id title body draft createdAt }
}

query Search {
  search(term: "gro") { __typename ... on Announcement { title } ... on Note { title author { email } } }
}
`,
  };
}
