import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectInfo, ObjectWriter } from '../ports.js';
import { JsonlSink } from './jsonl-sink.js';

/** A writer that keeps its chunks, and the chunk size it was handed each time. */
function keepingWriter() {
  const chunks: Uint8Array[] = [];
  const writer: ObjectWriter = {
    write: async (chunk) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    },
    close: async (): Promise<ObjectInfo> => ({
      key: 'k',
      size: chunks.reduce((n, c) => n + c.byteLength, 0),
    }),
    abort: async () => undefined,
  };
  return { writer, bytes: () => Buffer.concat(chunks).toString('utf8'), chunks };
}

describe('JsonlSink', () => {
  it('writes every line once, in order, each with its newline, whatever their lengths and characters', async () => {
    const line = fc.oneof(
      { weight: 5, arbitrary: fc.string({ maxLength: 200 }) },
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.string({ minLength: 20_000, maxLength: 90_000, unit: fc.constantFrom('a', 'é', '€', '😀') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 400 }), async (lines) => {
        const { writer, bytes, chunks } = keepingWriter();
        const sink = new JsonlSink(writer);
        for (const l of lines) await sink.add(l);
        const info = await sink.close();
        expect(bytes()).toBe(lines.map((l) => `${l}\n`).join(''));
        expect(sink.lines).toBe(lines.length);
        expect(info.size).toBe(Buffer.byteLength(bytes()));
        // Large writes, never an empty one.
        expect(chunks.every((c) => c.byteLength > 0)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
