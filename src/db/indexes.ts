import type { Model, mongo } from 'mongoose';
import type { Logger } from '../logging/logger';

/** MongoDB's "NotImplemented"/"CannotCreateIndex" family: FerretDB v1 answers 238 for TTL and partial indexes. */
function isUnsupportedIndexOption(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 238 || (typeof message === 'string' && /not implemented|not supported/i.test(message));
}

/**
 * Creates every collection and index the models declare. A TTL index the server refuses is
 * created as a plain index instead, and the model is returned so the purge timer covers it.
 */
export async function ensureIndexes(models: readonly Model<any>[], logger: Logger): Promise<Model<{ expiresAt: Date }>[]> {
  const needPurge: Model<{ expiresAt: Date }>[] = [];
  for (const model of models) {
    await model.createCollection().catch((error: { code?: number }) => {
      if (error.code !== 48) throw error; // 48: NamespaceExists
    });
    for (const [keys, options] of model.schema.indexes()) {
      try {
        await model.collection.createIndex(keys as Record<string, 1 | -1>, options as mongo.CreateIndexesOptions);
      } catch (error) {
        if (options.expireAfterSeconds === undefined || !isUnsupportedIndexOption(error)) throw error;
        const { expireAfterSeconds: _ttl, ...plain } = options;
        await model.collection.createIndex(keys as Record<string, 1 | -1>, plain as mongo.CreateIndexesOptions);
        needPurge.push(model as unknown as Model<{ expiresAt: Date }>);
      }
    }
  }
  if (needPurge.length > 0) {
    logger.info(
      { event: 'db.ttl_unsupported', collections: needPurge.map((model) => model.collection.collectionName) },
      'the database refuses TTL indexes: expired documents are purged on a timer',
    );
  }
  return needPurge;
}
