/**
 * Bytes to text for the parsers: size limits, transparent gzip with a bound on
 * what it may inflate to, strict UTF-8 (or Windows-1252 text, detected), and the BOM removed.
 */
import { isAscii as isAsciiBytes } from 'node:buffer';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UnreadableFileError } from '../errors.js';

export interface DecodeStats {
  /** Bytes read from the store. */
  rawBytes: number;
  /** Bytes after gunzip (equal to rawBytes for plain files). */
  decodedBytes: number;
  gzip: boolean;
}

export interface DecodeOptions {
  readonly maxBytes: number;
  readonly onBytes?: (rawBytes: number) => void;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

async function* countRaw(
  source: AsyncIterable<Uint8Array>,
  stats: DecodeStats,
  options: DecodeOptions,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    stats.rawBytes += chunk.byteLength;
    if (stats.rawBytes > options.maxBytes) {
      throw new UnreadableFileError(
        'too_large',
        `the file is larger than the ${options.maxBytes}-byte limit`,
      );
    }
    options.onBytes?.(stats.rawBytes);
    yield chunk;
  }
}

async function* gunzip(
  source: AsyncIterable<Uint8Array>,
  stats: DecodeStats,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  const inflater = Readable.from(source, { objectMode: false }).pipe(createGunzip());
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      stats.decodedBytes += chunk.byteLength;
      if (stats.decodedBytes > maxBytes) {
        throw new UnreadableFileError(
          'decompressed_too_large',
          `the gzip input inflates beyond the ${maxBytes}-byte limit (stopped after reading ${stats.rawBytes} compressed bytes)`,
        );
      }
      yield chunk;
    }
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    throw new UnreadableFileError('invalid_gzip', `the gzip input does not inflate: ${String(error)}`, {
      cause: error,
    });
  } finally {
    inflater.destroy();
  }
}

async function* plain(source: AsyncIterable<Uint8Array>, stats: DecodeStats): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    stats.decodedBytes += chunk.byteLength;
    yield chunk;
  }
}

/** Puts the first chunk back in front of the rest; closing it closes the source (and its file handle). */
async function* prepend(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield first;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/** Strict UTF-8; the decoder drops a leading BOM and carries sequences cut by chunk boundaries. */
/** Whether the bytes hold a well-formed UTF-8 sequence of two to four bytes (what Windows-1252 text never has by chance). */
export function hasUtf8Sequence(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const lead = bytes[i] as number;
    const length =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    if (length === 0 || i + length > bytes.length) continue;
    let continued = true;
    for (let k = 1; k < length; k++) continued &&= ((bytes[i + k] as number) & 0xc0) === 0x80;
    if (continued) return true;
  }
  return false;
}

/**
 * Windows-1252 text of whole bytes. Node 20's one-shot decode of windows-1252 reads
 * 0x80-0x9F as Latin-1 control characters (€ becomes U+0080); its streaming path
 * maps them right, so the bytes go through that.
 */
export function windows1252(bytes: Uint8Array): string {
  const decoder = new TextDecoder('windows-1252');
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

const isAscii = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
};

/** ASCII bytes as text: each byte is its character, so Latin-1 copies them straight into a one-byte string. */
const asciiText = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/**
 * Strict UTF-8, or Windows-1252 when the bytes cannot be UTF-8 and never were:
 * a spreadsheet's "CSV" export on Windows (`café` as the single byte 0xE9). The
 * switch is taken only while everything before was ASCII (the same text in both;
 * a UTF-8 BOM is not) and the failing chunk holds no UTF-8 sequence; a file that
 * mixes the two is broken, and refused as invalid_utf8.
 */
async function* utf8(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  let ascii = true;
  // While the text is ASCII, the bytes from 0x80 at its end gave no text yet: the start of a
  // character the decoder still waits on. They are read again should the file turn out 1252.
  let held = new Uint8Array(0);
  const withHeld = (chunk: Uint8Array): Uint8Array => {
    const all = new Uint8Array(held.length + chunk.length);
    all.set(held);
    all.set(chunk, held.length);
    return all;
  };
  let legacy: InstanceType<typeof TextDecoder> | undefined;
  // Once the decoder has given text it is past any BOM, and after an ASCII byte it waits on no
  // sequence (a fatal decoder would have thrown), so an all-ASCII chunk then decodes to its
  // bytes as they are; nothing is held either. Checking the bytes (SIMD) and copying them
  // skips the decoder, the held-bytes copy and isAscii: most of what decoding a large
  // mostly-ASCII file costs.
  let started = false;
  let endsInAscii = false;
  // A leading BOM is text that was not ASCII, though the decoder drops it and the text after
  // it looks ASCII: bad bytes after it are a mixed file, not Windows-1252 with the BOM lost.
  const lead: number[] = [];
  for await (const chunk of source) {
    for (let i = 0; lead.length < 3 && i < chunk.byteLength; i++) {
      lead.push(chunk[i] as number);
      if (lead.length === 3 && lead[0] === 0xef && lead[1] === 0xbb && lead[2] === 0xbf) ascii = false;
    }
    offset += chunk.byteLength;
    if (legacy !== undefined) {
      const text = legacy.decode(chunk, { stream: true });
      if (text.length > 0) yield text;
      continue;
    }
    if (chunk.byteLength === 0) continue;
    if (started && endsInAscii && isAsciiBytes(chunk)) {
      yield asciiText(chunk);
      continue;
    }
    endsInAscii = (chunk[chunk.byteLength - 1] as number) < 0x80;
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (error) {
      const rest = withHeld(chunk);
      if (!ascii || hasUtf8Sequence(rest)) throw invalidUtf8(offset, error);
      legacy = new TextDecoder('windows-1252');
      const converted = legacy.decode(rest, { stream: true });
      if (converted.length > 0) yield converted;
      continue;
    }
    if (ascii && !isAscii(text)) ascii = false;
    if (ascii) {
      const all = withHeld(chunk);
      let start = all.length;
      while (start > 0 && (all[start - 1] as number) >= 0x80) start--;
      held = all.slice(start);
    }
    if (text.length > 0) {
      started = true;
      yield text;
    }
  }
  if (legacy !== undefined) {
    const tail = legacy.decode();
    if (tail.length > 0) yield tail;
    return;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch (error) {
    // A file that ends in the middle of a sequence: judged like any other bad byte.
    if (!ascii || hasUtf8Sequence(held)) throw invalidUtf8(offset, error);
    tail = windows1252(held);
  }
  if (tail.length > 0) yield tail;
}

const invalidUtf8 = (offset: number, cause: unknown): UnreadableFileError =>
  new UnreadableFileError(
    'invalid_utf8',
    `the file is neither UTF-8 nor Windows-1252 text (UTF-8 with bad bytes within the first ${offset} bytes; re-export it as UTF-8)`,
    { cause },
  );

/** Decoded text of a byte stream, with its statistics filled in as it is read. */
export async function decodeText(
  source: AsyncIterable<Uint8Array>,
  options: DecodeOptions,
): Promise<{ text: AsyncIterable<string>; stats: DecodeStats }> {
  const stats: DecodeStats = { rawBytes: 0, decodedBytes: 0, gzip: false };
  const counted = countRaw(source, stats, options)[Symbol.asyncIterator]();
  let first = await counted.next();
  while (!first.done && first.value.byteLength === 0) first = await counted.next();
  if (first.done) {
    throw new UnreadableFileError('empty_file', 'the file is empty (0 bytes)');
  }
  const bytes = prepend(first.value, counted);
  stats.gzip = first.value[0] === GZIP_MAGIC[0] && first.value[1] === GZIP_MAGIC[1];
  const decoded = stats.gzip ? gunzip(bytes, stats, options.maxBytes) : plain(bytes, stats);
  return { text: utf8(refuseBinary(decoded)), stats };
}

const UTF16_BOMS = [
  [0xff, 0xfe],
  [0xfe, 0xff],
] as const;

/** Tells text in the wrong encoding and binary files apart before UTF-8 decoding blurs them. */
async function* refuseBinary(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let checked = false;
  for await (const chunk of source) {
    if (!checked && chunk.byteLength > 0) {
      checked = true;
      if (UTF16_BOMS.some(([a, b]) => chunk[0] === a && chunk[1] === b)) {
        throw new UnreadableFileError('invalid_utf8', 'the file is UTF-16 text; re-export it as UTF-8');
      }
      // Text formats never hold NUL bytes; images, archives and spreadsheets do.
      if (chunk.subarray(0, 8192).includes(0)) {
        throw new UnreadableFileError('unsupported_format', 'the file is binary, neither JSON nor CSV text');
      }
    }
    yield chunk;
  }
}

/**
 * The first `maxChars` of a text stream, and the whole stream again (prefix
 * included). `close()` releases the source when the text will not be read to
 * the end (a refused file), so its file handle or socket does not wait for GC.
 */
export async function peekText(
  text: AsyncIterable<string>,
  maxChars: number,
): Promise<{ prefix: string; text: AsyncIterable<string>; close(): Promise<void> }> {
  const iterator = text[Symbol.asyncIterator]();
  const head: string[] = [];
  let length = 0;
  let done = false;
  while (length < maxChars) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    length += next.value.length;
  }
  async function* replay(): AsyncGenerator<string> {
    try {
      yield* head;
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return {
    prefix: head.join('').slice(0, maxChars),
    text: replay(),
    close: async () => {
      await iterator.return?.();
    },
  };
}
