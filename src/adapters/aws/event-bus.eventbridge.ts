/**
 * EventBus on Amazon EventBridge (PutEvents). PutEvents is not all-or-nothing:
 * a 200 can carry failed entries, so only those are sent again, with full-jitter
 * backoff; whatever still fails after the last attempt is returned in
 * `PublishResult.failed` with its error code, never dropped. The client must be
 * built with `maxAttempts: 1` (createEventBridgeClient) so these retries are the only ones.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type Backoff, retryDelayMs } from '../../core/analyze/retry.js';
import { ConfigError, errorMessage } from '../../core/errors.js';
import type { SluiceEvent } from '../../core/events.js';
import { type EventBus, type Metrics, noMetrics, type PublishResult } from '../../core/ports.js';
import { singleAttemptClientConfig, TRANSIENT_NETWORK_CODES } from '../network-errors.js';

/** PutEvents accepts at most this many entries per call. */
export const MAX_ENTRIES_PER_CALL = 10;
/** PutEvents' limit on the summed entry sizes of one call (and so on one entry). */
export const MAX_CALL_BYTES = 256 * 1024;

/** A client whose own retries are off, so the adapter's are the only ones. */
export function createEventBridgeClient(options: { region: string; endpoint?: string }): EventBridgeClient {
  return new EventBridgeClient(singleAttemptClientConfig(options));
}

export interface EventBridgeBusOptions {
  /** Built with `maxAttempts: 1` (createEventBridgeClient); tests point it at a loopback server. */
  readonly client: EventBridgeClient;
  /** Name or ARN of the custom bus. */
  readonly busName: string;
  /** Calls per entry, the first included; 1..20. @default 5 */
  readonly maxAttempts?: number;
  /** @default { baseMs: 100, capMs: 5000 } */
  readonly backoff?: Backoff;
  /** @default timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Counts resent entries as `EventsPublishRetries`, and entries given up on as `EventsPublishFailed`. @default noMetrics */
  readonly metrics?: Metrics;
  /** X-Ray trace header for each entry; on Lambda the runtime sets `_X_AMZN_TRACE_ID`. @default reads it */
  readonly traceHeader?: () => string | undefined;
}

// Entry error codes PutEvents documents as transient; anything else (malformed detail, access) will fail again.
const RETRYABLE_ENTRY_CODES = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);
const RETRYABLE_CALL_ERRORS = new Set([
  'ThrottlingException',
  'InternalException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'AbortError',
]);
const NETWORK_CODES = TRANSIENT_NETWORK_CODES;

function isRetryableCallError(error: unknown): boolean {
  const { name, code, $metadata } = (error ?? {}) as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (name !== undefined && RETRYABLE_CALL_ERRORS.has(name)) return true;
  const status = $metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  return code !== undefined && NETWORK_CODES.has(code);
}

const utf8Bytes = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text));

/** EventBridge's own rule: Time is 14 bytes, Source, DetailType, Detail and each Resource their UTF-8 length. */
export function entrySize(entry: PutEventsRequestEntry): number {
  return (
    (entry.Time === undefined ? 0 : 14) +
    utf8Bytes(entry.Source) +
    utf8Bytes(entry.DetailType) +
    utf8Bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + utf8Bytes(resource), 0)
  );
}

interface Pending {
  readonly event: SluiceEvent;
  readonly entry: PutEventsRequestEntry;
  readonly size: number;
}

type Failure = PublishResult['failed'][number];

/** Consecutive batches of at most 10 entries and 256 KB, in publish order. */
function batchesOf(pending: readonly Pending[]): Pending[][] {
  const batches: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of pending) {
    if (current.length === MAX_ENTRIES_PER_CALL || bytes + item.size > MAX_CALL_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const checkRange = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} inclusive (given ${value})`);
  }
  return value;
};

export class EventBridgeBus implements EventBus {
  readonly #client: EventBridgeClient;
  readonly #busName: string;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #metrics: Metrics;
  readonly #traceHeader: () => string | undefined;

  constructor(options: EventBridgeBusOptions) {
    if (options.busName.trim() === '') throw new ConfigError('busName must not be empty');
    this.#client = options.client;
    this.#busName = options.busName;
    this.#maxAttempts = checkRange('maxAttempts', options.maxAttempts ?? 5, 1, 20);
    this.#backoff = options.backoff ?? { baseMs: 100, capMs: 5000 };
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#random = options.random ?? Math.random;
    this.#metrics = options.metrics ?? noMetrics;
    this.#traceHeader = options.traceHeader ?? (() => process.env._X_AMZN_TRACE_ID);
  }

  async publish(events: readonly SluiceEvent[]): Promise<PublishResult> {
    const failed: Failure[] = [];
    const pending: Pending[] = [];
    const traceHeader = this.#traceHeader();
    for (const event of events) {
      const entry: PutEventsRequestEntry = {
        Source: event.source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        EventBusName: this.#busName,
        ...(traceHeader ? { TraceHeader: traceHeader } : {}),
      };
      const size = entrySize(entry);
      if (size > MAX_CALL_BYTES) {
        failed.push({ event, error: `EntryTooLarge: ${size} bytes, over PutEvents' ${MAX_CALL_BYTES}` });
      } else {
        pending.push({ event, entry, size });
      }
    }
    let published = 0;
    for (const batch of batchesOf(pending)) {
      const outcome = await this.#send(batch);
      published += outcome.published;
      failed.push(...outcome.failed);
    }
    // The caller decides what a failed event means; the metric makes sure it is seen either way.
    if (failed.length > 0) this.#metrics.add('EventsPublishFailed', 'Count', failed.length);
    return { published, failed };
  }

  async #send(batch: readonly Pending[]): Promise<PublishResult> {
    const failed: Failure[] = [];
    let published = 0;
    let remaining = batch;
    for (let attempt = 1; ; attempt++) {
      const retry: Array<{ item: Pending; error: string }> = [];
      try {
        const out = await this.#client.send(
          new PutEventsCommand({ Entries: remaining.map((item) => item.entry) }),
        );
        remaining.forEach((item, i) => {
          const result: PutEventsResultEntry | undefined = out.Entries?.[i];
          if (result?.EventId !== undefined && result.ErrorCode === undefined) {
            published++;
            return;
          }
          // No result at all for an entry is not a refusal: sending it again is the safe side.
          const code = result?.ErrorCode ?? 'MissingResult';
          const error = `${code}: ${result?.ErrorMessage ?? 'no result entry for this event'}`;
          if (code === 'MissingResult' || RETRYABLE_ENTRY_CODES.has(code)) retry.push({ item, error });
          else failed.push({ event: item.event, error });
        });
      } catch (error) {
        const name = (error as { name?: string } | undefined)?.name ?? 'Error';
        const described = `${name}: ${errorMessage(error)}`;
        if (!isRetryableCallError(error)) {
          failed.push(...remaining.map((item) => ({ event: item.event, error: described })));
          return { published, failed };
        }
        retry.push(...remaining.map((item) => ({ item, error: described })));
      }
      if (retry.length === 0) return { published, failed };
      if (attempt >= this.#maxAttempts) {
        failed.push(...retry.map(({ item, error }) => ({ event: item.event, error })));
        return { published, failed };
      }
      this.#metrics.add('EventsPublishRetries', 'Count', retry.length);
      await this.#sleep(retryDelayMs(attempt, this.#backoff, this.#random));
      remaining = retry.map(({ item }) => item);
    }
  }
}
