/**
 * A concurrency limit with a queue, so a thousand dropped files do not open a
 * thousand streams at once. Written here rather than taken from p-limit
 * because dev also needs to drop what has not started (at shutdown) and to
 * know when everything settled.
 */
import { SluiceError } from '../core/errors.js';

/** The queue closed before this task's turn came; it never ran. */
export class QueueClosedError extends SluiceError {
  constructor() {
    super('DEV.QUEUE_CLOSED', 'the work queue closed before this task started');
  }
}

export class WorkQueue {
  readonly #concurrency: number;
  readonly #waiting: Array<(granted: boolean) => void> = [];
  readonly #idleWaiters: Array<() => void> = [];
  #active = 0;
  #closed = false;

  /** @param concurrency tasks running at once, at least 1 */
  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be an integer of at least 1 (given ${concurrency})`);
    }
    this.#concurrency = concurrency;
  }

  /** Tasks started and not yet settled. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `work` when a slot is free; throws QueueClosedError if the queue closes first. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new QueueClosedError();
    if (this.#active < this.#concurrency) {
      this.#active++;
    } else {
      // A finishing task hands its slot straight over, so `active` never overshoots.
      const granted = await new Promise<boolean>((resolve) => this.#waiting.push(resolve));
      if (!granted) throw new QueueClosedError();
    }
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  /** Resolves once nothing runs and nothing waits. */
  onIdle(): Promise<void> {
    if (this.#active === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Tasks already running finish; waiting and later ones are refused with QueueClosedError. */
  close(): void {
    this.#closed = true;
    for (const refuse of this.#waiting.splice(0)) refuse(false);
    this.#settleIdle();
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) {
      next(true);
      return;
    }
    this.#active--;
    this.#settleIdle();
  }

  #settleIdle(): void {
    if (this.#active > 0 || this.#waiting.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
