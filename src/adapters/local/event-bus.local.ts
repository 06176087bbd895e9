/**
 * EventBus inside one process: events are validated, recorded, and handed to
 * subscribers on a later tick, with retries and a dead-letter file standing in
 * for EventBridge's retry policy and SQS dead-letter queue.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, EventValidationError, errorMessage } from '../../core/errors.js';
import { type DetailType, EVENT_SCHEMAS, parseEvent, type SluiceEvent } from '../../core/events.js';
import {
  type Clock,
  type EventBus,
  type Logger,
  type PublishResult,
  silentLogger,
  systemClock,
} from '../../core/ports.js';
import { serializeError } from './logger.json.js';

export type EventHandler<T extends DetailType = DetailType> = (event: SluiceEvent<T>) => Promise<void>;

export interface LocalEventBusOptions {
  /** JSON-lines file that receives each event whose delivery failed on every attempt. */
  readonly deadLetterFile: string;
  /** Deliveries per handler and event, the first included; at least 1. @default 3 */
  readonly maxAttempts?: number;
  /** Wait before the first retry, doubled before each further one; at least 0. @default 100 */
  readonly baseDelayMs?: number;
  /** How the bus waits between attempts; tests inject one that returns at once. @default timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Stamps dead letters. @default systemClock */
  readonly clock?: Clock;
}

export class LocalEventBus implements EventBus {
  readonly #handlers = new Map<DetailType, EventHandler[]>();
  readonly #published: SluiceEvent[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #deadLetterFile: string;
  #deadLetteredCount = 0;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #logger: Logger;
  readonly #clock: Clock;

  constructor(options: LocalEventBusOptions) {
    const { maxAttempts = 3, baseDelayMs = 100 } = options;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new ConfigError(`maxAttempts must be an integer of at least 1 (given ${maxAttempts})`);
    }
    if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) {
      throw new ConfigError(`baseDelayMs must be a finite number of at least 0 (given ${baseDelayMs})`);
    }
    this.#deadLetterFile = options.deadLetterFile;
    this.#maxAttempts = maxAttempts;
    this.#baseDelayMs = baseDelayMs;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
  }

  /** Every event accepted so far, in publish order. */
  get published(): readonly SluiceEvent[] {
    return this.#published;
  }

  /** Deliveries that failed every attempt and went to the dead-letter file. */
  get deadLettered(): number {
    return this.#deadLetteredCount;
  }

  subscribe<T extends DetailType>(detailType: T, handler: EventHandler<T>): void {
    const handlers = this.#handlers.get(detailType) ?? [];
    // Safe widening: a handler is only ever called with events of its own detail type.
    handlers.push(handler as unknown as EventHandler);
    this.#handlers.set(detailType, handlers);
  }

  async publish(events: readonly SluiceEvent[]): Promise<PublishResult> {
    let published = 0;
    const failed: { event: SluiceEvent; error: string }[] = [];
    for (const event of events) {
      let accepted: SluiceEvent;
      try {
        accepted = validate(event);
      } catch (error) {
        failed.push({ event, error: errorMessage(error) });
        continue;
      }
      this.#published.push(accepted);
      published += 1;
      for (const handler of this.#handlers.get(accepted.detailType) ?? []) {
        // #deliver only rejects on a bug (a throwing sleep); log it rather than crash the process.
        const delivery = this.#deliver(accepted, handler).catch((error: unknown) => {
          this.#logger.error('event delivery crashed', { detailType: accepted.detailType, error });
        });
        this.#inFlight.add(delivery);
        void delivery.finally(() => this.#inFlight.delete(delivery));
      }
    }
    return { published, failed };
  }

  /** Resolves once every delivery, retries and dead letters included, has settled. */
  async drain(): Promise<void> {
    // Handlers may publish in turn, so keep waiting until nothing new started.
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #deliver(event: SluiceEvent, handler: EventHandler): Promise<void> {
    // A later macrotask, as on a real bus: the publisher never runs inside its subscribers.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handler(event);
        return;
      } catch (error) {
        if (attempt >= this.#maxAttempts) {
          await this.#deadLetter(event, error, attempt);
          return;
        }
        const waitMs = this.#baseDelayMs * 2 ** (attempt - 1);
        this.#logger.warn('event handler failed, retrying', {
          detailType: event.detailType,
          attempt,
          waitMs,
          error,
        });
        await this.#sleep(waitMs);
      }
    }
  }

  async #deadLetter(event: SluiceEvent, error: unknown, attempts: number): Promise<void> {
    this.#deadLetteredCount++;
    const letter = {
      failedAt: new Date(this.#clock.now()).toISOString(),
      attempts,
      error: error instanceof Error ? serializeError(error) : { name: 'Error', message: String(error) },
      event,
    };
    this.#logger.error('event handler failed on every attempt, dead-lettered', {
      detailType: event.detailType,
      attempts,
      deadLetterFile: this.#deadLetterFile,
      error,
    });
    try {
      await mkdir(path.dirname(this.#deadLetterFile), { recursive: true });
      await appendFile(this.#deadLetterFile, `${JSON.stringify(letter)}\n`, 'utf8');
    } catch (writeError) {
      // Last resort: the event itself goes to the log so it is not lost silently.
      this.#logger.error('could not write dead letter', { letter, error: writeError });
    }
  }
}

function validate(event: SluiceEvent): SluiceEvent {
  const { detailType } = event;
  if (!Object.hasOwn(EVENT_SCHEMAS, detailType)) {
    throw new EventValidationError(`unknown detail type ${JSON.stringify(detailType)}`);
  }
  const { source } = EVENT_SCHEMAS[detailType];
  if (event.source !== source) {
    throw new EventValidationError(`${detailType} must come from ${source} (given ${event.source})`);
  }
  return { source, detailType, detail: parseEvent(detailType, event.detail) };
}
