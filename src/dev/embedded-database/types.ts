/** A throwaway (or, with a data directory, development-persistent) database this process started. */
export interface EmbeddedDatabase {
  kind: 'mongodb-memory-server' | 'ferretdb' | 'ferretdb-postgresql';
  /** Connection string without a database name (callers append one). */
  uri: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Keep the data here across restarts (development); default: a temporary directory, deleted on stop. */
  dataDir?: string;
  /** Aborts a start in progress (a signal during a first start's build). */
  signal?: AbortSignal;
  /** Told what is happening while it takes long ("building FerretDB…"). */
  progress?: (message: string) => void;
}

export class EmbeddedDatabaseUnavailableError extends Error {
  override name = 'EmbeddedDatabaseUnavailableError';
}
