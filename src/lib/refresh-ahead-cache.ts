import { BoundedCache } from './bounded-cache';

export interface RefreshAheadOptions {
  /** How long a loaded value is served after its load completed: the staleness bound. */
  maxAgeMs: number;
  /** From this age on, a read serves the value and starts the next load in the background (default: three quarters of maxAgeMs). */
  refreshAfterMs?: number;
  /** Most keys kept (oldest written go first). */
  maxEntries: number;
  /** Milliseconds now (tests pass their own clock). */
  clock?: () => number;
}

interface Entry<V> {
  value: V;
  refreshAt: number;
}

interface Load<V> {
  promise: Promise<V>;
  /** A put or delete came after this load started: its (older) answer must not be kept. */
  superseded: boolean;
}

/**
 * Values loaded from the database and served for at most `maxAgeMs` after their load completed,
 * refreshed ahead of expiry: a read in the last quarter of a value's life returns it at once and
 * starts the next load in the background. A key read more often than that never waits for the
 * database (under load, that wait is what a request's tail latency is made of), for a load about
 * every 3/4 of `maxAgeMs` instead of every `maxAgeMs`; no value is served older than without the
 * refresh. Concurrent loads of one key are shared; a `put` or `delete` wins over every load that
 * started before it.
 */
export class RefreshAheadCache<K, V> {
  private readonly entries: BoundedCache<K, Entry<V>>;
  private readonly loads = new Map<K, Load<V>>();
  private readonly refreshAfterMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: RefreshAheadOptions) {
    this.entries = new BoundedCache(options.maxEntries);
    this.refreshAfterMs = options.refreshAfterMs ?? (options.maxAgeMs * 3) / 4;
    this.clock = options.clock ?? Date.now;
  }

  /** The value when one is fresh enough (no I/O), else the shared load's promise. */
  get(key: K, load: () => Promise<V>, now = this.clock()): V | Promise<V> {
    const entry = this.entries.get(key, now);
    if (entry !== undefined) {
      // A failed background load leaves the value to expire; the next read after that loads in the foreground and sees the error.
      if (now >= entry.refreshAt && !this.loads.has(key)) this.start(key, load).promise.catch(() => undefined);
      return entry.value;
    }
    return (this.loads.get(key) ?? this.start(key, load)).promise;
  }

  /**
   * Loads now, for a caller that must not use an older value, and keeps the answer for later
   * readers (unless a put or delete comes first). A load already in flight started earlier: its
   * answer is no longer kept.
   */
  load(key: K, load: () => Promise<V>): Promise<V> {
    this.supersede(key);
    return this.start(key, load).promise;
  }

  /** This instance knows the value now (it just changed or read it). */
  put(key: K, value: V, now = this.clock()): void {
    this.supersede(key);
    this.store(key, value, now);
  }

  /** Forget the value: the next read loads. */
  delete(key: K): void {
    this.supersede(key);
    this.entries.delete(key);
  }

  private start(key: K, load: () => Promise<V>): Load<V> {
    const pending: Load<V> = {
      superseded: false,
      promise: load().then(
        (value) => {
          if (!pending.superseded) this.store(key, value, this.clock());
          this.settle(key, pending);
          return value;
        },
        (error: unknown) => {
          this.settle(key, pending);
          throw error;
        },
      ),
    };
    this.loads.set(key, pending);
    return pending;
  }

  private store(key: K, value: V, now: number): void {
    this.entries.set(key, { value, refreshAt: now + this.refreshAfterMs }, now + this.options.maxAgeMs);
  }

  private supersede(key: K): void {
    const pending = this.loads.get(key);
    if (pending) {
      pending.superseded = true;
      this.loads.delete(key);
    }
  }

  private settle(key: K, pending: Load<V>): void {
    if (this.loads.get(key) === pending) this.loads.delete(key);
  }
}
