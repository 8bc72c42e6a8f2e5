import type { Model } from 'mongoose';
import { BoundedCache } from '../lib/bounded-cache';

/** A document of an insert-only sequence: `_id` is `<owner>:<n>`, n = 0, 1, 2, ... without gaps. */
export interface SequenceDoc {
  _id: string;
}

export const sequenceId = (owner: string, n: number): string => `${owner}:${n}`;

export interface SequenceHeadOptions<T> {
  /** The position of a document in its sequence. */
  positionOf(doc: T): number;
  /** The newest document of an owner by a query (used when nothing is known of it). */
  newestByQuery(owner: string): Promise<T | null>;
  /** How long a known newest document may start a probe (less than superseded documents are kept). */
  knownForMs: number;
  /**
   * How often the known document's own existence is checked again (documents deleted as a whole,
   * behind the sequence's back): between checks a probe is one look-up, not two.
   */
  recheckExistenceMs?: number;
  maxOwners?: number;
}

/**
 * The newest document of each owner's sequence, read now, by `_id` only: knowing document N,
 * it is still the newest exactly when N + 1 does not exist (and N itself was not deleted: checked
 * alongside, at most every `recheckExistenceMs`).
 * On FerretDB's SQLite backend `_id` equality is the only filter answered from an index; a
 * query on any other field scans the whole collection, so the hot paths avoid them.
 */
export class SequenceHead<T extends SequenceDoc> {
  private readonly known: BoundedCache<string, { doc: T; existedAt: number }>;

  constructor(
    private readonly model: Pick<Model<T>, 'findById' | 'exists'>,
    private readonly options: SequenceHeadOptions<T>,
  ) {
    this.known = new BoundedCache(options.maxOwners ?? 50_000);
  }

  async newest(owner: string, now = Date.now()): Promise<T | null> {
    const entry = this.known.get(owner, now);
    const known = entry?.doc;
    let head: T | null = null;
    let existedAt = now;
    if (entry && known) {
      const recheck = now - entry.existedAt >= (this.options.recheckExistenceMs ?? 0);
      const [stillThere, next] = await Promise.all([recheck ? this.model.exists({ _id: known._id }).exec() : true, this.at(owner, this.options.positionOf(known) + 1)]);
      head = next ?? (stillThere ? known : null);
      if (!recheck && head === known) existedAt = entry.existedAt;
    }
    // Nothing known, or the known one is gone (the owner's documents were deleted): ask by query.
    head ??= await this.options.newestByQuery(owner);
    if (!head) {
      this.known.delete(owner);
      return null;
    }
    // Found past the known one: it may not be the last.
    while (head !== known) {
      const next = await this.at(owner, this.options.positionOf(head) + 1);
      if (!next) break;
      head = next;
    }
    this.remember(owner, head, existedAt);
    return head;
  }

  /** This instance just inserted (or read) the newest document. */
  remember(owner: string, doc: T, existedAt = Date.now()): void {
    this.known.set(owner, { doc, existedAt }, Date.now() + this.options.knownForMs);
  }

  forget(owner: string): void {
    this.known.delete(owner);
  }

  private at(owner: string, position: number): Promise<T | null> {
    return this.model.findById(sequenceId(owner, position)).lean<T>().exec() as Promise<T | null>;
  }
}
