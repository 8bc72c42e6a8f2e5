import type { Model } from 'mongoose';
import type { Logger } from '../logging/logger';

/** Deletes documents whose `expiresAt` has passed: what a TTL index would do, for servers that refuse one. */
export async function purgeExpired(models: Model<{ expiresAt: Date }>[], now = new Date()): Promise<number> {
  let removed = 0;
  for (const model of models) {
    const result = await model.deleteMany({ expiresAt: { $lt: now } });
    removed += result.deletedCount;
  }
  return removed;
}

/** Runs purgeExpired every `intervalMs`; returns a stop function. Failures are logged and retried next tick. */
export function startPurgeTimer(models: Model<{ expiresAt: Date }>[], intervalMs: number, logger: Logger): () => void {
  if (models.length === 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    purgeExpired(models)
      .then((removed) => {
        if (removed > 0) logger.debug({ event: 'db.purged', removed }, 'expired documents purged');
      })
      .catch((error: unknown) => logger.warn({ event: 'db.purge_failed', err: error }, 'purge of expired documents failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
