import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeObjectStore } from '../../../test/ports/object-store.contract.js';
import { InvalidKeyError } from '../../core/errors.js';
import { assertSafeKey } from '../object-keys.js';
import { FsObjectStore } from './object-store.fs.js';

const makeRoot = () => mkdtemp(path.join(os.tmpdir(), 'sluice-fs-store-'));

describeObjectStore('FsObjectStore', async () => {
  const root = await makeRoot();
  return { store: new FsObjectStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

async function withStore(test: (store: FsObjectStore, root: string) => Promise<void>): Promise<void> {
  const root = await makeRoot();
  try {
    await test(new FsObjectStore(root), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('FsObjectStore on disk', () => {
  it('stores each key as the file at that relative path', () =>
    withStore(async (store, root) => {
      await store.put('processed/twelvedata-ohlcv/abc.jsonl', 'row\n');
      expect(await readFile(path.join(root, 'processed', 'twelvedata-ohlcv', 'abc.jsonl'), 'utf8')).toBe(
        'row\n',
      );
    }));

  it('streams a large object in 64 KiB chunks', () =>
    withStore(async (store) => {
      await store.put('big.bin', Buffer.alloc(3 * 64 * 1024 + 1));
      const sizes: number[] = [];
      for await (const chunk of await store.getStream('big.bin')) sizes.push(chunk.byteLength);
      expect(sizes).toEqual([64 * 1024, 64 * 1024, 64 * 1024, 1]);
    }));

  it('never lists a writer temp file, even while the write is in flight', () =>
    withStore(async (store, root) => {
      const writer = await store.openWriter('out/file.jsonl');
      await writer.write('x'.repeat(1000));
      expect(await readdir(path.join(root, '.tmp'))).toHaveLength(1);
      const listed: string[] = [];
      for await (const info of store.list('')) listed.push(info.key);
      expect(listed).toEqual([]);
      await writer.close();
    }));

  it('removes temp files after close, abort and lost create-only puts', () =>
    withStore(async (store, root) => {
      const closed = await store.openWriter('a.txt');
      await closed.write('a');
      await closed.close();
      const aborted = await store.openWriter('b.txt');
      await aborted.write('b');
      await aborted.abort();
      await store.put('a.txt', 'again', { ifNoneMatch: true });
      await store.put('c.txt', 'c');
      expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    }));

  it('reports a create-only writer that lost with the existing object size and no sha256', () =>
    withStore(async (store) => {
      await store.put('inputs/x.json', 'existing!');
      const writer = await store.openWriter('inputs/x.json', { ifNoneMatch: true });
      await writer.write('new');
      const info = await writer.close();
      expect(info.size).toBe('existing!'.length);
      expect(info.sha256).toBeUndefined();
    }));

  it('copies a file in under its first free key, with the sha256 of the bytes it stored', () =>
    withStore(async (store, root) => {
      const source = path.join(root, '..', `${path.basename(root)}-source.csv`);
      const bytes = Buffer.from('a,b\n1,2\n'.repeat(50_000));
      await writeFile(source, bytes);
      try {
        await store.put('inputs/taken.csv', 'other bytes');
        const imported = await store.importFile(source, () => ['inputs/taken.csv', 'inputs/free.csv']);
        expect(imported).toEqual({
          key: 'inputs/free.csv',
          sha256: createHash('sha256').update(bytes).digest('hex'),
          size: bytes.byteLength,
        });
        expect(await readFile(path.join(root, 'inputs', 'free.csv'))).toEqual(bytes);
        expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
      } finally {
        await rm(source, { force: true });
      }
    }));

  it('streams a pipe in, which has no size to copy by (`sluice ingest <(curl ...)`)', () =>
    withStore(async (store, root) => {
      const fifo = path.join(root, '..', `${path.basename(root)}.fifo`);
      execFileSync('mkfifo', [fifo]);
      try {
        const [imported] = await Promise.all([
          store.importFile(fifo, () => ['inputs/piped.csv']),
          writeFile(fifo, 'a,b\n1,2\n'),
        ]);
        expect(imported.size).toBe(8);
        expect(await readFile(path.join(root, 'inputs', 'piped.csv'), 'utf8')).toBe('a,b\n1,2\n');
      } finally {
        await rm(fifo, { force: true });
      }
    }));

  it('publishes every byte of a write long enough to be flushed to disk on the way', () =>
    withStore(async (store, root) => {
      const writer = await store.openWriter('processed/long.jsonl');
      const hash = createHash('sha256');
      for (let i = 0; i < 600; i++) {
        const chunk = Buffer.alloc(64 * 1024, i % 251);
        hash.update(chunk);
        await writer.write(chunk);
      }
      expect((await writer.close()).size).toBe(600 * 64 * 1024);
      const stored = await readFile(path.join(root, 'processed', 'long.jsonl'));
      expect(createHash('sha256').update(stored).digest('hex')).toBe(hash.digest('hex'));
    }));

  it('refuses keys under the reserved temp folder', () =>
    withStore(async (store) => {
      await expect(store.put('.tmp/x', 'x')).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.head('.tmp')).rejects.toBeInstanceOf(InvalidKeyError);
    }));
});

describe('assertSafeKey', () => {
  it.each([
    'processed/twelvedata-ohlcv/0f3a.jsonl',
    'inputs/prices 2024.json',
    'a/b.c/d..e/...',
    '.hidden',
    'percent%20space',
    'ünïcødé/文件.csv',
  ])('accepts the ordinary key %j', (key) => {
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  it.each([
    ['an empty segment', 'a//b'],
    ['a trailing slash', 'processed/'],
    ["a '.' segment", './a'],
    ['a C1 control char', 'a\u0085b'],
    ['a DEL', 'a\u007fb'],
    ['an encoded control char', 'a%0ab'],
    ['an overlong encoded dot', '%c0%ae%c0%ae/x'],
    ['a triple-encoded dot', '%25252e%25252e/x'],
  ])('refuses %s', (_why, key) => {
    expect(() => assertSafeKey(key)).toThrow(InvalidKeyError);
  });

  it('never lets a key it accepts resolve outside the root, on POSIX or Windows', () => {
    const posixRoot = '/srv/sluice/data';
    const winRoot = 'C:\\sluice\\data';
    // Arbitrary strings, and strings built from traversal-prone pieces.
    const piece = fc.constantFrom(
      '..',
      '.',
      '/',
      '\\',
      '%2e',
      '%2E',
      '%2f',
      '%5c',
      '%25',
      '%00',
      'C:',
      'a',
      '\u0000',
      '~',
    );
    // Half ASCII, half any code point (lone surrogates included); cheaper to build than unit: 'binary'.
    const char = fc
      .oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0x10ffff }))
      .map((code) => String.fromCodePoint(code));
    const key = fc.oneof(
      fc.string({ unit: char, maxLength: 40 }),
      fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(key, (candidate) => {
        try {
          assertSafeKey(candidate);
        } catch (error) {
          return error instanceof InvalidKeyError;
        }
        const posix = path.posix.resolve(posixRoot, candidate);
        const win = path.win32.resolve(winRoot, candidate);
        return posix.startsWith(`${posixRoot}/`) && win.startsWith(`${winRoot}\\`);
      }),
      { numRuns: 2000 },
    );
  });
});
