/**
 * Fixed-window call counts per key, in memory, bounded: past `maxKeys` the oldest window is
 * dropped (a caller who is forgotten starts again, which an attacker can only use with more
 * addresses than the bound, each of which gets its own budget anyway).
 */
export class CallCounter {
  private readonly windows = new Map<string, { endsAt: number; calls: number }>();

  constructor(private readonly maxKeys: number) {}

  /** Counts one call; 0 when it is within `max` for this window, else the ms until the window ends. */
  take(key: string, max: number, windowMs: number, now = Date.now()): number {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      window = { endsAt: now + windowMs, calls: 0 };
      this.windows.set(key, window);
    }
    window.calls += 1;
    return window.calls <= max ? 0 : window.endsAt - now;
  }
}
