import { RefreshAheadCache } from '../../src/lib/refresh-ahead-cache';

/** A load the test settles by hand, counting how often it was started. */
function manualLoads<V>() {
  const pending: { resolve: (value: V) => void; reject: (error: Error) => void }[] = [];
  return {
    pending,
    load: () => new Promise<V>((resolve, reject) => pending.push({ resolve, reject })),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('RefreshAheadCache', () => {
  let now: number;
  let cache: RefreshAheadCache<string, string>;
  beforeEach(() => {
    now = 1_000_000;
    cache = new RefreshAheadCache<string, string>({ maxAgeMs: 400, maxEntries: 100, clock: () => now });
  });

  it('shares one load among concurrent readers, then serves the value without loading', async () => {
    const { pending, load } = manualLoads<string>();
    const reads = [cache.get('s', load), cache.get('s', load), cache.get('s', load)];
    expect(pending).toHaveLength(1);
    pending[0]!.resolve('v1');
    expect(await Promise.all(reads)).toEqual(['v1', 'v1', 'v1']);
    now += 199;
    expect(cache.get('s', load)).toBe('v1');
    expect(pending).toHaveLength(1);
  });

  it('from three quarters of its life on, serves the value at once and loads the next one in the background', async () => {
    const { pending, load } = manualLoads<string>();
    const first = cache.get('s', load);
    pending[0]!.resolve('v1');
    await first;
    now += 299;
    expect(cache.get('s', load)).toBe('v1');
    expect(pending).toHaveLength(1);
    now += 1;
    expect(cache.get('s', load)).toBe('v1');
    expect(cache.get('s', load)).toBe('v1');
    expect(pending).toHaveLength(2); // one background load, shared
    now += 40;
    pending[1]!.resolve('v2');
    await flush();
    // The new value lives from its own load's completion: still served 399 ms after it, never at 400.
    now += 399;
    expect(cache.get('s', load)).toBe('v2');
    expect(pending).toHaveLength(3);
  });

  it('never serves a value older than maxAgeMs: past it, the reader waits for a load', async () => {
    const { pending, load } = manualLoads<string>();
    const first = cache.get('s', load);
    pending[0]!.resolve('v1');
    await first;
    now += 400;
    const read = cache.get('s', load);
    expect(read).toBeInstanceOf(Promise);
    pending[1]!.resolve('v2');
    expect(await read).toBe('v2');
  });

  it('a put wins over a load that started before it (a revocation is not undone by an older read)', async () => {
    const { pending, load } = manualLoads<string>();
    const first = cache.get('s', load);
    pending[0]!.resolve('active');
    await first;
    now += 300;
    cache.get('s', load); // starts a background load that reads the session before the revocation
    cache.put('s', 'revoked');
    pending[1]!.resolve('active');
    await flush();
    expect(cache.get('s', load)).toBe('revoked');
  });

  it('a delete wins over a load in flight, and the next reader starts its own', async () => {
    const { pending, load } = manualLoads<string>();
    const stale = cache.get('s', load);
    cache.delete('s');
    const fresh = cache.get('s', load);
    expect(pending).toHaveLength(2);
    pending[0]!.resolve('old');
    pending[1]!.resolve('new');
    expect(await stale).toBe('old');
    expect(await fresh).toBe('new');
    expect(cache.get('s', load)).toBe('new');
  });

  it('a failed background load leaves the value to expire; the next foreground load reports its error', async () => {
    const { pending, load } = manualLoads<string>();
    const first = cache.get('s', load);
    pending[0]!.resolve('v1');
    await first;
    now += 300;
    expect(cache.get('s', load)).toBe('v1');
    pending[1]!.reject(new Error('database down'));
    await flush();
    now += 99;
    expect(cache.get('s', load)).toBe('v1');
    now += 1;
    const read = cache.get('s', load);
    pending[2]!.reject(new Error('database down'));
    await expect(read).rejects.toThrow('database down');
  });

  it('load reads now, for callers that need a fresh value, and its answer serves later readers; an older load in flight is not kept', async () => {
    const { pending, load } = manualLoads<string>();
    const older = cache.get('s', load);
    const fresh = cache.load('s', load);
    expect(pending).toHaveLength(2);
    pending[1]!.resolve('fresh');
    pending[0]!.resolve('older'); // answers after the fresh one: it must not replace it
    expect(await older).toBe('older');
    expect(await fresh).toBe('fresh');
    expect(cache.get('s', load)).toBe('fresh');
    expect(pending).toHaveLength(2);
  });
});
