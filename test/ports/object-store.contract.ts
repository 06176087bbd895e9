/**
 * The ObjectStore port's behaviour, written once and run against every adapter
 * (local folder, S3 on s3rver). Only what the port promises is asserted here.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectInfo, ObjectStore } from '../../src/core/ports.js';

export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const keysOf = (infos: readonly ObjectInfo[]): string[] => infos.map((info) => info.key);

/** Keys that could escape a store or be decoded into traversal later. */
export const UNSAFE_KEYS = [
  '',
  '..',
  '../outside.txt',
  'processed/../../outside.txt',
  'a/b/..',
  '/etc/passwd',
  'C:/Windows/win.ini',
  'c:outside.txt',
  'a\\..\\..\\outside.txt',
  'processed\\x.jsonl',
  'a\u0000b',
  'a\nb',
  'a\u001bb',
  '%2e%2e/outside.txt',
  '%2E%2E%2Foutside.txt',
  'a%2fb',
  'a%5cb',
  'a%00b',
  '%252e%252e/outside.txt',
  '%252E%252E%252Foutside.txt',
] as const;

/** What an emulator lacks that the real service has; every capability defaults to present. */
export interface ObjectStoreCapabilities {
  /** Create-only writes (If-None-Match: '*'). s3rver ignores them. @default true */
  readonly conditionalWrites?: boolean;
  /** Listing in UTF-8 byte order, as S3 lists. s3rver lists in directory-walk order. @default true */
  readonly byteOrderedListing?: boolean;
}

export function describeObjectStore(
  name: string,
  makeStore: () => Promise<ObjectStoreFixture>,
  { conditionalWrites = true, byteOrderedListing = true }: ObjectStoreCapabilities = {},
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    let store: ObjectStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('put and get', () => {
      it('returns the bytes that were put', async () => {
        const body = new Uint8Array([0, 1, 2, 250, 255]);
        await store.put('raw/bytes.bin', body);
        expect([...(await store.getBytes('raw/bytes.bin'))]).toEqual([...body]);
      });

      it('stores a string body as UTF-8', async () => {
        await store.put('text/hello.txt', 'héllo wörld €');
        expect(text(await store.getBytes('text/hello.txt'))).toBe('héllo wörld €');
      });

      it('stores an empty object', async () => {
        await store.put('empty.txt', '');
        expect((await store.getBytes('empty.txt')).byteLength).toBe(0);
        expect((await store.head('empty.txt'))?.size).toBe(0);
      });

      it('replaces an existing object on an unconditional put', async () => {
        await store.put('x/replace.txt', 'first');
        expect(await store.put('x/replace.txt', 'second')).toEqual({ created: true });
        expect(text(await store.getBytes('x/replace.txt'))).toBe('second');
      });

      it('streams the object back in chunks that add up to the whole', async () => {
        const body = Buffer.alloc(3 * 1024 * 1024 + 17, 'abcdefgh');
        await store.put('big/stream.bin', body);
        const streamed = await readAll(await store.getStream('big/stream.bin'));
        expect(streamed.equals(body)).toBe(true);
      });

      it('throws STORE.NOT_FOUND for a missing key from getStream and getBytes', async () => {
        await expect(store.getStream('missing/nothing.txt')).rejects.toMatchObject({
          code: 'STORE.NOT_FOUND',
        });
        await expect(store.getBytes('missing/nothing.txt')).rejects.toMatchObject({
          code: 'STORE.NOT_FOUND',
        });
      });

      it('treats a prefix that only holds other objects as not found', async () => {
        await store.put('dir/inner.txt', 'x');
        await expect(store.getBytes('dir')).rejects.toMatchObject({ code: 'STORE.NOT_FOUND' });
        expect(await store.head('dir')).toBeUndefined();
      });
    });

    describe('conditional put', () => {
      it('creates an object that does not exist yet', async () => {
        expect(await store.put('inputs/once.json', '{"a":1}', { ifNoneMatch: true })).toEqual({
          created: true,
        });
        expect(text(await store.getBytes('inputs/once.json'))).toBe('{"a":1}');
      });

      it.runIf(conditionalWrites)(
        'leaves an existing object untouched and reports created false',
        async () => {
          await store.put('inputs/once.json', 'original');
          expect(await store.put('inputs/once.json', 'intruder', { ifNoneMatch: true })).toEqual({
            created: false,
          });
          expect(text(await store.getBytes('inputs/once.json'))).toBe('original');
        },
      );

      it.runIf(conditionalWrites)(
        'lets exactly one of 50 concurrent create-only puts to one key win',
        async () => {
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              store.put('inputs/race.txt', `writer-${i}`, { ifNoneMatch: true }).then((r) => ({ i, ...r })),
            ),
          );
          const winners = results.filter((r) => r.created);
          expect(winners).toHaveLength(1);
          expect(text(await store.getBytes('inputs/race.txt'))).toBe(`writer-${winners[0]?.i}`);
          expect(keysOf(await collect(store.list('inputs/')))).toEqual(['inputs/race.txt']);
        },
      );
    });

    describe('head', () => {
      it('returns undefined for a missing key', async () => {
        expect(await store.head('nope/missing.txt')).toBeUndefined();
      });

      it('returns the key, size in bytes and last modification time', async () => {
        await store.put('meta/info.txt', 'é€');
        const info = await store.head('meta/info.txt');
        expect(info).toMatchObject({ key: 'meta/info.txt', size: 5 });
        expect(info?.lastModified).toBeInstanceOf(Date);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const key of ['b/1.txt', 'a/2.txt', 'a/sub/3.txt', 'a-side.txt', 'a/1.txt', 'ab.txt']) {
          await store.put(key, key);
        }
      });

      it('yields every object under a folder prefix, recursively, in key order', async () => {
        expect(keysOf(await collect(store.list('a/')))).toEqual(['a/1.txt', 'a/2.txt', 'a/sub/3.txt']);
      });

      it.runIf(byteOrderedListing)('yields every object in key order for an empty prefix', async () => {
        expect(keysOf(await collect(store.list('')))).toEqual([
          'a-side.txt',
          'a/1.txt',
          'a/2.txt',
          'a/sub/3.txt',
          'ab.txt',
          'b/1.txt',
        ]);
      });

      it.runIf(byteOrderedListing)('matches a prefix that ends inside a name', async () => {
        expect(keysOf(await collect(store.list('a/s')))).toEqual(['a/sub/3.txt']);
        expect(keysOf(await collect(store.list('a')))).toEqual([
          'a-side.txt',
          'a/1.txt',
          'a/2.txt',
          'a/sub/3.txt',
          'ab.txt',
        ]);
      });

      it('reports each object with its size', async () => {
        const listed = await collect(store.list('a/sub/'));
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({ key: 'a/sub/3.txt', size: 'a/sub/3.txt'.length });
      });

      it('yields nothing for a prefix with no objects', async () => {
        expect(await collect(store.list('zzz/'))).toEqual([]);
      });
    });

    describe('openWriter', () => {
      it('makes the object visible only at close, with its size and sha256', async () => {
        const writer = await store.openWriter('processed/ds/out.jsonl');
        await writer.write('{"row":1}\n');
        await writer.write(new TextEncoder().encode('{"row":2}\n'));
        expect(await store.head('processed/ds/out.jsonl')).toBeUndefined();
        expect(await collect(store.list(''))).toEqual([]);

        const info = await writer.close();
        const expected = '{"row":1}\n{"row":2}\n';
        expect(info).toMatchObject({ key: 'processed/ds/out.jsonl', size: expected.length });
        // sha256 is optional in the port; when a store reports it, it must be right.
        expect([undefined, sha256(expected)]).toContain(info.sha256);
        expect(text(await store.getBytes('processed/ds/out.jsonl'))).toBe(expected);
      });

      it('keeps the previous version readable until the new one is closed', async () => {
        await store.put('processed/ds/v.jsonl', 'old');
        const writer = await store.openWriter('processed/ds/v.jsonl');
        await writer.write('new');
        expect(text(await store.getBytes('processed/ds/v.jsonl'))).toBe('old');
        await writer.close();
        expect(text(await store.getBytes('processed/ds/v.jsonl'))).toBe('new');
      });

      it('streams many megabytes through awaited writes intact', async () => {
        const writer = await store.openWriter('big/written.bin');
        const chunk = Buffer.alloc(64 * 1024, 'xyz0123456789');
        const hash = createHash('sha256');
        for (let i = 0; i < 80; i++) {
          await writer.write(chunk);
          hash.update(chunk);
        }
        const info = await writer.close();
        expect(info.size).toBe(80 * chunk.length);
        expect([undefined, hash.digest('hex')]).toContain(info.sha256);
        const back = await readAll(await store.getStream('big/written.bin'));
        expect(back.length).toBe(80 * chunk.length);
      });

      it('leaves nothing at the key after abort', async () => {
        const writer = await store.openWriter('processed/ds/aborted.jsonl');
        await writer.write('partial');
        await writer.abort();
        expect(await store.head('processed/ds/aborted.jsonl')).toBeUndefined();
        expect(await collect(store.list(''))).toEqual([]);
        await expect(store.getBytes('processed/ds/aborted.jsonl')).rejects.toMatchObject({
          code: 'STORE.NOT_FOUND',
        });
      });

      it('leaves the previous version in place after abort', async () => {
        await store.put('processed/ds/keep.jsonl', 'kept');
        const writer = await store.openWriter('processed/ds/keep.jsonl');
        await writer.write('discarded');
        await writer.abort();
        expect(text(await store.getBytes('processed/ds/keep.jsonl'))).toBe('kept');
      });

      it('refuses writes after close', async () => {
        const writer = await store.openWriter('processed/ds/closed.jsonl');
        await writer.close();
        await expect(writer.write('late')).rejects.toThrow();
      });

      it.runIf(conditionalWrites)('does not replace an existing object when create-only', async () => {
        await store.put('inputs/first.json', 'first');
        const writer = await store.openWriter('inputs/first.json', { ifNoneMatch: true });
        await writer.write('second');
        await writer.close();
        expect(text(await store.getBytes('inputs/first.json'))).toBe('first');
      });
    });

    describe('unsafe keys', () => {
      it.each(UNSAFE_KEYS.map((key) => [JSON.stringify(key), key]))(
        'refuses %s with STORE.INVALID_KEY on every operation',
        async (_label, key) => {
          const refused = { code: 'STORE.INVALID_KEY' };
          await expect(store.put(key, 'x')).rejects.toMatchObject(refused);
          await expect(store.put(key, 'x', { ifNoneMatch: true })).rejects.toMatchObject(refused);
          await expect(store.openWriter(key)).rejects.toMatchObject(refused);
          await expect(store.getBytes(key)).rejects.toMatchObject(refused);
          await expect(store.getStream(key)).rejects.toMatchObject(refused);
          await expect(store.head(key)).rejects.toMatchObject(refused);
          expect(await collect(store.list(''))).toEqual([]);
        },
      );

      it('refuses a traversal prefix in list', async () => {
        await expect(collect(store.list('../'))).rejects.toMatchObject({ code: 'STORE.INVALID_KEY' });
        await expect(collect(store.list('a/../../'))).rejects.toMatchObject({ code: 'STORE.INVALID_KEY' });
      });
    });
  });
}
