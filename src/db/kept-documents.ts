import type { Model } from 'mongoose';
import { BoundedCache } from '../lib/bounded-cache';

/**
 * Documents that never change once inserted, read by `_id` and kept once known (read here or
 * written here). A missing one is not kept: it may be inserted later, by another instance.
 */
export class KeptDocuments<T extends { _id: unknown }> {
  private readonly known: BoundedCache<string, T>;

  constructor(
    private readonly model: Pick<Model<T>, 'findById'>,
    private readonly options: { keepMs: number; maxEntries: number },
  ) {
    this.known = new BoundedCache(options.maxEntries);
  }

  async get(id: string): Promise<T | null> {
    const known = this.known.get(id);
    if (known) return known;
    const doc = (await this.model.findById(id).lean<T>().exec()) as T | null;
    if (doc) this.remember(doc);
    return doc;
  }

  remember(doc: T): void {
    this.known.set(String(doc._id), doc, Date.now() + this.options.keepMs);
  }

  /** The document was deleted here. */
  forget(id: string): void {
    this.known.delete(id);
  }
}
