/**
 * The StateStore port's behaviour, written once and run against every adapter
 * (SQLite, DynamoDB on dynalite). Only what the port promises is asserted here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimRequest, StateItem, StateStore } from '../../src/core/ports.js';

export interface StateStoreFixture {
  readonly store: StateStore;
  /** A separate client on the same backing data, as another process or Lambda would hold. */
  another(): StateStore;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const TTL = 60_000;
const request = (owner: string, now = T0, extra: Partial<ClaimRequest> = {}): ClaimRequest => ({
  owner,
  now,
  ttlMs: TTL,
  ...extra,
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function describeStateStore(name: string, makeStore: () => Promise<StateStoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    let fixture: StateStoreFixture;
    let store: StateStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('claim', () => {
      it('acquires a key nobody holds and records the claim', async () => {
        const outcome = await store.claim('ingest#a', request('w1'));
        expect(outcome).toEqual({
          acquired: true,
          claim: { key: 'ingest#a', status: 'in_progress', owner: 'w1', expiresAt: T0 + TTL, updatedAt: T0 },
        });
        expect(await store.getClaim('ingest#a')).toEqual(outcome.acquired && outcome.claim);
      });

      it('returns getClaim undefined for a key never claimed', async () => {
        expect(await store.getClaim('ingest#none')).toBeUndefined();
      });

      it('refuses a claim that is in progress and not expired, returning it', async () => {
        await store.claim('ingest#a', request('w1'));
        const outcome = await store.claim('ingest#a', request('w2', T0 + TTL - 1));
        expect(outcome).toMatchObject({ acquired: false, existing: { owner: 'w1', status: 'in_progress' } });
      });

      it('takes over an in-progress claim once it has expired', async () => {
        await store.claim('ingest#a', request('w1'));
        const outcome = await store.claim('ingest#a', request('w2', T0 + TTL + 1));
        expect(outcome).toMatchObject({
          acquired: true,
          claim: { owner: 'w2', status: 'in_progress', expiresAt: T0 + TTL + 1 + TTL },
        });
        expect((await store.getClaim('ingest#a'))?.owner).toBe('w2');
      });

      it('returns a completed claim with its result instead of acquiring it', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete('ingest#a', 'w1', { rows: 42 }, { now: T0 + 10, retainMs: 86_400_000 });
        const outcome = await store.claim('ingest#a', request('w2', T0 + 2 * TTL));
        expect(outcome).toEqual({
          acquired: false,
          existing: {
            key: 'ingest#a',
            status: 'completed',
            owner: 'w1',
            expiresAt: T0 + TTL,
            updatedAt: T0 + 10,
            result: { rows: 42 },
          },
        });
      });

      it('acquires a completed claim once its retention has passed', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete('ingest#a', 'w1', 'done', { now: T0 + 10, retainMs: 1000 });
        const outcome = await store.claim('ingest#a', request('w2', T0 + 2000));
        expect(outcome).toMatchObject({ acquired: true, claim: { owner: 'w2', status: 'in_progress' } });
        expect(outcome.acquired && outcome.claim.result).toBeUndefined();
      });

      it('takes a completed claim when forced', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete('ingest#a', 'w1', 'done', { now: T0 + 10, retainMs: 86_400_000 });
        const outcome = await store.claim('ingest#a', request('w2', T0 + 20, { force: true }));
        expect(outcome).toMatchObject({ acquired: true, claim: { owner: 'w2', status: 'in_progress' } });
      });

      it('refuses an unexpired in-progress claim even when forced, so two forced runs never both write', async () => {
        await store.claim('ingest#a', request('w1'));
        const outcome = await store.claim('ingest#a', request('w2', T0 + 1, { force: true }));
        expect(outcome).toMatchObject({ acquired: false, existing: { owner: 'w1', status: 'in_progress' } });
      });

      it('renews a claim for its owner only, pushing its expiry past a would-be taker', async () => {
        await store.claim('ingest#a', request('w1'));
        expect(await store.renew('ingest#a', 'w1', { now: T0 + TTL - 10, ttlMs: TTL })).toBe(true);
        expect(await store.renew('ingest#a', 'w2', { now: T0 + TTL - 10, ttlMs: TTL })).toBe(false);
        const late = await store.claim('ingest#a', request('w2', T0 + TTL + 1));
        expect(late).toMatchObject({
          acquired: false,
          existing: { owner: 'w1', expiresAt: T0 + 2 * TTL - 10 },
        });
      });

      it('does not renew a completed claim', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete('ingest#a', 'w1', 'done', { now: T0 + 10, retainMs: 86_400_000 });
        expect(await store.renew('ingest#a', 'w1', { now: T0 + 20, ttlMs: TTL })).toBe(false);
        expect((await store.getClaim('ingest#a'))?.status).toBe('completed');
      });

      it('keeps claims on different keys independent', async () => {
        await store.claim('ingest#a', request('w1'));
        expect((await store.claim('ingest#b', request('w2'))).acquired).toBe(true);
      });

      it('lets exactly one of 50 concurrent claimers on separate clients acquire a key', async () => {
        const clients = Array.from({ length: 50 }, () => fixture.another());
        const outcomes = await Promise.all(
          clients.map((client, i) => client.claim('race#1', request(`w${i}`))),
        );
        const winners = outcomes.filter((outcome) => outcome.acquired);
        expect(winners).toHaveLength(1);
        const owner = winners[0]?.acquired ? winners[0].claim.owner : undefined;
        for (const outcome of outcomes.filter((o) => !o.acquired)) {
          expect(outcome).toMatchObject({ acquired: false, existing: { owner } });
        }
        expect((await store.getClaim('race#1'))?.owner).toBe(owner);
      });
    });

    describe('complete', () => {
      it('marks the claim completed with its result', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete(
          'ingest#a',
          'w1',
          { ok: true, keys: ['a', 'b'] },
          { now: T0 + 5, retainMs: 1000 },
        );
        expect(await store.getClaim('ingest#a')).toMatchObject({
          status: 'completed',
          owner: 'w1',
          updatedAt: T0 + 5,
          result: { ok: true, keys: ['a', 'b'] },
        });
      });

      it('records no result when completed without one', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete('ingest#a', 'w1', undefined, { now: T0 + 5, retainMs: 1000 });
        const claim = await store.getClaim('ingest#a');
        expect(claim?.status).toBe('completed');
        expect(claim?.result).toBeUndefined();
      });

      it('does nothing when the caller is not the owner', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete('ingest#a', 'intruder', 'stolen', { now: T0 + 5, retainMs: 1000 });
        expect(await store.getClaim('ingest#a')).toMatchObject({ status: 'in_progress', owner: 'w1' });
      });

      it('does nothing for a previous owner after an expiry takeover', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.claim('ingest#a', request('w2', T0 + TTL + 1));
        await store.complete('ingest#a', 'w1', 'late', { now: T0 + TTL + 2, retainMs: 1000 });
        expect(await store.getClaim('ingest#a')).toMatchObject({ status: 'in_progress', owner: 'w2' });
      });
    });

    describe('release', () => {
      it('frees an in-progress claim so another worker acquires it at once', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.release('ingest#a', 'w1');
        expect(await store.getClaim('ingest#a')).toBeUndefined();
        expect((await store.claim('ingest#a', request('w2', T0 + 1))).acquired).toBe(true);
      });

      it('does nothing when the caller is not the owner', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.release('ingest#a', 'intruder');
        expect(await store.getClaim('ingest#a')).toMatchObject({ status: 'in_progress', owner: 'w1' });
      });

      it('does not drop a completed claim', async () => {
        await store.claim('ingest#a', request('w1'));
        await store.complete('ingest#a', 'w1', 'done', { now: T0 + 1, retainMs: 86_400_000 });
        await store.release('ingest#a', 'w1');
        expect(await store.getClaim('ingest#a')).toMatchObject({ status: 'completed', result: 'done' });
      });
    });

    describe('items', () => {
      const item = (sk: string, data: unknown = { sk }, expiresAt?: number): StateItem =>
        expiresAt === undefined ? { pk: 'ANALYSIS#x', sk, data } : { pk: 'ANALYSIS#x', sk, data, expiresAt };

      it('gets back an item that was put, data included', async () => {
        await store.put(item('SUMMARY', { n: 1, nested: { list: [1, 'two', null] } }));
        expect(await store.get('ANALYSIS#x', 'SUMMARY')).toEqual(
          item('SUMMARY', { n: 1, nested: { list: [1, 'two', null] } }),
        );
      });

      it('returns undefined for a missing item', async () => {
        expect(await store.get('ANALYSIS#x', 'NOPE')).toBeUndefined();
      });

      it('replaces an item put twice under the same keys', async () => {
        await store.put(item('SUMMARY', 'v1'));
        await store.put(item('SUMMARY', 'v2'));
        expect((await store.get('ANALYSIS#x', 'SUMMARY'))?.data).toBe('v2');
        expect(await store.query('ANALYSIS#x')).toHaveLength(1);
      });

      it('keeps the expiry of an item that has not expired yet', async () => {
        const later = nowSeconds() + 3600;
        await store.put(item('TTL', 'alive', later));
        expect(await store.get('ANALYSIS#x', 'TTL')).toEqual(item('TTL', 'alive', later));
      });

      it('hides expired items from get and query', async () => {
        await store.putMany([
          item('OLD', 'gone', nowSeconds() - 60),
          item('NEW', 'here', nowSeconds() + 3600),
        ]);
        expect(await store.get('ANALYSIS#x', 'OLD')).toBeUndefined();
        expect((await store.query('ANALYSIS#x')).map((i) => i.sk)).toEqual(['NEW']);
      });

      describe('query', () => {
        beforeEach(async () => {
          await store.putMany([
            item('SYMBOL#MSFT'),
            item('SYMBOL#AAPL'),
            item('SUMMARY'),
            item('SYMBOL#GOOG'),
            item('DAY#2024-01-02'),
            item('DAY#2024-01-01'),
            item('DAY#2024-01-03'),
            { pk: 'ANALYSIS#other', sk: 'SYMBOL#AAPL', data: 'other' },
          ]);
        });

        const sks = (items: readonly StateItem[]): string[] => items.map((i) => i.sk);

        it('returns every item of the partition in ascending sort-key order', async () => {
          expect(sks(await store.query('ANALYSIS#x'))).toEqual([
            'DAY#2024-01-01',
            'DAY#2024-01-02',
            'DAY#2024-01-03',
            'SUMMARY',
            'SYMBOL#AAPL',
            'SYMBOL#GOOG',
            'SYMBOL#MSFT',
          ]);
        });

        it('returns nothing for an empty partition', async () => {
          expect(await store.query('ANALYSIS#none')).toEqual([]);
        });

        it('filters by sort-key prefix', async () => {
          expect(sks(await store.query('ANALYSIS#x', { skPrefix: 'SYMBOL#' }))).toEqual([
            'SYMBOL#AAPL',
            'SYMBOL#GOOG',
            'SYMBOL#MSFT',
          ]);
        });

        it('treats LIKE wildcards in a prefix literally', async () => {
          expect(await store.query('ANALYSIS#x', { skPrefix: 'SYM%' })).toEqual([]);
          expect(await store.query('ANALYSIS#x', { skPrefix: 'S_MBOL' })).toEqual([]);
        });

        it('filters by an inclusive sort-key range', async () => {
          expect(
            sks(await store.query('ANALYSIS#x', { skFrom: 'DAY#2024-01-02', skTo: 'DAY#2024-01-03' })),
          ).toEqual(['DAY#2024-01-02', 'DAY#2024-01-03']);
        });

        it('accepts an open-ended range', async () => {
          expect(sks(await store.query('ANALYSIS#x', { skFrom: 'SYMBOL#GOOG' }))).toEqual([
            'SYMBOL#GOOG',
            'SYMBOL#MSFT',
          ]);
          expect(sks(await store.query('ANALYSIS#x', { skTo: 'DAY#2024-01-01' }))).toEqual([
            'DAY#2024-01-01',
          ]);
        });

        it('returns items in descending order with a limit', async () => {
          expect(
            sks(await store.query('ANALYSIS#x', { skPrefix: 'DAY#', descending: true, limit: 2 })),
          ).toEqual(['DAY#2024-01-03', 'DAY#2024-01-02']);
        });

        it('applies a limit in ascending order', async () => {
          expect(sks(await store.query('ANALYSIS#x', { limit: 1 }))).toEqual(['DAY#2024-01-01']);
        });
      });
    });
  });
}
