import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, type SourceItem } from '../datasets/contract.js';
import { readJsonRecords } from './json-records.js';

const LIMITS = { ...DEFAULT_PARSE_LIMITS, maxRecordChars: 1024 };

async function readAll(
  pieces: AsyncIterable<string> | Iterable<string>,
  limits = LIMITS,
): Promise<SourceItem[]> {
  async function* text() {
    yield* pieces;
  }
  const items: SourceItem[] = [];
  for await (const batch of readJsonRecords(text(), limits)) items.push(...batch);
  return items;
}

const summary = (items: readonly SourceItem[]) =>
  items.map((item) =>
    item.kind === 'record'
      ? { line: item.line, raw: item.raw }
      : { line: item.line, code: item.issues[0]?.code },
  );

describe('JSON lines longer than a record may be', () => {
  const long = `{"note":"${'x'.repeat(5000)}"}`;
  const text = `{"a":1}\n${long}\n{"a":2}\n`;

  it('rejects the long line as row_too_large on its own line number and reads the lines after it', async () => {
    expect(summary(await readAll([text]))).toEqual([
      { line: 1, raw: { a: 1 } },
      { line: 2, code: 'row_too_large' },
      { line: 3, raw: { a: 2 } },
    ]);
  });

  it('reads the same however the text is cut into pieces', async () => {
    const whole = summary(await readAll([text]));
    for (const size of [1, 7, 100, 1023, 1024, 1025, 4096]) {
      const pieces: string[] = [];
      for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
      expect(summary(await readAll(pieces))).toEqual(whole);
    }
  });

  it('reads a first line past the limit the same way, however the text is cut', async () => {
    const first = `${long}\n{"a":1}\n`;
    for (const size of [100, 1024, first.length]) {
      const pieces: string[] = [];
      for (let at = 0; at < first.length; at += size) pieces.push(first.slice(at, at + size));
      expect(summary(await readAll(pieces))).toEqual([
        { line: 1, code: 'row_too_large' },
        { line: 2, raw: { a: 1 } },
      ]);
    }
    // A lone object that large is one reject, as the streaming scanner made it.
    expect(summary(await readAll(long.match(/.{1,100}/gs) ?? []))).toEqual([
      { line: 1, code: 'row_too_large' },
    ]);
  });

  it('keeps a preview of the line, not the line, in the reject', async () => {
    const items = await readAll([text]);
    const reject = items[1];
    expect(reject?.kind).toBe('rejected');
    expect(String(reject?.raw).length).toBeLessThanOrEqual(200);
    expect(String(reject?.raw)).toMatch(/^\{"note":"x+$/);
  });

  it('holds no more than a record while an endless line streams past', async () => {
    const limits = { ...DEFAULT_PARSE_LIMITS, maxRecordChars: 1_048_576 };
    const piece = 'y'.repeat(1_048_576);
    let peak = 0;
    async function* text() {
      yield '{"a":1}\n{"note":"';
      global.gc?.();
      const base = process.memoryUsage().heapUsed;
      // 256 MiB of one line: held whole, it would be 256 MB of heap.
      for (let i = 0; i < 256; i++) {
        yield piece;
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      yield '"}\n{"a":2}\n';
    }
    const items = await readAll(text(), limits);
    expect(summary(items)).toEqual([
      { line: 1, raw: { a: 1 } },
      { line: 2, code: 'row_too_large' },
      { line: 3, raw: { a: 2 } },
    ]);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('a JSON line naming a member twice', () => {
  it('is rejected as duplicate_key with its text, where JSON.parse would keep the last value', async () => {
    const items = await readAll(['{"a":1}\n{"a":1,"b":{"a":2},"a":3}\n{"b":{"c":1,"c":2}}\n']);
    expect(summary(items)).toEqual([
      { line: 1, raw: { a: 1 } },
      { line: 2, code: 'duplicate_key' },
      // Only the record's own members count: a nested value is kept as JSON.parse reads it.
      { line: 3, raw: { b: { c: 2 } } },
    ]);
    const reject = items[1];
    expect(reject?.raw).toBe('{"a":1,"b":{"a":2},"a":3}');
    expect(reject?.kind === 'rejected' && reject.issues[0]?.message).toContain('"a"');
  });
});
