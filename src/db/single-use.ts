import type { Models } from '../db/models';
import { isDuplicateKey } from './errors';

/**
 * Single use under concurrency: using a secret inserts its key; the unique `_id` lets exactly one
 * of any number of parallel uses (on any instance, on any backend) succeed. The key must name the
 * kind of secret and its hash (`reset-password:<hash>`, `totp:<user>:<step>`), never the secret.
 */
export class SingleUse {
  constructor(private readonly models: Pick<Models, 'SingleUse'>) {}

  /** True for the first use of `key`, false for every later one. Kept until `expiresAt` (then purged). */
  async claim(key: string, expiresAt: Date, now = new Date()): Promise<boolean> {
    try {
      await this.models.SingleUse.create({ _id: key, at: now, expiresAt });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}
