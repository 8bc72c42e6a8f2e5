import type { Logger } from '../logging/logger';

/**
 * Work done after a response was sent (so its duration tells a client nothing), tracked so that
 * shutdown can wait for it. A failure is logged, never thrown.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(name: string, task: () => Promise<unknown>): void {
    const promise = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (error: unknown) => this.logger.error({ event: 'background.failed', task: name, err: error }, `background task ${name} failed`),
      )
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  /** Waits for running tasks, at most `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
