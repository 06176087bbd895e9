/**
 * A ceiling measurement, not the product: how fast one thread can take the
 * plain rows of an ohlcv CSV (ASCII symbol, `YYYY-MM-DD`, five plain decimals)
 * from bytes to JSON lines without ever making a string of a row. It reads the
 * file in 1 MiB pieces, checks each row as the ohlcv-csv contract does (real
 * calendar date, numbers finite and >= 0, low <= open, close <= high, the first
 * (symbol, datetime) wins, through the stage's own DuplicateIndex), copies
 * each cell's bytes to the output and counts every other row as "declined":
 * rows a real fast path would hand to the contract's string path.
 *
 *   npx tsx bench/ceiling/ohlcv-bytes.ts bench/.data/ohlcv-1000000.csv out.jsonl
 *
 * `out.jsonl` is byte-identical to the processed file of `sluice ingest` of the
 * same file (docs/architecture.md, "Ingest throughput"; test/bench/ohlcv-bytes.test.ts).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DuplicateIndex } from '../../src/core/datasets/duplicate-index.js';

const PIECE = 1 << 20;
const COMMA = 44;
const LF = 10;
const CR = 13;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
const KEYS = [
  '{"symbol":"',
  '","datetime":"',
  '","open":',
  ',"high":',
  ',"low":',
  ',"close":',
  ',"volume":',
  '}\n',
].map((k) => Buffer.from(k));

export interface CeilingRun {
  readonly rows: number;
  readonly valid: number;
  readonly declined: number;
  readonly ms: number;
}

/** Writes the plain rows of the ohlcv CSV `file` to `outFile` as JSON lines. */
export function plainOhlcvRows(file: string, outFile: string): CeilingRun {
  const started = performance.now();
  const input = openSync(file, 'r');
  const output = openSync(outFile, 'w');
  const bytes = Buffer.allocUnsafe(PIECE * 2);
  const out = Buffer.allocUnsafe(1 << 16);
  let outLength = 0;
  const seen = new DuplicateIndex();
  const symbols = new Map<number, string>();
  let rows = 0;
  let valid = 0;
  let declined = 0;

  const put = (key: Buffer) => {
    for (let q = 0; q < key.length; q++) out[outLength++] = key[q] as number;
  };
  const copy = (from: number, to: number) => {
    for (let q = from; q < to; q++) out[outLength++] = bytes[q] as number;
  };

  // The number just read: its value and the bytes of its shortest JSON form.
  let value = 0;
  let jsonEnd = 0;
  /** Reads a plain decimal at `i` (up to 15 digits, so m / 10^k is the correctly rounded double); -1 if it is not one. */
  function plainNumber(i: number, end: number): number {
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let dot = -1;
    let lastNonZero = -1;
    let j = i;
    if (bytes[j] === ZERO && bytes[j + 1] !== DOT && j + 1 < end && bytes[j + 1] !== COMMA) return -1;
    while (j < end) {
      const c = bytes[j] as number;
      if (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        if (dot >= 0) {
          fraction++;
          if (c !== ZERO) lastNonZero = j;
        }
      } else if (c === DOT && dot < 0) dot = j;
      else break;
      j++;
    }
    if (digits === 0 || digits > 15 || dot === j - 1 || dot === i) return -1;
    value = fraction === 0 ? mantissa : mantissa / (POW10[fraction] as number);
    jsonEnd = dot < 0 ? j : lastNonZero >= 0 ? lastNonZero + 1 : dot;
    return j;
  }

  const digit = (at: number) => (bytes[at] as number) - ZERO;
  /** Do the bytes from `from` to `to` spell `text`? (Compares without making a string of them.) */
  function spells(text: string, from: number, to: number): boolean {
    if (text.length !== to - from) return false;
    for (let q = 0; q < text.length; q++) if (text.charCodeAt(q) !== bytes[from + q]) return false;
    return true;
  }

  const cells = new Int32Array(10);
  let carry = 0;
  let header = true;
  for (;;) {
    const n = readSync(input, bytes, carry, PIECE, null);
    const end = carry + n;
    if (n === 0) break;
    let i = 0;
    for (;;) {
      const lf = bytes.indexOf(LF, i);
      if (lf < 0 || lf >= end) break;
      const next = lf + 1;
      if (header) {
        header = false;
        i = next;
        continue;
      }
      rows++;
      const stop = bytes[lf - 1] === CR ? lf - 1 : lf;
      let j = i;
      let hash = 0;
      let plain = true;
      while (j < stop) {
        const c = bytes[j] as number;
        if (c === COMMA) break;
        if (c <= 0x20 || c === 34 || c === 92 || c > 0x7e) {
          plain = false;
          break;
        }
        hash = (hash * 31 + c) | 0;
        j++;
      }
      const symbolEnd = j;
      plain &&= j > i && bytes[j] === COMMA;
      let seconds = 0;
      if (plain) {
        const d = j + 1;
        const year = digit(d) * 1000 + digit(d + 1) * 100 + digit(d + 2) * 10 + digit(d + 3);
        const month = digit(d + 5) * 10 + digit(d + 6);
        const day = digit(d + 8) * 10 + digit(d + 9);
        const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
        plain =
          bytes[d + 4] === 45 &&
          bytes[d + 7] === 45 &&
          bytes[d + 10] === COMMA &&
          year >= 1000 &&
          month >= 1 &&
          month <= 12 &&
          day >= 1 &&
          day <= (DAYS[month] as number) &&
          (month !== 2 || day !== 29 || leap);
        seconds = Date.UTC(year, month - 1, day) / 1000;
        j = d + 11;
      }
      let open = 0;
      let high = 0;
      let low = 0;
      let close = 0;
      for (let k = 0; plain && k < 5; k++) {
        const from = j;
        j = plainNumber(j, stop);
        plain = j >= 0 && (k < 4 ? bytes[j] === COMMA : j === stop);
        cells[k * 2] = from;
        cells[k * 2 + 1] = jsonEnd;
        if (k === 0) open = value;
        else if (k === 1) high = value;
        else if (k === 2) low = value;
        else if (k === 3) close = value;
        j++;
      }
      plain &&= low <= open && low <= close && open <= high && close <= high;
      if (plain) {
        let symbol = symbols.get(hash);
        if (symbol === undefined || !spells(symbol, i, symbolEnd)) {
          symbol = bytes.toString('latin1', i, symbolEnd);
          symbols.set(hash, symbol);
        }
        plain = seen.add(symbol, seconds);
      }
      if (!plain) {
        declined++;
        i = next;
        continue;
      }
      valid++;
      if (outLength + 512 > out.length) {
        writeSync(output, out, 0, outLength);
        outLength = 0;
      }
      put(KEYS[0] as Buffer);
      copy(i, symbolEnd);
      put(KEYS[1] as Buffer);
      copy(symbolEnd + 1, symbolEnd + 11);
      for (let k = 0; k < 5; k++) {
        put(KEYS[k + 2] as Buffer);
        copy(cells[k * 2] as number, cells[k * 2 + 1] as number);
      }
      put(KEYS[7] as Buffer);
      i = next;
    }
    carry = end - i;
    bytes.copy(bytes, 0, i, end);
  }
  writeSync(output, out, 0, outLength);
  closeSync(output);
  closeSync(input);
  return { rows, valid, declined, ms: Math.round(performance.now() - started) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, outFile] = process.argv.slice(2);
  if (file === undefined || outFile === undefined) throw new Error('usage: ohlcv-bytes.ts <csv> <out.jsonl>');
  console.log(JSON.stringify(plainOhlcvRows(file, outFile)));
}
