import { readFileSync } from 'node:fs';
import { parse, validate, type GraphQLSchema } from 'graphql';

/** The GraphQL fields of a request, as the body (POST) or the query string (GET) carried them. */
export interface GraphQLRequestFields {
  query?: unknown;
  /** GraphQL over HTTP's persisted documents (and GraphQL Code Generator's client preset). */
  documentId?: unknown;
  /** Apollo's form: `extensions.persistedQuery.sha256Hash`. */
  extensions?: unknown;
}

export type TrustedDocumentOutcome = { run: string } | { refused: string };

export class TrustedDocumentsError extends Error {
  override name = 'TrustedDocumentsError';
}

/**
 * An allow-list of operations: the persisted-documents manifest GraphQL Code Generator's client
 * preset emits (`persisted-documents.json`, `{ "<id>": "<document>" }`). A request runs a listed
 * document, named by its id or sent as its exact text; anything else is refused before parsing,
 * so nothing about the schema can be probed and no unplanned expensive query runs.
 */
export class TrustedDocuments {
  private readonly texts: ReadonlySet<string>;

  private constructor(private readonly byId: ReadonlyMap<string, string>) {
    this.texts = new Set(byId.values());
  }

  /** Reads and checks a manifest; every problem is named with the variable it came from. */
  static fromFile(path: string, variable = 'TRUSTED_DOCUMENTS'): TrustedDocuments {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new TrustedDocumentsError(`${variable}: cannot read a JSON manifest from ${path} (${(error as Error).message})`);
    }
    return TrustedDocuments.fromManifest(manifest, variable);
  }

  static fromManifest(manifest: unknown, variable = 'TRUSTED_DOCUMENTS'): TrustedDocuments {
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
      throw new TrustedDocumentsError(`${variable}: the manifest must be a JSON object of document id → document`);
    }
    const byId = new Map<string, string>();
    for (const [id, document] of Object.entries(manifest)) {
      if (typeof document !== 'string') throw new TrustedDocumentsError(`${variable}: the document of "${id}" is not a string`);
      try {
        parse(document);
      } catch (error) {
        throw new TrustedDocumentsError(`${variable}: the document of "${id}" does not parse (${(error as Error).message})`);
      }
      byId.set(id, document);
    }
    if (byId.size === 0) throw new TrustedDocumentsError(`${variable}: the manifest lists no documents, so nothing could run`);
    return new TrustedDocuments(byId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Ids of listed documents this schema does not validate (a client built against another schema). */
  invalidAgainst(schema: GraphQLSchema): string[] {
    return [...this.byId].filter(([, document]) => validate(schema, parse(document)).length > 0).map(([id]) => id);
  }

  /** The document a request may run, or why it may not. */
  resolve(request: GraphQLRequestFields): TrustedDocumentOutcome {
    const id = documentIdOf(request);
    if (id !== undefined) {
      // GraphQL over HTTP allows prefixed ids (`sha256:<hash>`); the client preset's manifest keys are bare.
      const document = this.byId.get(id) ?? this.byId.get(id.slice(id.indexOf(':') + 1));
      return document === undefined ? { refused: 'This server runs trusted documents only, and the document id is not one of them.' } : { run: document };
    }
    if (typeof request.query === 'string' && this.texts.has(request.query)) return { run: request.query };
    return { refused: 'This server runs trusted documents only: send the id of a listed document (documentId).' };
  }
}

function documentIdOf(request: GraphQLRequestFields): string | undefined {
  if (typeof request.documentId === 'string') return request.documentId;
  const extensions = request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined;
  const hash = extensions?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}
