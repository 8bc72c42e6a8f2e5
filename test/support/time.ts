export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` every `intervalMs` until it returns something truthy (returned) or `timeoutMs`
 * passes (undefined). For "within N ms" assertions: measure with `elapsed`.
 */
export async function eventually<T>(probe: () => Promise<T> | T, { timeoutMs = 3_000, intervalMs = 50 } = {}): Promise<{ value: T | undefined; elapsed: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return { value, elapsed: Date.now() - started };
    if (Date.now() - started > timeoutMs) return { value: undefined, elapsed: Infinity };
    await sleep(intervalMs);
  }
}
