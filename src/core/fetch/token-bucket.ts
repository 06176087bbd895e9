/**
 * API credits per minute as a token bucket whose tokens come back one window
 * (a minute) after they were spent, rather than trickling back at capacity/60
 * per second. A continuous refill lets through up to twice the capacity in one
 * minute (a full burst, then the trickle), which Twelve Data, resetting credits
 * every minute, answers with 429. This bucket never spends more than its
 * capacity in any window, so it also never exceeds capacity + rate × elapsed.
 * Time and sleeping are injected.
 */
import type { Clock } from '../ports.js';

/** Tokens spent at a time; handed back by `take` so a refused request can give them back. */
export interface Grant {
  readonly tokens: number;
  readonly at: number;
}

export interface BucketWait {
  readonly waitMs: number;
  readonly tokens: number;
  readonly capacity: number;
  readonly windowMs: number;
}

export interface TokenBucketOptions {
  /** Tokens one window allows: the plan's credits per minute. */
  readonly capacity: number;
  /** @default 60000 */
  readonly windowMs?: number;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** Told before each wait, for progress messages. */
  readonly onWait?: (wait: BucketWait) => void;
}

export class TokenBucket {
  readonly capacity: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onWait: ((wait: BucketWait) => void) | undefined;
  /** Live spends, oldest first. */
  #spent: Grant[] = [];

  constructor(options: TokenBucketOptions) {
    const { capacity, windowMs = 60_000 } = options;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be an integer >= 1 (given ${capacity})`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0 (given ${windowMs})`);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.#clock = options.clock;
    this.#sleep = options.sleep;
    this.#onWait = options.onWait;
  }

  /** Tokens per millisecond over the long run. */
  get rate(): number {
    return this.capacity / this.windowMs;
  }

  available(): number {
    return this.capacity - this.#live();
  }

  /** How long until `tokens` are available; 0 when they are now. */
  waitMs(tokens: number): number {
    this.#check(tokens);
    const now = this.#clock.now();
    let excess = this.#live() + tokens - this.capacity;
    if (excess <= 0) return 0;
    for (const spend of this.#spent) {
      excess -= spend.tokens;
      if (excess <= 0) return spend.at + this.windowMs - now;
    }
    // Unreachable: tokens <= capacity, so expiring every spend makes room.
    return this.windowMs;
  }

  /** Until every token is back. */
  fullInMs(): number {
    const last = this.#spent[this.#spent.length - 1];
    return last === undefined ? 0 : Math.max(0, last.at + this.windowMs - this.#clock.now());
  }

  /** Spends `tokens` now if they are available. */
  tryTake(tokens: number): Grant | undefined {
    if (this.waitMs(tokens) > 0) return undefined;
    return this.#spend(tokens);
  }

  /** Spends `tokens`, sleeping first until they are available. */
  async take(tokens: number): Promise<Grant> {
    for (;;) {
      const waitMs = this.waitMs(tokens);
      if (waitMs === 0) return this.#spend(tokens);
      this.#onWait?.({ waitMs, tokens, capacity: this.capacity, windowMs: this.windowMs });
      await this.#sleep(waitMs);
    }
  }

  /**
   * Counts a grant's tokens as spent now rather than when they were taken: the
   * server counted them somewhere in between, so the later time is the safe one.
   */
  settle(grant: Grant): Grant {
    this.release(grant);
    return this.#spend(grant.tokens);
  }

  /** Gives a grant back: the request it paid for was refused and cost nothing. */
  release(grant: Grant): void {
    this.#spent = this.#spent.filter((spend) => spend !== grant);
  }

  /** Marks every token spent now: the server says the window's credits are gone, whatever we counted. */
  drain(): void {
    const left = this.available();
    if (left > 0) this.#spend(left);
  }

  #spend(tokens: number): Grant {
    const grant: Grant = { tokens, at: this.#clock.now() };
    this.#spent.push(grant);
    return grant;
  }

  #live(): number {
    const now = this.#clock.now();
    this.#spent = this.#spent.filter((spend) => spend.at + this.windowMs > now);
    return this.#spent.reduce((sum, spend) => sum + spend.tokens, 0);
  }

  #check(tokens: number): void {
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > this.capacity) {
      throw new RangeError(`tokens must be an integer between 1 and ${this.capacity} (given ${tokens})`);
    }
  }
}
