import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText } from './decode.js';

async function* chunksOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

async function decodeAll(bytes: Uint8Array, cuts: number[] = []): Promise<string> {
  const { text } = await decodeText(chunksOf(bytes, cuts), { maxBytes: 1 << 30 });
  let out = '';
  for await (const piece of text) out += piece;
  return out;
}

describe('decodeText', () => {
  it('decodes UTF-8 split at any byte exactly as TextDecoder does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.array(fc.nat()),
        async (text, cuts) => {
          const bytes = new TextEncoder().encode(text);
          const decoded = await decodeAll(
            bytes,
            cuts.map((c) => c % (bytes.length + 1)),
          );
          expect(decoded).toBe(new TextDecoder().decode(bytes));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses invalid UTF-8 wherever it is, including a sequence cut off at the end', async () => {
    await expect(decodeAll(new Uint8Array([0x61, 0xff, 0x62]))).rejects.toMatchObject({
      reason: 'invalid_utf8',
    });
    await expect(decodeAll(new Uint8Array([0x61, 0xe2, 0x82]))).rejects.toMatchObject({
      reason: 'invalid_utf8',
    });
    await expect(decodeAll(new Uint8Array([0xed, 0xa0, 0x80]), [1])).rejects.toMatchObject({
      reason: 'invalid_utf8',
    });
  });

  it('removes a leading byte-order mark only', async () => {
    const bom = [0xef, 0xbb, 0xbf];
    expect(await decodeAll(new Uint8Array([...bom, 0x61, ...bom]), [1, 2])).toBe('a\ufeff');
  });

  it('agrees with a fatal TextDecoder on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.array(fc.nat(64)),
        async (bytes, cuts) => {
          if (
            bytes.includes(0) ||
            (bytes[0] === 0x1f && bytes[1] === 0x8b) ||
            bytes[0] === 0xff ||
            bytes[0] === 0xfe
          )
            return;
          let expected: string | undefined;
          try {
            expected = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          } catch {
            expected = undefined;
          }
          const actual = await decodeAll(
            bytes,
            cuts.map((c) => c % (bytes.length + 1)),
          ).catch(() => undefined);
          expect(actual).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
