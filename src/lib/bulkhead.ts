export interface BulkheadOptions {
  /** Operations run at once. */
  size: number;
  /** Operations that may wait for a place; the next one is refused at once. */
  maxQueued: number;
  /** An operation that has waited this long is refused. */
  maxWaitMs: number;
  /**
   * Failures every waiting operation would meet too (the database is unreachable): they get the
   * error at once instead of each waiting its turn to fail (default: none).
   */
  isSharedFailure?: (error: unknown) => boolean;
}

/** No place for the operation: refused before it did anything. */
export class BulkheadFull extends Error {
  override name = 'BulkheadFull';
  constructor(readonly retryAfterMs: number) {
    super(`too many operations waiting: retry in ${Math.ceil(retryAfterMs / 1_000)} s`);
  }
}

interface Waiter {
  ahead: boolean;
  enter(): void;
  fail(error: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * At most `size` operations of one kind at once, the rest waiting in order (first come, first
 * served) within a bound of count and time. It keeps one kind of work (a storm of it) to its share
 * of the machine, so the rest of the API keeps answering.
 */
export class Bulkhead {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: BulkheadOptions) {}

  /** Operations waiting for a place (a gauge for monitoring). */
  get queueLength(): number {
    return this.waiting.length;
  }

  /**
   * Runs `work` in a place, waiting for one if needed; throws BulkheadFull instead of waiting
   * beyond the bounds. `ahead`: waits in front of every other kind of waiter, and only the time
   * bound applies to it (for the few operations that must not starve behind a storm of the others).
   */
  async run<T>(work: () => Promise<T>, ahead = false): Promise<T> {
    await this.enter(ahead);
    try {
      return await work();
    } catch (error) {
      if (this.options.isSharedFailure?.(error)) this.failWaiting(error);
      throw error;
    } finally {
      this.leave();
    }
  }

  private enter(ahead: boolean): Promise<void> | void {
    if (this.running < this.options.size) {
      this.running += 1;
      return;
    }
    if (!ahead && this.waiting.length >= this.options.maxQueued) throw new BulkheadFull(this.options.maxWaitMs);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ahead,
        enter: resolve,
        fail: reject,
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter);
          if (index !== -1) this.waiting.splice(index, 1);
          reject(new BulkheadFull(this.options.maxWaitMs));
        }, this.options.maxWaitMs),
      };
      if (!ahead) this.waiting.push(waiter);
      else {
        const firstBehind = this.waiting.findIndex((other) => !other.ahead);
        this.waiting.splice(firstBehind === -1 ? this.waiting.length : firstBehind, 0, waiter);
      }
    });
  }

  private failWaiting(error: unknown): void {
    for (const waiter of this.waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.fail(error);
    }
  }

  /** The place passes to the longest waiter, if any. */
  private leave(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.running -= 1;
      return;
    }
    clearTimeout(next.timer);
    next.enter();
  }
}
