import type { TrustedDocuments } from '../graphql/trusted-documents';

/* The HTTP side of trusted documents: where a request names its document, in a body or a query string. */

/** A POST body with its trusted document in `query` (and no id left for Apollo to refuse), or the refusal. */
export function trustedBody(documents: TrustedDocuments, body: unknown): { body: Record<string, unknown> } | { refused: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { refused: 'The request body must be one GraphQL request object.' };
  const fields = body as Record<string, unknown>;
  const outcome = documents.resolve(fields);
  if ('refused' in outcome) return outcome;
  const { documentId: _id, extensions, ...rest } = fields;
  return { body: { ...rest, query: outcome.run, ...withoutPersistedQuery(extensions) } };
}

/** The same for a GET query string (`?documentId=…` or `?extensions={"persistedQuery":…}`). */
export function trustedSearch(documents: TrustedDocuments, search: string): { search: string } | { refused: string } {
  const params = new URLSearchParams(search);
  // No operation at all (a browser opening the endpoint): nothing to run, Apollo answers as usual.
  if (!params.has('query') && !params.has('documentId') && !params.has('extensions')) return { search };
  let extensions: unknown;
  try {
    extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
  } catch {
    return { refused: 'The extensions parameter is not valid JSON.' };
  }
  const outcome = documents.resolve({ query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions });
  if ('refused' in outcome) return outcome;
  params.delete('documentId');
  params.delete('extensions');
  params.set('query', outcome.run);
  const rest = withoutPersistedQuery(extensions).extensions;
  if (rest) params.set('extensions', JSON.stringify(rest));
  return { search: `?${params.toString()}` };
}

function withoutPersistedQuery(extensions: unknown): { extensions?: Record<string, unknown> } {
  if (typeof extensions !== 'object' || extensions === null) return {};
  const { persistedQuery: _hash, ...rest } = extensions as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? { extensions: rest } : {};
}
