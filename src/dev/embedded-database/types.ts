/** A throwaway database this process started, and how to stop it. */
export interface EmbeddedDatabase {
  kind: 'mongodb-memory-server' | 'ferretdb' | 'ferretdb-postgresql';
  /** Connection string without a database name (callers append one). */
  uri: string;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseUnavailableError extends Error {
  override name = 'EmbeddedDatabaseUnavailableError';
}
