/**
 * StateStore on one DynamoDB table keyed by pk and sk strings (docs/dynamodb-table.md).
 * A claim is one conditional PutItem, so claimers on any number of Lambdas cannot both
 * win; items keep their data as a map. DynamoDB deletes expired items lazily (within
 * days), so every read also hides what has expired.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError, errorMessage, SluiceError, StateStoreError } from '../../core/errors.js';
import {
  type ClaimOutcome,
  type ClaimRecord,
  type ClaimRequest,
  type Clock,
  type Metrics,
  noMetrics,
  type QueryOptions,
  type StateItem,
  type StateStore,
  systemClock,
} from '../../core/ports.js';

/** Claims live beside items in the same table, under a pk prefix items may not use. */
export const CLAIM_PK_PREFIX = 'CLAIM#';
export const CLAIM_SK = 'CLAIM';
/** BatchWriteItem's limit per request. */
const BATCH_SIZE = 25;
// A claim found on a failed write can vanish (released, or deleted by TTL) before we read
// it; claiming again is then right, and this bounds the loop.
const CLAIM_ATTEMPTS = 3;

export interface BatchRetryOptions {
  /** Tries per batch of 25, the first included, before STATE.UNPROCESSED_ITEMS or STATE.THROTTLED; 1..20. @default 8 */
  readonly maxAttempts?: number;
  /** Backoff ceiling of the first retry; doubles each retry (full jitter). @default 50 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** @default setTimeout from node:timers/promises */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface DynamoDbStateStoreOptions {
  /** A document client; build it with `marshallOptions: { removeUndefinedValues: true }`. */
  readonly client: DynamoDBDocumentClient;
  readonly table: string;
  /** Source of "now" for item expiry (claims use the `now` they are given). @default systemClock */
  readonly clock?: Clock;
  readonly batchRetry?: BatchRetryOptions;
  /**
   * Counts items sent again after BatchWriteItem left them unprocessed or was throttled
   * (`StateWriteRetries`), and items given up on (`StateWriteFailed`). @default noMetrics
   */
  readonly metrics?: Metrics;
}

/** DynamoDB kept throttling after the SDK's and our retries; safe to retry later. */
export class StateThrottledError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATE.THROTTLED', message, options);
  }
}

/** BatchWriteItem kept returning some items unprocessed; those items were not written. */
export class UnprocessedItemsError extends SluiceError {
  readonly unprocessed: number;

  constructor(unprocessed: number, attempts: number) {
    super('STATE.UNPROCESSED_ITEMS', `${unprocessed} items still unprocessed after ${attempts} attempts`);
    this.unprocessed = unprocessed;
  }
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
const nameOf = (error: unknown): string | undefined => (error as { name?: string } | undefined)?.name;
const isThrottling = (error: unknown): boolean => THROTTLING.has(nameOf(error) ?? '');
const isConditionFailed = (error: unknown): boolean => nameOf(error) === 'ConditionalCheckFailedException';

const translate = (what: string, error: unknown): SluiceError => {
  if (error instanceof SluiceError) return error;
  const message = `${what} failed: ${errorMessage(error)}`;
  return isThrottling(error)
    ? new StateThrottledError(message, { cause: error })
    : new StateStoreError(message, { cause: error });
};

type Attributes = Record<string, unknown>;

/** Epoch seconds for DynamoDB TTL, rounded up so the item is never deleted early. */
const ttlSeconds = (epochMs: number): number => Math.ceil(epochMs / 1000);

const claimPk = (key: string): string => `${CLAIM_PK_PREFIX}${key}`;

/**
 * The item a failed conditional write returns (ReturnValuesOnConditionCheckFailure) is
 * in DynamoDB's wire format, which the document client does not convert for errors.
 * Claims hold only strings and numbers.
 */
const fromWire = (item: Record<string, unknown>): Attributes =>
  Object.fromEntries(
    Object.entries(item).map(([name, value]) => {
      const wire = value as { S?: string; N?: string } | undefined;
      return [name, wire?.S ?? (wire?.N === undefined ? undefined : Number(wire.N))];
    }),
  );

const toClaim = (key: string, attributes: Attributes): ClaimRecord => {
  const claim = {
    key,
    status: attributes.status === 'completed' ? 'completed' : 'in_progress',
    owner: String(attributes.owner),
    expiresAt: Number(attributes.expiresAt),
    updatedAt: Number(attributes.updatedAt),
  } as const;
  // Stored as JSON text: opaque to DynamoDB, and any JSON value round-trips as in SQLite.
  return typeof attributes.result === 'string' ? { ...claim, result: JSON.parse(attributes.result) } : claim;
};

const assertItemPk = (pk: string): void => {
  if (pk.startsWith(CLAIM_PK_PREFIX)) {
    throw new StateStoreError(`pk ${JSON.stringify(pk)} is reserved for claims (prefix ${CLAIM_PK_PREFIX})`);
  }
};

const toAttributes = (item: StateItem): Attributes => {
  assertItemPk(item.pk);
  // A JSON round trip gives the data the same shape SQLite stores: no undefined, Dates as strings.
  const data: unknown = JSON.parse(JSON.stringify(item.data ?? null));
  return item.expiresAt === undefined
    ? { pk: item.pk, sk: item.sk, data }
    : { pk: item.pk, sk: item.sk, data, ttl: item.expiresAt };
};

const toItem = (attributes: Attributes): StateItem => {
  const item = { pk: String(attributes.pk), sk: String(attributes.sk), data: attributes.data ?? null };
  return attributes.ttl === undefined ? item : { ...item, expiresAt: Number(attributes.ttl) };
};

// DynamoDB compares string keys by their UTF-8 bytes.
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface SortKeyPlan {
  /** Appended to the partition condition, e.g. ' AND begins_with(#sk, :prefix)'. */
  readonly condition: string;
  readonly values: Record<string, string>;
  /** The whole filter, checked on each returned item. */
  matches(sk: string): boolean;
}

/**
 * DynamoDB takes at most one condition on the sort key, and none in a filter
 * expression. The tightest one goes to DynamoDB and the full filter is checked here;
 * the keys that pass form one run in sort order, so reading stops when the run ends.
 * Undefined: no key can match.
 */
function planSortKey(options: QueryOptions): SortKeyPlan | undefined {
  const { skPrefix: prefix, skFrom: from, skTo: to } = options;
  // Every key with the prefix sorts at or after the prefix itself.
  const lower = prefix !== undefined && (from === undefined || byteOrder(prefix, from) > 0) ? prefix : from;
  if (lower !== undefined && to !== undefined && byteOrder(lower, to) > 0) return undefined;
  const matches = (sk: string): boolean =>
    (prefix === undefined || sk.startsWith(prefix)) &&
    (from === undefined || byteOrder(sk, from) >= 0) &&
    (to === undefined || byteOrder(sk, to) <= 0);
  if (to !== undefined) {
    return lower === undefined
      ? { condition: ' AND #sk <= :to', values: { ':to': to }, matches }
      : { condition: ' AND #sk BETWEEN :lower AND :to', values: { ':lower': lower, ':to': to }, matches };
  }
  // Descending reads from the top: begins_with starts inside the prefix, '>=' would start at the partition's end.
  if (prefix !== undefined && (from === undefined || options.descending)) {
    return { condition: ' AND begins_with(#sk, :prefix)', values: { ':prefix': prefix }, matches };
  }
  if (lower !== undefined) return { condition: ' AND #sk >= :lower', values: { ':lower': lower }, matches };
  return { condition: '', values: {}, matches };
}

const checkRange = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max} inclusive (given ${value})`);
  }
  return value;
};

export class DynamoDbStateStore implements StateStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #metrics: Metrics;

  constructor(options: DynamoDbStateStoreOptions) {
    if (options.table.trim() === '') throw new ConfigError('table must not be empty');
    const retry = options.batchRetry ?? {};
    this.#client = options.client;
    this.#table = options.table;
    this.#clock = options.clock ?? systemClock;
    this.#maxAttempts = Math.trunc(checkRange('batchRetry.maxAttempts', retry.maxAttempts ?? 8, 1, 20));
    this.#baseDelayMs = checkRange('batchRetry.baseDelayMs', retry.baseDelayMs ?? 50, 0, 60_000);
    this.#maxDelayMs = checkRange('batchRetry.maxDelayMs', retry.maxDelayMs ?? 5000, 0, 300_000);
    this.#sleep = retry.sleep ?? ((ms) => delay(ms));
    this.#random = retry.random ?? Math.random;
    this.#metrics = options.metrics ?? noMetrics;
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimOutcome> {
    const expiresAt = request.now + request.ttlMs;
    const claim: ClaimRecord = {
      key,
      status: 'in_progress',
      owner: request.owner,
      expiresAt,
      updatedAt: request.now,
    };
    const item = {
      pk: claimPk(key),
      sk: CLAIM_SK,
      status: claim.status,
      owner: claim.owner,
      expiresAt,
      updatedAt: request.now,
      ttl: ttlSeconds(expiresAt),
    };
    // Free: never claimed, an in-progress claim past its expiry, or a completed one
    // past its retention that DynamoDB has not deleted yet (any completed one when
    // forced). A live in-progress claim is never taken, forced or not.
    const completedFree = request.force
      ? '#status = :completed'
      : '(#status = :completed AND #retainUntil < :now)';
    const condition = {
      ConditionExpression: `attribute_not_exists(pk) OR (#status = :inProgress AND #expiresAt < :now) OR ${completedFree}`,
      ExpressionAttributeNames: {
        '#status': 'status',
        '#expiresAt': 'expiresAt',
        ...(request.force ? {} : { '#retainUntil': 'retainUntil' }),
      },
      ExpressionAttributeValues: {
        ':inProgress': 'in_progress',
        ':completed': 'completed',
        ':now': request.now,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.send(new PutCommand({ TableName: this.#table, Item: item, ...condition }));
        return { acquired: true, claim };
      } catch (error) {
        if (!isConditionFailed(error)) throw translate(`claim ${key}`, error);
        const old = (error as { Item?: Record<string, unknown> }).Item;
        // DynamoDB returns the holder with the failure; emulators may not, so read it then.
        const existing = old ? toClaim(key, fromWire(old)) : await this.getClaim(key);
        if (existing) return { acquired: false, existing };
        if (attempt >= CLAIM_ATTEMPTS) {
          throw new StateStoreError(`claim ${key} kept changing under ${attempt} attempts`, { cause: error });
        }
      }
    }
  }

  async complete(
    key: string,
    owner: string,
    result: unknown,
    options: { now: number; retainMs: number },
  ): Promise<boolean> {
    const retainUntil = options.now + options.retainMs;
    const json = result === undefined ? undefined : JSON.stringify(result);
    const set = ['#status = :completed', '#updatedAt = :now', '#retainUntil = :retainUntil', '#ttl = :ttl'];
    if (json !== undefined) set.push('#result = :result');
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: claimPk(key), sk: CLAIM_SK },
          ConditionExpression: '#owner = :owner',
          // Without a result, drop the one a previous completion may have left.
          UpdateExpression: `SET ${set.join(', ')}${json === undefined ? ' REMOVE #result' : ''}`,
          ExpressionAttributeNames: {
            '#owner': 'owner',
            '#status': 'status',
            '#updatedAt': 'updatedAt',
            '#retainUntil': 'retainUntil',
            '#ttl': 'ttl',
            '#result': 'result',
          },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':completed': 'completed',
            ':now': options.now,
            ':retainUntil': retainUntil,
            ':ttl': ttlSeconds(retainUntil),
            ...(json === undefined ? {} : { ':result': json }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw translate(`complete ${key}`, error);
    }
  }

  async renew(key: string, owner: string, options: { now: number; ttlMs: number }): Promise<boolean> {
    const expiresAt = options.now + options.ttlMs;
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: claimPk(key), sk: CLAIM_SK },
          ConditionExpression: '#owner = :owner AND #status = :inProgress',
          UpdateExpression: 'SET #expiresAt = :expiresAt, #updatedAt = :now, #ttl = :ttl',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            '#status': 'status',
            '#expiresAt': 'expiresAt',
            '#updatedAt': 'updatedAt',
            '#ttl': 'ttl',
          },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':inProgress': 'in_progress',
            ':expiresAt': expiresAt,
            ':now': options.now,
            ':ttl': ttlSeconds(expiresAt),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw translate(`renew ${key}`, error);
    }
  }

  async release(key: string, owner: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { pk: claimPk(key), sk: CLAIM_SK },
          ConditionExpression: '#owner = :owner AND #status = :inProgress',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':inProgress': 'in_progress' },
        }),
      );
    } catch (error) {
      // Not ours, or completed: release leaves both alone.
      if (!isConditionFailed(error)) throw translate(`release ${key}`, error);
    }
  }

  async getClaim(key: string): Promise<ClaimRecord | undefined> {
    try {
      const { Item } = await this.#client.send(
        new GetCommand({
          TableName: this.#table,
          Key: { pk: claimPk(key), sk: CLAIM_SK },
          ConsistentRead: true,
        }),
      );
      return Item ? toClaim(key, Item) : undefined;
    } catch (error) {
      throw translate(`getClaim ${key}`, error);
    }
  }

  async put(item: StateItem): Promise<void> {
    try {
      await this.#client.send(new PutCommand({ TableName: this.#table, Item: toAttributes(item) }));
    } catch (error) {
      throw translate(`put ${item.pk}/${item.sk}`, error);
    }
  }

  async putMany(items: readonly StateItem[]): Promise<void> {
    // One batch may not name a key twice; the last write wins, as in a sequence of puts.
    const unique = new Map<string, StateItem>();
    for (const item of items) unique.set(JSON.stringify([item.pk, item.sk]), item);
    const all = [...unique.values()];
    try {
      for (let start = 0; start < all.length; start += BATCH_SIZE) {
        await this.#writeBatch(all.slice(start, start + BATCH_SIZE).map(toAttributes));
      }
    } catch (error) {
      throw translate(`putMany (${items.length} items)`, error);
    }
  }

  async get(pk: string, sk: string): Promise<StateItem | undefined> {
    assertItemPk(pk);
    try {
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#table, Key: { pk, sk }, ConsistentRead: true }),
      );
      return Item && this.#isLive(Item) ? toItem(Item) : undefined;
    } catch (error) {
      throw translate(`get ${pk}/${sk}`, error);
    }
  }

  async query(pk: string, options: QueryOptions = {}): Promise<StateItem[]> {
    const { limit } = options;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      throw new StateStoreError(`limit must be a positive integer (given ${limit})`);
    }
    assertItemPk(pk);
    const plan = planSortKey(options);
    if (!plan) return [];
    const items: StateItem[] = [];
    let inRun = false;
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: `#pk = :pk${plan.condition}`,
            // DynamoDB deletes expired items lazily, so they may still be returned.
            FilterExpression: 'attribute_not_exists(#ttl) OR #ttl > :nowSeconds',
            ExpressionAttributeNames: {
              '#pk': 'pk',
              '#ttl': 'ttl',
              ...(plan.condition === '' ? {} : { '#sk': 'sk' }),
            },
            ExpressionAttributeValues: { ':pk': pk, ':nowSeconds': this.#nowSeconds(), ...plan.values },
            ScanIndexForward: !options.descending,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            Limit: limit === undefined ? undefined : limit - items.length,
          }),
        );
        for (const attributes of page.Items ?? []) {
          if (!plan.matches(String(attributes.sk))) {
            if (inRun) return items;
            continue;
          }
          inRun = true;
          items.push(toItem(attributes));
          if (items.length === limit) return items;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw translate(`query ${pk}`, error);
    }
    return items;
  }

  /** Writes up to 25 items, retrying what DynamoDB leaves unprocessed or throttles. */
  async #writeBatch(batch: readonly Attributes[]): Promise<void> {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; ; attempt++) {
      let throttled: unknown;
      try {
        const out = await this.#client.send(
          new BatchWriteCommand({ RequestItems: { [this.#table]: pending } }),
        );
        pending = (out.UnprocessedItems?.[this.#table] ?? []) as typeof pending;
      } catch (error) {
        // The whole batch was throttled (the SDK's own retries are spent): back off like for unprocessed items.
        if (!isThrottling(error)) throw error;
        throttled = error;
      }
      if (pending.length === 0) return;
      if (attempt >= this.#maxAttempts) {
        this.#metrics.add('StateWriteFailed', 'Count', pending.length);
        if (throttled !== undefined) {
          throw new StateThrottledError(`batch write still throttled after ${attempt} attempts`, {
            cause: throttled,
          });
        }
        throw new UnprocessedItemsError(pending.length, attempt);
      }
      // Full jitter: spreads the retries of many writers instead of having them collide again.
      const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
      this.#metrics.add('StateWriteRetries', 'Count', pending.length);
      await this.#sleep(this.#random() * ceiling);
    }
  }

  #isLive(attributes: Attributes): boolean {
    return attributes.ttl === undefined || Number(attributes.ttl) > this.#nowSeconds();
  }

  #nowSeconds(): number {
    return this.#clock.now() / 1000;
  }
}
