import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText, hasUtf8Sequence, windows1252 } from './decode.js';

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

/**
 * Decodes `bytes` cut at `cuts`, with what the result may be: a fatal
 * TextDecoder's UTF-8, else Windows-1252 when the bytes hold no UTF-8
 * sequence, else Windows-1252 or invalid_utf8.
 */
async function decodedAgainstOracle(bytes: Uint8Array, cuts: readonly number[]) {
  let utf8: string | undefined;
  try {
    utf8 = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    utf8 = undefined;
  }
  const legacy = windows1252(bytes);
  const actual = await decodeAll(
    bytes,
    cuts.map((c) => c % (bytes.length + 1)),
  ).catch((error: { reason?: string }) => error.reason);
  const allowed: (string | undefined)[] =
    utf8 !== undefined ? [utf8] : !hasUtf8Sequence(bytes) ? [legacy] : [legacy, 'invalid_utf8'];
  return { actual, allowed };
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

  it('reads text that cannot be UTF-8 and holds no UTF-8 sequence as Windows-1252, a cut anywhere', async () => {
    expect(await decodeAll(new Uint8Array([0x61, 0xff, 0x62]))).toBe('aÿb');
    expect(await decodeAll(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80]), [3, 4])).toBe('café €');
    expect(await decodeAll(new Uint8Array([0x61, 0xe2, 0x82]), [2])).toBe('aâ‚');
  });

  it('refuses invalid UTF-8 in text that was UTF-8 before it, or that holds a UTF-8 sequence', async () => {
    // é in UTF-8, then a lone 0xE9: the file mixes the two.
    await expect(decodeAll(new Uint8Array([0xc3, 0xa9, 0x0a, 0xe9]), [3])).rejects.toMatchObject({
      reason: 'invalid_utf8',
    });
    await expect(decodeAll(new Uint8Array([0x61, 0xe9, 0xc3, 0xa9]))).rejects.toMatchObject({
      reason: 'invalid_utf8',
    });
    await expect(decodeAll(new Uint8Array([0xed, 0xa0, 0x80]), [1])).rejects.toMatchObject({
      reason: 'invalid_utf8',
    });
  });

  it('refuses bytes that are not UTF-8 after a UTF-8 byte-order mark, however the file is cut', async () => {
    // BOM, "a,b\n", then café with a Windows-1252 é: the BOM said UTF-8, so the file mixes the two.
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62, 0x0a, 0x63, 0x61, 0x66, 0xe9]);
    for (const cuts of [[], [1], [2], [3], [7], [10], [1, 2, 8]]) {
      await expect(decodeAll(bytes, cuts)).rejects.toMatchObject({ reason: 'invalid_utf8' });
    }
    // Without the BOM the same text is a Windows-1252 export.
    expect(await decodeAll(bytes.subarray(3), [4])).toBe('a,b\ncafé');
  });

  it('removes a leading byte-order mark only', async () => {
    const bom = [0xef, 0xbb, 0xbf];
    expect(await decodeAll(new Uint8Array([...bom, 0x61, ...bom]), [1, 2])).toBe('a\ufeff');
  });

  it("gives a fatal TextDecoder's UTF-8, else Windows-1252, else invalid_utf8, on arbitrary bytes cut anywhere", async () => {
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
          const { actual, allowed } = await decodedAgainstOracle(bytes, cuts);
          expect(allowed).toContain(actual);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('decodes long ASCII runs between other bytes as the decoder would, a cut anywhere', async () => {
    // Chunks of pure ASCII after the first text skip the decoder: mix them with BOMs, UTF-8
    // characters and lone high bytes so a skipped chunk follows every kind of state.
    const piece = fc.oneof(
      fc
        .string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
          maxLength: 40,
        })
        .map((text) => [...new TextEncoder().encode(text)]),
      fc.constant([0xef, 0xbb, 0xbf]),
      fc.string({ unit: 'grapheme', maxLength: 3 }).map((text) => [...new TextEncoder().encode(text)]),
      fc.integer({ min: 0x80, max: 0xff }).map((b) => [b]),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(400)),
        async (pieces, cuts) => {
          const bytes = new Uint8Array(pieces.flat());
          if (bytes.length === 0) return;
          const { actual, allowed } = await decodedAgainstOracle(bytes, cuts);
          // A leading BOM was already dropped by the decoder when a later chunk turns out 1252.
          const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
          const afterBom = allowed.includes('invalid_utf8') && bom ? [windows1252(bytes.subarray(3))] : [];
          expect([...allowed, ...afterBom]).toContain(actual);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps a byte-order mark that follows ASCII text in a later chunk', async () => {
    const bom = [0xef, 0xbb, 0xbf];
    expect(await decodeAll(new Uint8Array([0x61, ...bom, 0x62, 0x63]), [1, 4])).toBe('a\ufeffbc');
    expect(await decodeAll(new Uint8Array([...bom, 0x61, 0x62, ...bom]), [3, 4])).toBe('ab\ufeff');
  });
});
