import { Bulkhead, BulkheadFull } from '../../src/lib/bulkhead';

/** An operation the test finishes by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Bulkhead', () => {
  it('runs at most `size` operations at once, the rest in arrival order', async () => {
    const bulkhead = new Bulkhead({ size: 2, maxQueued: 10, maxWaitMs: 5_000 });
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, index) =>
      bulkhead.run(async () => {
        started.push(index);
        await g.opened;
        return index;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(bulkhead.queueLength).toBe(3);
    gates[1]!.open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(bulkhead.queueLength).toBe(0);
  });

  it('refuses at once when `maxQueued` are waiting, without running the operation', async () => {
    const bulkhead = new Bulkhead({ size: 1, maxQueued: 2, maxWaitMs: 5_000 });
    const g = gate();
    const runs = [0, 1, 2].map(() => bulkhead.run(() => g.opened));
    let ran = false;
    const refusedAt = Date.now();
    await expect(bulkhead.run(async () => void (ran = true))).rejects.toBeInstanceOf(BulkheadFull);
    expect(Date.now() - refusedAt).toBeLessThan(100);
    expect(ran).toBe(false);
    g.open();
    await Promise.all(runs);
  });

  it('refuses a waiter after `maxWaitMs`, and its place in line goes to the next', async () => {
    const bulkhead = new Bulkhead({ size: 1, maxQueued: 5, maxWaitMs: 50 });
    const g = gate();
    const first = bulkhead.run(() => g.opened);
    const late = bulkhead.run(async () => 'late');
    await expect(late).rejects.toMatchObject({ name: 'BulkheadFull', retryAfterMs: 50 });
    expect(bulkhead.queueLength).toBe(0);
    const next = bulkhead.run(async () => 'next');
    g.open();
    await first;
    expect(await next).toBe('next');
  });

  it('a failing operation frees its place', async () => {
    const bulkhead = new Bulkhead({ size: 1, maxQueued: 5, maxWaitMs: 1_000 });
    await expect(bulkhead.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(bulkhead.run(() => { throw new Error('sync boom'); })).rejects.toThrow('sync boom');
    expect(await bulkhead.run(async () => 'still works')).toBe('still works');
  });

  it('a failure every waiter would meet too (the database is down) reaches the waiters at once, not each in turn', async () => {
    const unreachable = new Error('database unreachable');
    const bulkhead = new Bulkhead({ size: 1, maxQueued: 10, maxWaitMs: 60_000, isSharedFailure: (error) => error === unreachable });
    let ran = 0;
    const g = gate();
    const first = bulkhead.run(async () => {
      await g.opened;
      throw unreachable;
    });
    const waiting = [1, 2, 3].map(() => bulkhead.run(async () => void (ran += 1)));
    g.open();
    await expect(first).rejects.toBe(unreachable);
    for (const waiter of waiting) await expect(waiter).rejects.toBe(unreachable);
    expect(ran).toBe(0);
    // Other failures stay the failing operation's own.
    const h = gate();
    const own = bulkhead.run(async () => {
      await h.opened;
      throw new Error('wrong password');
    });
    const next = bulkhead.run(async () => 'served');
    h.open();
    await expect(own).rejects.toThrow('wrong password');
    expect(await next).toBe('served');
  });

  it('an operation run `ahead` waits in front of the others, and a full queue of them does not refuse it', async () => {
    const bulkhead = new Bulkhead({ size: 1, maxQueued: 2, maxWaitMs: 5_000 });
    const order: string[] = [];
    const g = gate();
    const running = bulkhead.run(() => g.opened);
    const storm = ['login 1', 'login 2'].map((name) => bulkhead.run(async () => void order.push(name)));
    await expect(bulkhead.run(async () => undefined)).rejects.toBeInstanceOf(BulkheadFull);
    const owners = ['owner 1', 'owner 2'].map((name) => bulkhead.run(async () => void order.push(name), true));
    g.open();
    await Promise.all([running, ...storm, ...owners]);
    expect(order).toEqual(['owner 1', 'owner 2', 'login 1', 'login 2']);
  });
});
