/**
 * Whether an error means "the database cannot be reached right now" (as opposed to a bug or a
 * rejected write). Those become SERVICE_UNAVAILABLE for clients and 503 on /readyz.
 */
const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoExpiredSessionError',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return false;
    const { name, message } = current as { name?: string; message?: string };
    if (name && UNAVAILABLE_NAMES.has(name)) return true;
    if (typeof message === 'string' && /before initial connection is complete|Connection was force closed|client was closed/i.test(message)) {
      return true;
    }
    // Wrappers keep the network error one level down: GraphQL's originalError, the driver's
    // errorResponse (bulk writes), ES cause.
    const wrapper = current as { originalError?: unknown; errorResponse?: unknown; cause?: unknown };
    current = wrapper.originalError ?? wrapper.errorResponse ?? wrapper.cause;
  }
  return false;
}

/** Duplicate key on a unique index: the one atomic primitive every backend we support guarantees. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
