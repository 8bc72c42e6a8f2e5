import type { Model } from 'mongoose';
import { GroupCommit } from '../lib/group-commit';

export type InsertOutcome = 'inserted' | 'duplicate';

interface WriteErrorLike {
  index: number;
  code?: number;
}

/**
 * Inserts into one collection, group-committed (see GroupCommit): concurrent inserts share one
 * unordered insertMany, and each learns its own outcome, a duplicate key included, which is how
 * rotation tells the one winner of a generation from the others. On FerretDB every write is a
 * SQLite transaction, so one per document would cap refresh throughput.
 */
export class BatchedInserts<T> {
  private readonly commit: GroupCommit<T, InsertOutcome | Error>;

  constructor(model: Pick<Model<T>, 'collection'>, maxBatch = 500) {
    this.commit = new GroupCommit((docs) => insertEach(model, docs), maxBatch);
  }

  /** Inserts one document; 'duplicate' when a unique index refused it; throws any other error. */
  async insert(doc: T): Promise<InsertOutcome> {
    const outcome = await this.commit.submit(doc);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  flush(): Promise<void> {
    return this.commit.flush();
  }
}

async function insertEach<T>(model: Pick<Model<T>, 'collection'>, docs: T[]): Promise<(InsertOutcome | Error)[]> {
  try {
    await model.collection.insertMany(docs as never[], { ordered: false });
    return docs.map(() => 'inserted');
  } catch (error) {
    const writeErrors = (error as { writeErrors?: WriteErrorLike | WriteErrorLike[] }).writeErrors;
    // Not a per-document failure (the database is unreachable, ...): every document shares it.
    if (writeErrors === undefined) return docs.map(() => error as Error);
    const outcomes: (InsertOutcome | Error)[] = docs.map(() => 'inserted');
    for (const writeError of [writeErrors].flat()) {
      outcomes[writeError.index] = writeError.code === 11000 ? 'duplicate' : Object.assign(new Error(`insert failed (code ${writeError.code})`), { cause: writeError });
    }
    return outcomes;
  }
}
