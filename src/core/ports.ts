/**
 * The ports every stage is written against. Adapters in src/adapters/{local,aws}
 * implement them; stages never see a file system, an SDK or a wall clock directly.
 */
import type { Narrative } from './analyze/narrative.js';
import type { SluiceEvent } from './events.js';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Hex SHA-256 of the bytes when the store knows it without reading them. */
  readonly sha256?: string;
  readonly lastModified?: Date;
}

export interface PutOptions {
  /** @default 'application/octet-stream' */
  readonly contentType?: string;
  /** Create only: when an object already exists at the key, nothing is written and `created` is false. */
  readonly ifNoneMatch?: boolean;
}

export interface ObjectWriter {
  /**
   * Resolves once the chunk is accepted; awaiting it applies backpressure. The
   * writer owns the chunk from then on: callers must not modify it afterwards.
   */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Makes the object visible at its key, all at once. */
  close(): Promise<ObjectInfo>;
  /** Drops everything written; nothing becomes visible at the key. */
  abort(): Promise<void>;
}

export interface ObjectStore {
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Streams the bytes; throws ObjectNotFoundError when absent. */
  getStream(key: string): Promise<AsyncIterable<Uint8Array>>;
  getBytes(key: string): Promise<Uint8Array>;
  put(key: string, body: string | Uint8Array, options?: PutOptions): Promise<{ created: boolean }>;
  /** Streaming write of an object too large to build in memory; atomic at close. */
  openWriter(key: string, options?: PutOptions): Promise<ObjectWriter>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
}

export type ClaimStatus = 'in_progress' | 'completed';

export interface ClaimRecord {
  readonly key: string;
  readonly status: ClaimStatus;
  readonly owner: string;
  /** Epoch MILLISECONDS after which an in_progress claim may be taken over. */
  readonly expiresAt: number;
  readonly updatedAt: number;
  readonly result?: unknown;
}

export interface ClaimRequest {
  readonly owner: string;
  readonly now: number;
  /** How long the claim protects the work before another worker may take it over. */
  readonly ttlMs: number;
  /**
   * Take the claim even when completed (reprocessing on purpose). Never a live
   * in-progress claim: two forced runs would both write the same outputs.
   */
  readonly force?: boolean;
}

export type ClaimOutcome =
  | { readonly acquired: true; readonly claim: ClaimRecord }
  | { readonly acquired: false; readonly existing: ClaimRecord };

export interface StateItem {
  readonly pk: string;
  readonly sk: string;
  readonly data: unknown;
  /** Epoch SECONDS (DynamoDB's TTL unit) after which the store may delete the item. */
  readonly expiresAt?: number;
}

export interface QueryOptions {
  readonly skPrefix?: string;
  /** Inclusive lower bound on sk. */
  readonly skFrom?: string;
  /** Inclusive upper bound on sk. */
  readonly skTo?: string;
  readonly limit?: number;
  /** @default false (ascending) */
  readonly descending?: boolean;
}

export interface StateStore {
  /** Conditional write: succeeds when no claim exists, or the existing one is in progress and expired. */
  claim(key: string, request: ClaimRequest): Promise<ClaimOutcome>;
  /**
   * Marks a claim completed with its result, kept `retainMs` so retries find it.
   * Only the owner may: false when the claim is no longer the caller's (it expired
   * and another worker took it over).
   */
  complete(
    key: string,
    owner: string,
    result: unknown,
    options: { now: number; retainMs: number },
  ): Promise<boolean>;
  /**
   * Heartbeat: pushes an in-progress claim's expiry to `now + ttlMs`. Only the owner
   * may: false when the claim is no longer the caller's, which means stop working.
   */
  renew(key: string, owner: string, options: { now: number; ttlMs: number }): Promise<boolean>;
  /** Gives up a claim after a failure so a retry need not wait for expiry. Only the owner may. */
  release(key: string, owner: string): Promise<void>;
  getClaim(key: string): Promise<ClaimRecord | undefined>;
  put(item: StateItem): Promise<void>;
  putMany(items: readonly StateItem[]): Promise<void>;
  get(pk: string, sk: string): Promise<StateItem | undefined>;
  query(pk: string, options?: QueryOptions): Promise<StateItem[]>;
}

export interface PublishResult {
  readonly published: number;
  readonly failed: ReadonlyArray<{ readonly event: SluiceEvent; readonly error: string }>;
}

export interface EventBus {
  publish(events: readonly SluiceEvent[]): Promise<PublishResult>;
}

export interface Clock {
  now(): number;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export const systemClock: Clock = { now: () => Date.now() };

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

export type MetricUnit = 'Count' | 'Milliseconds' | 'Percent' | 'Bytes' | 'None';

/** Business and operational metrics; EMF on Lambda, the manifest and logs locally. */
export interface Metrics {
  add(name: string, unit: MetricUnit, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

export const noMetrics: Metrics = { add() {} };

export interface AnalystRequest {
  readonly dataset: string;
  readonly correlationId: string;
  /** The computed figures, JSON-serializable; the only numbers the narrative may use. */
  readonly facts: unknown;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface AnalystResult {
  readonly narrative: Narrative;
  /** Model id, or `offline`. */
  readonly model: string;
  /** Usage summed over every attempt, failed ones included: they were billed. */
  readonly usage: TokenUsage;
  readonly attempts: number;
  readonly latencyMs: number;
}

/** Writes a narrative about computed figures. Throws AnalystError when it cannot produce a valid one. */
export interface Analyst {
  readonly name: string;
  write(request: AnalystRequest): Promise<AnalystResult>;
}

export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Uint8Array;
  /** Content-ID for an inline image the HTML references as `cid:<cid>`. */
  readonly cid?: string;
}

export interface MailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly attachments: readonly MailAttachment[];
  /** Extra headers, e.g. X-Sluice-Correlation-Id. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A stable Message-ID (`<...@...>`), so a resend after a crash can be recognized as the same message. */
  readonly messageId?: string;
}

export interface SentMail {
  /** The provider's message id (SES MessageId) or the Message-ID header (SMTP, outbox). */
  readonly messageId: string;
  readonly mailer: string;
  /** Where a copy can be seen: the outbox .eml and .html paths. */
  readonly files?: { readonly eml: string; readonly html: string };
}

/** Sends one message; throws on failure after the adapter's own retries. */
export interface Mailer {
  readonly name: string;
  send(message: MailMessage): Promise<SentMail>;
}

/** Turns a chart's SVG into PNG bytes for mail clients that do not show SVG. */
export interface ChartRasterizer {
  toPng(svg: string): Uint8Array;
}
