/**
 * CSV text to records, fast where the text is plain. csv-parse tokenizes about
 * 7× slower than `split(',')`, and most lines of most files hold no quote and
 * no carriage return. Such lines are split on commas here; a record with a
 * quote is read here too when its quoting is well formed (RFC 4180, with a
 * quote inside an unquoted field kept as text, as csv-parse's `relax_quotes`
 * does). Everything else goes to csv-parse, with the options the whole file
 * used to get, from the start of that record to the end of the file: a BOM, a
 * first line break that is `\r\n` or `\r`, a quoted header, a carriage return
 * outside quotes, quoting that is not well formed, a record near the size limit.
 * So csv-parse decides every case this file does not handle the plain way,
 * with its own errors, and records come out the same either way
 * (csv-records.test.ts checks that on arbitrary text).
 */
import type { Options, Parser } from 'csv-parse';
import type { ParseLimits } from '../datasets/contract.js';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** A record as csv-parse hands it over with `raw: true`. */
interface ParsedRecord {
  readonly record: string[];
  /**
   * One line break character per blank line skipped before the record, the
   * record's text, then the first character of its line break (a `\r\n` leaves
   * `\r`), absent at the end of the text.
   */
  readonly raw: string;
}

/**
 * Receives one record: its fields, its own text (no line break around it),
 * the blank lines skipped before it, and every line break it spans, its own
 * included. Plain lines come with nothing allocated beyond their fields and text.
 */
export type OnCsvRecord = (record: string[], text: string, lead: number, breaks: number) => void;

/**
 * Offered a plain line of ASCII text as bytes (`bytes[start, end)`, no quote, no
 * line break) before it is split, with the blank lines skipped before it; true
 * when it took the line, which then never reaches OnCsvRecord.
 */
export type OnPlainLine = (bytes: Uint8Array, start: number, end: number, lead: number) => boolean;

/** The text's bytes when it is all ASCII (one byte a character, offsets alike); else undefined. */
function asciiBytes(text: string): Uint8Array | undefined {
  return Buffer.byteLength(text, 'utf8') === text.length ? Buffer.from(text, 'latin1') : undefined;
}

const isBreak = (code: number): boolean => code === LF || code === CR;

/** Line breaks as an editor counts them: `\r\n`, `\n` or a lone `\r`. */
export function countBreaks(text: string): number {
  // indexOf scans natively, several times faster than a charCodeAt loop.
  let breaks = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) breaks++;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== LF) breaks++;
  }
  return breaks;
}

/** How many line breaks start csv-parse's raw text of a record: the blank lines it skipped. */
export function leadingBreaks(raw: string): number {
  let lead = 0;
  while (lead < raw.length && isBreak(raw.charCodeAt(lead))) lead++;
  return lead;
}

/** csv-parse's raw text in the handoff's terms. */
function handOverParsed({ record, raw }: ParsedRecord, onRecord: OnCsvRecord): void {
  const lead = leadingBreaks(raw);
  let end = raw.length;
  if (end > lead && raw.charCodeAt(end - 1) === LF) end--;
  if (end > lead && raw.charCodeAt(end - 1) === CR) end--;
  // A `\r\n` ending reaches us as `\r`: one break either way.
  onRecord(record, raw.slice(lead, end), lead, countBreaks(raw));
}

/** Any UTF-16 unit is at most 3 UTF-8 bytes, which is what csv-parse counts against the limit. */
const UTF8_PER_UNIT = 3;

// Loaded when a file first needs it: most files never do, and then neither does
// the CLI's start nor a Lambda cold start.
let csvParse: Promise<typeof import('csv-parse')> | undefined;

async function csvParser(limits: ParseLimits, lineFeedOnly: boolean, delimiter: string): Promise<Parser> {
  csvParse ??= import('csv-parse');
  const { parse } = await csvParse;
  const options: Options = {
    delimiter,
    raw: true,
    relax_column_count: true,
    // A stray quote inside an unquoted field ("5'10\" tall") is kept as text:
    // otherwise one typo in a review would refuse the whole file.
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: limits.maxRecordChars,
    // Discovered from the first line break when the whole file comes here;
    // listing all three kinds makes csv-parse's inner loop about 45 % slower.
    // Past plain lines, the break the file started with was `\n`, as discovery would find.
    ...(lineFeedOnly ? { record_delimiter: '\n' } : {}),
  };
  const parser = parse(options);
  // Failures reach the caller through the write and end callbacks; without a
  // listener the stream would also rethrow them as an uncaught exception.
  parser.on('error', () => undefined);
  return parser;
}

const settle = (start: (done: (error?: Error | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));

/** What reading a quoted record found: its fields and where its line break is, or why not. */
type QuotedRead = { readonly fields: string[]; readonly end: number } | 'more' | 'elsewhere';

/**
 * Reads the record that starts at `start`: fields up to the `\n` that ends it
 * (`end`), or the end of the text when `final`. 'more' when the text stops
 * inside it; 'elsewhere' for anything csv-parse should judge (a carriage return
 * outside quotes, text after a closing quote, a quote never closed).
 */
function readQuoted(text: string, start: number, final: boolean): QuotedRead {
  const fields: string[] = [];
  let i = start;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) return final ? 'elsewhere' : 'more';
        value += text.slice(from, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += '"';
          from = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return final ? { fields, end: i } : 'more';
      const next = text.charCodeAt(i);
      if (next === LF) return { fields, end: i };
      if (next !== COMMA) return 'elsewhere';
      i++;
      continue;
    }
    let j = i;
    let code = text.charCodeAt(j);
    while (j < text.length && code !== COMMA && code !== LF) {
      if (code === CR) return 'elsewhere';
      code = text.charCodeAt(++j);
    }
    fields.push(text.slice(i, j));
    if (j === text.length) return final ? { fields, end: j } : 'more';
    if (code === LF) return { fields, end: j };
    i = j + 1;
  }
}

/**
 * Tokenizes CSV text written to it in pieces, handing each record to
 * `onRecord` as soon as it is complete. `write` and `end` reject with
 * csv-parse's own error when the text cannot be tokenized, and with whatever
 * `onRecord` throws.
 */
export class CsvRecords {
  /** Text after the last record handed over (blank lines included), not yet read. */
  private pending = '';
  /** Whether the text starts plainly: no BOM, first line unquoted and ending in `\n`. */
  private plain: boolean | undefined;
  private parser: Parser | undefined;
  private destroyed = false;
  private readonly maxPlainUnits: number;
  /** The field delimiter, chosen from the first text written. */
  private delimiter: string | undefined;

  /**
   * `delimiterFor` picks the delimiter from the start of the text; `,` if it is
   * never called. `onPlainLine`, when given, is offered each plain line of ASCII text first.
   */
  constructor(
    private readonly limits: ParseLimits,
    private readonly onRecord: OnCsvRecord,
    private readonly delimiterFor: (start: string) => string = () => ',',
    private readonly onPlainLine?: OnPlainLine,
  ) {
    this.maxPlainUnits = Math.floor(limits.maxRecordChars / UTF8_PER_UNIT);
  }

  async write(chunk: string): Promise<void> {
    if (this.parser) return this.parse(chunk);
    this.pending += chunk;
    if (this.delimiter === undefined) {
      // The header line decides it: wait for its end (or for more than a record may hold).
      if (!/[\r\n]/.test(this.pending) && this.pending.length <= this.maxPlainUnits) return;
      this.delimiter = this.delimiterFor(this.pending);
    }
    const rest = this.readPlain(false);
    if (rest !== undefined) return this.parse(rest);
  }

  async end(): Promise<void> {
    if (!this.parser) {
      this.delimiter ??= this.delimiterFor(this.pending);
      const rest = this.readPlain(true);
      if (rest === undefined) return;
      await this.parse(rest);
    }
    const parser = this.parser;
    if (parser === undefined) return;
    await settle((done) => parser.end(done));
    this.drain();
  }

  destroy(): void {
    this.destroyed = true;
    this.parser?.destroy();
  }

  /** Whether the text's start allows the plain path; undefined while its first line is incomplete. */
  private decide(): boolean | undefined {
    const text = this.pending;
    // The plain path splits on commas; another delimiter is csv-parse's.
    if (text.charCodeAt(0) === 0xfeff || this.delimiter !== ',') return false;
    const lf = text.indexOf('\n');
    const cr = text.indexOf('\r');
    if (cr !== -1 && (lf === -1 || cr < lf)) return false;
    if (lf === -1) return text.length > this.maxPlainUnits ? false : undefined;
    return text.lastIndexOf('"', lf) === -1;
  }

  /**
   * Hands over every complete plain record of `pending`. Returns the text from
   * the first record csv-parse must read (then this reader is done), else
   * undefined and keeps the incomplete rest.
   */
  private readPlain(final: boolean): string | undefined {
    if (this.plain === undefined) {
      this.plain = this.decide() ?? (final ? true : undefined);
      if (this.plain === undefined) return undefined;
    }
    const text = this.pending;
    if (!this.plain) {
      this.pending = '';
      return text;
    }
    // `from`: where the next record's blank lines begin; `pos`: where its text does.
    let from = 0;
    let pos = 0;
    let blanks = 0;
    let quote = text.indexOf('"');
    let cr = text.indexOf('\r');
    // The text as bytes, made when a stretch of plain lines is first met: null when it is not ASCII.
    let bytes: Uint8Array | null | undefined;
    const handOver = (): string => {
      this.pending = '';
      return text.slice(from);
    };
    for (;;) {
      if (pos === text.length) break;
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
      if (quote !== -1 && quote < pos) quote = text.indexOf('"', pos);
      // The complete lines before the next quote or carriage return hold neither:
      // one native split of the stretch, instead of a search and a slice per line.
      const stop = Math.min(quote === -1 ? text.length : quote, cr === -1 ? text.length : cr);
      const last = stop > pos ? text.lastIndexOf('\n', stop - 1) : -1;
      if (last >= pos) {
        if (this.onPlainLine !== undefined) {
          bytes ??= asciiBytes(text) ?? null;
          if (bytes !== null) {
            const whole = this.readBytes(text, bytes, pos, last, blanks, from);
            from = this.from;
            if (!whole) return handOver();
            blanks = this.blanks;
            pos = last + 1;
            continue;
          }
        }
        for (const line of text.slice(pos, last).split('\n')) {
          if (line === '') {
            blanks++;
            pos++;
            continue;
          }
          if (line.length > this.maxPlainUnits) return handOver();
          this.onRecord(line.split(','), line, blanks, blanks + 1);
          blanks = 0;
          pos += line.length + 1;
          from = pos;
        }
        continue;
      }
      let nl = text.indexOf('\n', pos);
      if (nl === pos) {
        blanks++;
        pos++;
        continue;
      }
      if (nl === -1) {
        if (!final) break;
        nl = text.length;
      }
      let record: string[];
      let body: string;
      // A quoted field may hold line breaks of its own; a plain line holds none.
      let inner = 0;
      let end = nl;
      if (quote === -1 || quote >= nl) {
        if ((cr !== -1 && cr < nl) || nl - pos > this.maxPlainUnits) return handOver();
        body = text.slice(pos, nl);
        record = body.split(',');
      } else {
        const read = readQuoted(text, pos, final);
        if (read === 'elsewhere') return handOver();
        if (read === 'more') break;
        if (read.end - pos > this.maxPlainUnits) return handOver();
        record = read.fields;
        end = read.end;
        body = text.slice(pos, end);
        inner = countBreaks(body);
      }
      this.onRecord(record, body, blanks, blanks + inner + (end < text.length ? 1 : 0));
      blanks = 0;
      pos = Math.min(end + 1, text.length);
      from = pos;
    }
    this.pending = text.slice(from);
    // A record this long is csv-parse's to refuse (or read), with its own limit.
    if (this.pending.length > this.maxPlainUnits) return handOver();
    return undefined;
  }

  /** Blank lines before the next record, and where it starts, as readBytes left them. */
  private blanks = 0;
  private from = 0;

  /**
   * The lines of `bytes[pos, last]`, a stretch with neither quote nor carriage
   * return, each ending in `\n`: offered to onPlainLine, else split and handed
   * to onRecord. False when a line is too long for the plain path.
   */
  private readBytes(
    text: string,
    bytes: Uint8Array,
    pos: number,
    last: number,
    blanks: number,
    from: number,
  ): boolean {
    const onPlainLine = this.onPlainLine as OnPlainLine;
    let p = pos;
    while (p <= last) {
      const lf = bytes.indexOf(LF, p);
      if (lf === p) {
        blanks++;
        p++;
        continue;
      }
      if (lf - p > this.maxPlainUnits) {
        this.from = from;
        return false;
      }
      if (!onPlainLine(bytes, p, lf, blanks)) {
        const line = text.slice(p, lf);
        this.onRecord(line.split(','), line, blanks, blanks + 1);
      }
      blanks = 0;
      p = lf + 1;
      from = p;
    }
    this.blanks = blanks;
    this.from = from;
    return true;
  }

  /** Writes to csv-parse (created on first use) and hands over what it has read. */
  private async parse(chunk: string): Promise<void> {
    if (this.parser === undefined) {
      const created = await csvParser(this.limits, this.plain === true, this.delimiter ?? ',');
      // Destroyed while csv-parse was loading: nothing is read any more.
      if (this.destroyed) {
        created.destroy();
        return;
      }
      this.parser = created;
    }
    const parser = this.parser;
    const written = settle((done) => parser.write(chunk, done));
    // When onRecord throws (a wrong header), the write's own outcome no longer matters.
    written.catch(() => undefined);
    // Records are drained before the callback is awaited: the parser holds the
    // callback back until its readable side has room again.
    this.drain();
    await written;
  }

  private drain(): void {
    const parser = this.parser as Parser;
    for (let parsed = parser.read(); parsed !== null; parsed = parser.read()) {
      handOverParsed(parsed as ParsedRecord, this.onRecord);
    }
  }
}
