import { Worker } from 'node:worker_threads';

/** One unit of password work, run by a pool thread. */
export type HashJob = { op: 'hash'; password: string; params: Record<string, number> } | { op: 'verify'; hash: string; password: string };

export interface HashPoolOptions {
  /** Threads (default: one per core: at low priority they only take what requests leave). */
  size: number;
  /** The threads' nice value (Linux: per thread; 0–19, higher is lower priority). */
  nice: number;
  /** Jobs that may wait for a thread; beyond this, load is shed (contract: 32). */
  maxQueued: number;
  /** Shed when a new job would wait longer than this (contract: 2 s). */
  maxWaitMs: number;
  /** A thread idle this long ends (an idle server keeps no argon2 threads, nor their memory). */
  idleMs: number;
}

export const DEFAULT_HASH_POOL: Omit<HashPoolOptions, 'size'> = { nice: 10, maxQueued: 32, maxWaitMs: 2_000, idleMs: 30_000 };

/** The pool is full: how long until it likely has room. */
export class HashPoolOverloaded extends Error {
  override name = 'HashPoolOverloaded';
  constructor(readonly retryAfterMs: number) {
    super(`password hashing is overloaded: retry in ${Math.ceil(retryAfterMs / 1_000)} s`);
  }
}

// The thread's program: plain CommonJS run from a string, so it loads the same way under tsx,
// jest and the compiled build. The argon2 work runs synchronously on this (niced) thread, not
// on libuv's shared pool, whose threads run at the process's priority.
const workerSource = (argon2Path: string, nice: number) => `
const { parentPort } = require('node:worker_threads');
const { hashSync, verifySync } = require(${JSON.stringify(argon2Path)});
try { require('node:os').setPriority(${nice}); } catch {}
parentPort.on('message', ({ id, job }) => {
  try {
    const result = job.op === 'hash' ? hashSync(job.password, job.params) : verifyOrFalse(job.hash, job.password);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
function verifyOrFalse(hash, password) {
  try { return verifySync(hash, password); } catch { return false; }
}
`;

interface Pending {
  id: number;
  job: HashJob;
  resolve(result: string | boolean): void;
  reject(error: Error): void;
}

/**
 * Password hashing on dedicated threads at a lower scheduling priority, with a bounded queue:
 * the API's own thread always wins the CPU from a login storm, and a storm beyond what the
 * machine can hash is refused at once (HashPoolOverloaded) instead of queueing without end.
 * A job's expected wait is the work ahead of it times the fastest recent time per hash.
 */
export class HashPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending & { startedAt: number }>();
  private readonly retirements = new Map<Worker, NodeJS.Timeout>();
  private nextId = 0;
  /** Wall times of the last jobs, newest last (a few dozen). */
  private readonly recentMs: number[] = [];
  private readonly source: string;
  private closed = false;

  /** Threads start when work arrives and end when idle (options.idleMs). */
  constructor(private readonly options: HashPoolOptions) {
    this.source = workerSource(require.resolve('@node-rs/argon2'), options.nice);
  }

  private spawn(): Worker {
    const worker = new Worker(this.source, { eval: true });
    worker.on('message', (message: { id: number; result?: string | boolean; error?: string }) => this.settle(worker, message));
    worker.on('error', (error) => this.fail(worker, error));
    // Threads never keep the process alive (shutdown does not wait for them). After the
    // listeners: adding a 'message' listener refs the thread's port again.
    worker.unref();
    this.all.push(worker);
    return worker;
  }

  /** Jobs waiting for a thread. */
  get queueLength(): number {
    return this.queue.length;
  }

  /**
   * The least time one job takes here: the fastest of the recent ones (argon2id's ~20 ms before
   * any). A starved thread's jobs take longer (nice 10 yields to everything else), so a wait
   * estimated from it is a lower bound: shedding on it refuses only logins that would certainly
   * wait too long, never a handful on a busy machine. The queue bound caps the rest.
   */
  private get serviceMs(): number {
    return this.recentMs.length > 0 ? Math.min(...this.recentMs) : 20;
  }

  /** How long a job submitted now would wait at least before a thread takes it. */
  private expectedWaitMs(): number {
    const free = this.idle.length + this.options.size - this.all.length;
    return free > 0 ? 0 : ((this.queue.length + 1) * this.serviceMs) / this.options.size;
  }

  /** Throws HashPoolOverloaded when a job submitted now would be shed. */
  admit(): void {
    const wait = this.expectedWaitMs();
    if (this.queue.length >= this.options.maxQueued || wait > this.options.maxWaitMs) throw new HashPoolOverloaded(Math.max(wait, this.serviceMs));
  }

  async run(job: HashJob): Promise<string | boolean> {
    this.admit();
    return new Promise((resolve, reject) => {
      this.queue.push({ id: (this.nextId += 1), job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retirements.values()) clearTimeout(timer);
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const worker = this.idle.pop() ?? (this.all.length < this.options.size ? this.spawn() : undefined);
      if (!worker) return;
      clearTimeout(this.retirements.get(worker));
      this.retirements.delete(worker);
      const pending = this.queue.shift()!;
      this.running.set(worker, { ...pending, startedAt: performance.now() });
      worker.postMessage({ id: pending.id, job: pending.job });
    }
  }

  private settle(worker: Worker, message: { id: number; result?: string | boolean; error?: string }): void {
    const pending = this.running.get(worker);
    this.running.delete(worker);
    this.idle.push(worker);
    this.retirements.set(worker, setTimeout(() => this.retire(worker), this.options.idleMs).unref());
    if (pending) {
      this.recentMs.push(performance.now() - pending.startedAt);
      if (this.recentMs.length > 32) this.recentMs.shift();
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.result!);
    }
    this.dispatch();
  }

  /** An idle thread ends; one starts again when work arrives. */
  private retire(worker: Worker): void {
    this.forget(worker);
    void worker.terminate();
  }

  /** A thread died (it should not: argon2 errors are caught there): fail its job; the next job starts another. */
  private fail(worker: Worker, error: Error): void {
    this.running.get(worker)?.reject(error);
    this.forget(worker);
    this.dispatch();
  }

  private forget(worker: Worker): void {
    this.running.delete(worker);
    clearTimeout(this.retirements.get(worker));
    this.retirements.delete(worker);
    if (this.all.includes(worker)) this.all.splice(this.all.indexOf(worker), 1);
    if (this.idle.includes(worker)) this.idle.splice(this.idle.indexOf(worker), 1);
  }
}
