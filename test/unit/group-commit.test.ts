import { GroupCommit } from '../../src/lib/group-commit';

describe('GroupCommit', () => {
  it('writes at once when idle; what arrives during a write goes together in the next one', async () => {
    const writes: number[][] = [];
    let release: (() => void) | undefined;
    const commit = new GroupCommit<number, string>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((item) => `done ${item}`);
    });
    const first = commit.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4].map((item) => commit.submit(item));
    expect(writes).toEqual([[1]]);
    release!();
    expect(await first).toBe('done 1');
    expect(await Promise.all(rest)).toEqual(['done 2', 'done 3', 'done 4']);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it('a failed write rejects its batch only; later batches still run; flush waits for all', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(async (items) => {
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (calls === 1) throw new Error('down');
      return items;
    });
    const failed = commit.submit(1);
    failed.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve)); // the first write is in flight
    const later = commit.submit(2);
    await expect(failed).rejects.toThrow('down');
    await commit.flush();
    await expect(later).resolves.toBe(2);
  });

  it('bounds a batch', async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 3);
    await Promise.all(Array.from({ length: 7 }, (_, i) => commit.submit(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);
  });
});
