/**
 * Bytes to text for the parsers: size limits, transparent gzip with a bound on
 * what it may inflate to, strict UTF-8, and the BOM removed.
 */
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
async function* utf8(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  try {
    for await (const chunk of source) {
      offset += chunk.byteLength;
      const text = decoder.decode(chunk, { stream: true });
      if (text.length > 0) yield text;
    }
    const tail = decoder.decode();
    if (tail.length > 0) yield tail;
  } catch (error) {
    if (error instanceof TypeError) {
      throw new UnreadableFileError(
        'invalid_utf8',
        `the file is not valid UTF-8 (bad bytes within the first ${offset} bytes; re-export it as UTF-8)`,
        { cause: error },
      );
    }
    throw error;
  }
}

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
