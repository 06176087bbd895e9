/**
 * The invocation's deadline, for the retry loops that run inside it (Bedrock,
 * SES). Lambda stops a function at its timeout wherever it is; a retry loop that
 * sleeps or waits past that point loses the whole batch, with nothing recorded.
 * So every call made through a deadline-bound client is cut off when the deadline
 * comes, and no backoff sleep reaches past it: the loop ends with a
 * DeadlineExceededError while there is still time (the margin) to record the
 * failure, give the claim back and report the record.
 *
 * Both wrappers use the adapters' own injection points (the SDK client and the
 * `sleep` of their retry options), so the adapters stay unaware of Lambda.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '../../core/errors.js';
import { type Clock, systemClock } from '../../core/ports.js';

export class DeadlineExceededError extends SluiceError {
  constructor(what: string, remainingMs: number) {
    super(
      'LAMBDA.DEADLINE',
      `no time left for ${what}: ${Math.max(0, Math.round(remainingMs))} ms before the invocation's deadline`,
    );
  }
}

/** True for the error or for an error caused by it (an adapter may wrap it). */
export function isDeadlineExceeded(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DeadlineExceededError) return true;
  }
  return false;
}

/** The part of the Lambda context that says how long the invocation may still run. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * One per container: each invocation sets it from its context before any work,
 * since a container runs one invocation at a time. Unset, nothing is limited.
 */
export class InvocationDeadline {
  readonly #clock: Clock;
  #at: number | undefined;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** The work must end `marginMs` before the invocation does. */
  start(context: RemainingTime, marginMs: number): void {
    this.#at = this.#clock.now() + context.getRemainingTimeInMillis() - marginMs;
  }

  /** Milliseconds left before the deadline; Infinity when none is set. */
  remainingMs(): number {
    return this.#at === undefined ? Number.POSITIVE_INFINITY : this.#at - this.#clock.now();
  }

  /** Throws DeadlineExceededError unless more than `neededMs` is left. */
  require(what: string, neededMs = 0): void {
    const remaining = this.remainingMs();
    if (remaining <= neededMs) throw new DeadlineExceededError(what, remaining);
  }

  /** A retry option `sleep` that refuses to sleep into the deadline. */
  sleep(inner: (ms: number) => Promise<void> = (ms) => delay(ms)): (ms: number) => Promise<void> {
    return async (ms) => {
      this.require(`a ${Math.round(ms)} ms backoff`, ms);
      await inner(ms);
    };
  }

  /**
   * The SDK client with every `send` refused once the deadline has passed and aborted
   * when it comes (on top of the caller's own per-call timeout).
   */
  bind<C extends { send: (...args: never[]) => Promise<unknown> }>(client: C, what: string): C {
    return new Proxy(client, {
      get: (target, property, receiver) => {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return (command: unknown, options?: { abortSignal?: AbortSignal }) => {
          this.require(what);
          const remaining = this.remainingMs();
          const signals = [
            ...(options?.abortSignal ? [options.abortSignal] : []),
            ...(Number.isFinite(remaining) ? [AbortSignal.timeout(Math.max(1, remaining))] : []),
          ];
          const abortSignal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
          return (target.send as (c: unknown, o?: object) => Promise<unknown>).call(target, command, {
            ...options,
            ...(abortSignal ? { abortSignal } : {}),
          });
        };
      },
    });
  }
}
