/**
 * The byte-level path of the ohlcv preset (a PlainRowWriter) for a CSV whose
 * header is `symbol,datetime,open,high,low,close,volume`: a row of plain text,
 * `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`, and plain non-negative decimals that
 * keep low <= open, close <= high is written as serializeOhlcv writes it. Any
 * other row is declined to the validator's string path.
 */
import type { PlainRowWriter, TakenRows } from './contract.js';
import type { DuplicateIndex } from './duplicate-index.js';
import {
  CellStrings,
  cellEnd,
  isPlainText,
  JsonLineBytes,
  PlainNumber,
  plainDateSeconds,
  plainTimeSeconds,
  utf8,
} from './plain-cells.js';

const SYMBOL = utf8('{"symbol":');
const DATETIME = utf8(',"datetime":"');
const PRICES = [',"open":', ',"high":', ',"low":', ',"close":', ',"volume":'].map(utf8);
const END = utf8('}\n');
/** Keys, quotes and braces a row adds to its cells. */
const OVERHEAD = 96;
const T = 84;
const SPACE = 32;
const DASH = 45;
const QUOTE = 34;

export class OhlcvPlainRows implements PlainRowWriter {
  private readonly out = new JsonLineBytes();
  private readonly number = new PlainNumber();
  private readonly symbols = new CellStrings();
  /** Where each price's cell starts and its JSON ends; its value. */
  private readonly from = new Int32Array(5);
  private readonly to = new Int32Array(5);
  private readonly prices = new Float64Array(5);

  /** `seen`: the validator's own record of (symbol, datetime) pairs. */
  constructor(private readonly seen: DuplicateIndex) {}

  take(bytes: Uint8Array, start: number, end: number): boolean {
    const symbolEnd = cellEnd(bytes, start, end);
    if (symbolEnd === end || !isPlainText(bytes, start, symbolEnd)) return false;
    const when = symbolEnd + 1;
    const whenEnd = cellEnd(bytes, when, end);
    if (whenEnd === end) return false;
    const width = whenEnd - when;
    if (width !== 10 && width !== 19) return false;
    let seconds = plainDateSeconds(bytes, when, when + 10);
    if (width === 19) {
      const sep = bytes[when + 10];
      if (sep !== T && sep !== SPACE) return false;
      seconds += plainTimeSeconds(bytes, when + 11);
    }
    if (Number.isNaN(seconds)) return false;

    const number = this.number;
    let at = whenEnd + 1;
    let volume = true;
    for (let k = 0; k < 5; k++) {
      const stop = cellEnd(bytes, at, end);
      if (k < 4 ? stop === end : stop !== end) return false;
      if (k === 4 && stop === at) volume = false;
      else {
        if (bytes[at] === DASH || !number.read(bytes, at, stop)) return false;
        this.prices[k] = number.value;
        this.from[k] = at;
        this.to[k] = number.jsonEnd;
      }
      at = stop + 1;
    }
    const [open, high, low, close] = this.prices as unknown as [number, number, number, number];
    if (low > open || low > close || open > high || close > high) return false;

    const out = this.out;
    if (!out.reserve(end - start + OVERHEAD)) return false;
    const symbol = this.symbols.of(bytes, start, symbolEnd);
    // Last: a declined row must not have claimed its pair.
    if (!this.seen.add(symbol, seconds)) return false;

    out.put(SYMBOL);
    out.quoted(bytes, start, symbolEnd);
    out.put(DATETIME);
    out.copy(bytes, when, when + 10);
    if (width === 19) {
      out.byte(T);
      out.copy(bytes, when + 11, whenEnd);
    }
    out.byte(QUOTE);
    for (let k = 0; k < (volume ? 5 : 4); k++) {
      out.put(PRICES[k] as Uint8Array);
      out.copy(bytes, this.from[k] as number, this.to[k] as number);
    }
    out.put(END);
    out.endRow(symbol);
    return true;
  }

  drain(): TakenRows | undefined {
    return this.out.drain();
  }
}
