import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynamoDbEmulator, startDynamoDbEmulator } from '../../../test/helpers/emulators.js';
import { describeStateStore } from '../../../test/ports/state-store.contract.js';
import type { StateItem } from '../../core/ports.js';
import { DynamoDbStateStore, type DynamoDbStateStoreOptions } from './state-store.dynamodb.js';

let dynamo: DynamoDbEmulator;

beforeAll(async () => {
  dynamo = await startDynamoDbEmulator();
});

afterAll(async () => {
  await dynamo?.stop();
});

describeStateStore('DynamoDbStateStore on dynalite', async () => {
  // A table per test keeps tests apart; dynalite creates it at once, in memory.
  const table = await dynamo.createTable();
  const open = () => new DynamoDbStateStore({ client: dynamo.documentClient(), table });
  return { store: open(), another: open, cleanup: async () => {} };
});

type Send = DynamoDBDocumentClient['send'];

/**
 * dynalite never leaves items unprocessed, so this makes the client do it: the first
 * `failFirst` BatchWriteItem calls write only their first `keep` items and hand the rest
 * back as UnprocessedItems. Every other call goes to dynalite untouched.
 */
function leaveUnprocessed(
  client: DynamoDBDocumentClient,
  failFirst: number,
  keep: number,
): { batches: number[] } {
  const real = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const batches: number[] = [];
  let failures = 0;
  client.send = (async (command: unknown) => {
    if (!(command instanceof BatchWriteCommand)) return real(command);
    const [table, requests] = Object.entries(command.input.RequestItems ?? {})[0] ?? [];
    batches.push(requests?.length ?? 0);
    if (!table || !requests || failures >= failFirst) return real(command);
    failures++;
    await real(new BatchWriteCommand({ RequestItems: { [table]: requests.slice(0, keep) } }));
    return { UnprocessedItems: { [table]: requests.slice(keep) }, $metadata: {} };
  }) as unknown as Send;
  return { batches };
}

async function openStore(
  options: Partial<DynamoDbStateStoreOptions> = {},
): Promise<{ store: DynamoDbStateStore; client: DynamoDBDocumentClient; table: string }> {
  const table = await dynamo.createTable();
  const client = options.client ?? dynamo.documentClient();
  return { store: new DynamoDbStateStore({ client, table, ...options }), client, table };
}

const items = (count: number, pk = 'SYMBOL#AAPL'): StateItem[] =>
  Array.from({ length: count }, (_, i) => ({
    pk,
    sk: `2024-01-${String(i + 1).padStart(3, '0')}`,
    data: { close: i },
  }));

describe('DynamoDbStateStore on dynalite', () => {
  describe('putMany', () => {
    it('writes more than 25 items in batches of at most 25', async () => {
      const client = dynamo.documentClient();
      const { batches } = leaveUnprocessed(client, 0, 0);
      const { store } = await openStore({ client });
      await store.putMany(items(60));
      expect(batches).toEqual([25, 25, 10]);
      expect(await store.query('SYMBOL#AAPL')).toHaveLength(60);
    });

    it('retries unprocessed items with growing, jittered delays until all are written', async () => {
      const client = dynamo.documentClient();
      const { batches } = leaveUnprocessed(client, 2, 10);
      const sleep = vi.fn(async (_ms: number) => {});
      const { store } = await openStore({
        client,
        batchRetry: { sleep, random: () => 0.5, baseDelayMs: 100, maxDelayMs: 150 },
      });

      await store.putMany(items(25));

      // 25 sent, 15 handed back; 15 sent, 5 handed back; 5 sent and written.
      expect(batches).toEqual([25, 15, 5]);
      expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([50, 75]);
      expect((await store.query('SYMBOL#AAPL')).map((item) => item.data)).toEqual(
        items(25).map((item) => item.data),
      );
    });

    it('gives up with STATE.UNPROCESSED_ITEMS after the last attempt', async () => {
      const client = dynamo.documentClient();
      const { batches } = leaveUnprocessed(client, Number.POSITIVE_INFINITY, 5);
      const { store } = await openStore({ client, batchRetry: { maxAttempts: 3, sleep: async () => {} } });
      await expect(store.putMany(items(30))).rejects.toMatchObject({
        code: 'STATE.UNPROCESSED_ITEMS',
        unprocessed: 10,
      });
      // The first batch of 25 gives up after 3 tries; the next batch is never sent.
      expect(batches).toEqual([25, 20, 15]);
    });

    it('retries a throttled batch and reports STATE.THROTTLED when it stays throttled', async () => {
      const client = dynamo.documentClient();
      const real = client.send.bind(client) as (command: unknown) => Promise<unknown>;
      let throttles = 1;
      client.send = (async (command: unknown) => {
        if (command instanceof BatchWriteCommand && throttles-- > 0) {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
        }
        return real(command);
      }) as unknown as Send;
      const { store } = await openStore({ client, batchRetry: { maxAttempts: 2, sleep: async () => {} } });

      await store.putMany(items(3));
      expect(await store.query('SYMBOL#AAPL')).toHaveLength(3);

      throttles = 2;
      const error = await store.putMany(items(3)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'STATE.THROTTLED',
        cause: { name: 'ProvisionedThroughputExceededException' },
      });
    });

    it('keeps the last of two items with the same keys, as successive puts would', async () => {
      const { store } = await openStore();
      await store.putMany([
        { pk: 'p', sk: 's', data: 'first' },
        { pk: 'p', sk: 's', data: 'last' },
      ]);
      expect(await store.query('p')).toEqual([{ pk: 'p', sk: 's', data: 'last' }]);
    });
  });

  describe('claims', () => {
    it('lets exactly one of 50 claimers on separate clients win, and takes over after expiry', async () => {
      const { table } = await openStore();
      const stores = Array.from(
        { length: 50 },
        () => new DynamoDbStateStore({ client: dynamo.documentClient(), table }),
      );
      const outcomes = await Promise.all(
        stores.map((store, i) => store.claim('notify#x', { owner: `w${i}`, now: 1_000, ttlMs: 100 })),
      );
      const winners = outcomes.filter((outcome) => outcome.acquired);
      expect(winners).toHaveLength(1);

      const late = await stores[0]?.claim('notify#x', { owner: 'late', now: 1_101, ttlMs: 100 });
      expect(late).toMatchObject({ acquired: true, claim: { owner: 'late', expiresAt: 1_201 } });
    });

    it('takes the holder from the failed write when DynamoDB returns it, without a second read', async () => {
      // dynalite ignores ReturnValuesOnConditionCheckFailure; DynamoDB puts the old item,
      // in its wire format, on the error. This adds it to dynalite's real failure.
      const client = dynamo.documentClient();
      const real = client.send.bind(client) as (command: unknown) => Promise<unknown>;
      const sent: string[] = [];
      client.send = (async (command: unknown) => {
        sent.push((command as object).constructor.name);
        try {
          return await real(command);
        } catch (error) {
          if (!(command instanceof PutCommand)) throw error;
          throw Object.assign(error as Error, {
            Item: {
              pk: { S: 'CLAIM#ingest#a' },
              sk: { S: 'CLAIM' },
              status: { S: 'completed' },
              owner: { S: 'w1' },
              expiresAt: { N: '1060' },
              updatedAt: { N: '1010' },
              retainUntil: { N: '90000' },
              ttl: { N: '90' },
              result: { S: '{"rows":42}' },
            },
          });
        }
      }) as unknown as Send;
      const { store } = await openStore({ client });
      await store.claim('ingest#a', { owner: 'w1', now: 1_000, ttlMs: 60 });
      sent.length = 0;

      const outcome = await store.claim('ingest#a', { owner: 'w2', now: 1_020, ttlMs: 60 });

      expect(outcome).toEqual({
        acquired: false,
        existing: {
          key: 'ingest#a',
          status: 'completed',
          owner: 'w1',
          expiresAt: 1_060,
          updatedAt: 1_010,
          result: { rows: 42 },
        },
      });
      expect(sent).toEqual(['PutCommand']);
    });

    it('stores a claim as one item with a TTL in epoch seconds, rounded up', async () => {
      const { store, client, table } = await openStore();
      await store.claim('ingest#a', { owner: 'w1', now: 1_700_000_000_001, ttlMs: 60_000 });
      const { Item } = await client.send(
        new GetCommand({
          TableName: table,
          Key: { pk: 'CLAIM#ingest#a', sk: 'CLAIM' },
        }),
      );
      expect(Item).toEqual({
        pk: 'CLAIM#ingest#a',
        sk: 'CLAIM',
        status: 'in_progress',
        owner: 'w1',
        expiresAt: 1_700_000_060_001,
        updatedAt: 1_700_000_000_001,
        ttl: 1_700_000_061,
      });

      await store.complete('ingest#a', 'w1', { rows: 1 }, { now: 1_700_000_000_500, retainMs: 86_400_000 });
      const completed = await client.send(
        new GetCommand({
          TableName: table,
          Key: { pk: 'CLAIM#ingest#a', sk: 'CLAIM' },
        }),
      );
      expect(completed.Item).toMatchObject({
        status: 'completed',
        result: '{"rows":1}',
        retainUntil: 1_700_086_400_500,
        ttl: 1_700_086_401,
      });
    });

    it('refuses items in the claims key space', async () => {
      const { store } = await openStore();
      await expect(store.put({ pk: 'CLAIM#ingest#a', sk: 'CLAIM', data: 'x' })).rejects.toMatchObject({
        code: 'STATE.FAILED',
      });
      await expect(store.get('CLAIM#ingest#a', 'CLAIM')).rejects.toMatchObject({ code: 'STATE.FAILED' });
    });
  });

  describe('items', () => {
    it('hides items whose TTL has passed by the injected clock, before DynamoDB deletes them', async () => {
      let now = 1_000_000;
      const { store } = await openStore({ clock: { now: () => now } });
      await store.putMany([
        { pk: 'p', sk: 'a', data: 1, expiresAt: 1_060 },
        { pk: 'p', sk: 'b', data: 2 },
      ]);
      expect((await store.query('p')).map((item) => item.sk)).toEqual(['a', 'b']);
      now = 1_061_000;
      expect(await store.get('p', 'a')).toBeUndefined();
      expect((await store.query('p')).map((item) => item.sk)).toEqual(['b']);
    });

    it('stores data as JSON does: undefined dropped, dates as strings, undefined data as null', async () => {
      const { store } = await openStore();
      await store.put({ pk: 'p', sk: 'a', data: { kept: 1, dropped: undefined, when: new Date(0) } });
      await store.put({ pk: 'p', sk: 'b', data: undefined });
      expect((await store.get('p', 'a'))?.data).toEqual({ kept: 1, when: '1970-01-01T00:00:00.000Z' });
      expect((await store.get('p', 'b'))?.data).toBeNull();
    });

    it('fills a limit across pages when expired items are filtered out', async () => {
      let now = 2_000_000;
      const { store } = await openStore({ clock: { now: () => now } });
      await store.putMany([
        ...items(10).map((item) => ({ ...item, expiresAt: 2_000 })),
        ...items(13).slice(10),
      ]);
      now = 2_001_000;
      expect((await store.query('SYMBOL#AAPL', { limit: 2 })).map((item) => item.sk)).toEqual([
        '2024-01-011',
        '2024-01-012',
      ]);
    });

    describe('query with a prefix and a range together', () => {
      const seed = async () => {
        const { store } = await openStore();
        await store.putMany(
          ['A#1', 'DAY#1', 'DAY#2', 'DAY#3', 'DAY#4', 'DAZ', 'E#1'].map((sk) => ({ pk: 'p', sk, data: sk })),
        );
        return store;
      };
      const sks = (found: readonly StateItem[]) => found.map((item) => item.sk);

      it('applies both, in either order', async () => {
        const store = await seed();
        expect(sks(await store.query('p', { skPrefix: 'DAY#', skFrom: 'DAY#2', skTo: 'E' }))).toEqual([
          'DAY#2',
          'DAY#3',
          'DAY#4',
        ]);
        expect(sks(await store.query('p', { skPrefix: 'DAY#', skFrom: 'DAY#2', descending: true }))).toEqual([
          'DAY#4',
          'DAY#3',
          'DAY#2',
        ]);
        expect(sks(await store.query('p', { skPrefix: 'DAY#', skFrom: 'A', skTo: 'DAY#2' }))).toEqual([
          'DAY#1',
          'DAY#2',
        ]);
        expect(sks(await store.query('p', { skPrefix: 'DAY#', skTo: 'DAY#3', descending: true }))).toEqual([
          'DAY#3',
          'DAY#2',
          'DAY#1',
        ]);
      });

      it('returns nothing for an empty range instead of sending DynamoDB an invalid BETWEEN', async () => {
        const store = await seed();
        expect(await store.query('p', { skFrom: 'E', skTo: 'A' })).toEqual([]);
        expect(await store.query('p', { skPrefix: 'E', skTo: 'DAY#4' })).toEqual([]);
      });
    });

    it('refuses a limit that is not a positive integer', async () => {
      const { store } = await openStore();
      await expect(store.query('p', { limit: 0 })).rejects.toMatchObject({ code: 'STATE.FAILED' });
      await expect(store.query('p', { limit: 2.5 })).rejects.toMatchObject({ code: 'STATE.FAILED' });
    });
  });

  it('translates provider errors to STATE.FAILED with the original as cause', async () => {
    const store = new DynamoDbStateStore({ client: dynamo.documentClient(), table: 'no-such-table' });
    const error = await store.get('p', 's').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STATE.FAILED', cause: { name: 'ResourceNotFoundException' } });
  });

  it('refuses retry options outside their range with the value given', () => {
    const client = dynamo.documentClient();
    expect(() => new DynamoDbStateStore({ client, table: 't', batchRetry: { maxAttempts: 0 } })).toThrow(
      'batchRetry.maxAttempts must be between 1 and 20 inclusive (given 0)',
    );
    expect(() => new DynamoDbStateStore({ client, table: ' ' })).toThrow(/table/);
  });
});
