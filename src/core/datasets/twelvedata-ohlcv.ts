/**
 * Twelve Data `time_series` responses: one symbol `{meta, values, status}`, many
 * symbols `{"AAPL": {...}, "MSFT": {...}}`, or a batch `{code, status, data: {"<id>":
 * {...}}}` (each item possibly wrapped as `{response: {...}, status}`). Any block may be an error block `{code, message, status: "error"}`,
 * rejected whole (its meta, status, code and message as raw) while the others go on.
 *
 * Bars stream out as they are read, so what a bar gets depends on what its block said
 * before it. JSON does not promise key order: bars read before `meta` wait for it (up
 * to MAX_RECORDS_BEFORE_META) to get its symbol and interval. A bar handed on before
 * `status: "error"` was read stays a record; one read after it (or still waiting for
 * meta when it came) is rejected as source_error.
 */
import { UnreadableFileError } from '../errors.js';
import {
  type DuplicateMembers,
  type ElementShape,
  type JsonKind,
  type JsonScanHandler,
  JsonScanner,
  Plan,
} from '../ingest/json-scanner.js';
import type { RowIssue } from '../reasons.js';
import type { DatasetContract, ParseLimits, SourceItem, SourceRecord } from './contract.js';
import { createOhlcvValidator, OHLCV_RULES, type OhlcvRow, serializeOhlcv } from './ohlcv.rules.js';

/**
 * Records of a block whose `values` come before its `meta` wait for the symbol, up to
 * this many (about 30 MB of parsed rows); a longer wait fails the file.
 */
export const MAX_RECORDS_BEFORE_META = 100_000;

/**
 * `/time_series/cross` names no `symbol`, only the two legs it divides
 * (`base_instrument: "JPY/USD"`, `quote_instrument: "BTC/USD"` for base=JPY, quote=BTC):
 * the pair is the first part of each, `JPY/BTC`.
 */
function crossSymbol(meta: object): string | undefined {
  const { base_instrument: base, quote_instrument: quote } = meta as Record<string, unknown>;
  const leg = (instrument: unknown) =>
    typeof instrument === 'string' ? instrument.split('/')[0]?.trim() || undefined : undefined;
  const [b, q] = [leg(base), leg(quote)];
  return b === undefined || q === undefined ? undefined : `${b}/${q}`;
}

// Larger chunks are scanned in slices of this size, so one batch holds at most ~9,000 bars.
const SLICE_CHARS = 1_048_576;

const BLOCK_MEMBERS = new Set(['meta', 'status', 'code', 'message']);

/**
 * A bar with exactly Twelve Data's members, in its order, all strings: its record
 * also carries them as cells, which the OHLCV validator and serializer read by a
 * position resolved once per file instead of an own-property lookup per field
 * (the same values: the bar has no other member to find). The scanner's fast path
 * builds it; such a bar is an object without reserved names, so it skips those checks.
 */
class Bar {
  constructor(
    readonly raw: object,
    readonly cells: readonly string[],
  ) {}
}

const BAR_KEYS = ['datetime', 'open', 'high', 'low', 'close', 'volume'] as const;
const BAR_COLUMNS: ReadonlyMap<string, number> = new Map(BAR_KEYS.map((name, at) => [name, at]));

/** The cells of a bar parsed the long way (cut by a chunk end, say), so where it lay changes nothing. */
function cellsOf(raw: object): string[] | undefined {
  const names = Object.keys(raw);
  if (names.length !== BAR_KEYS.length) return undefined;
  const cells: string[] = [];
  for (let at = 0; at < BAR_KEYS.length; at++) {
    const name = BAR_KEYS[at] as string;
    const value = (raw as Record<string, unknown>)[name];
    if (names[at] !== name || typeof value !== 'string') return undefined;
    cells.push(value);
  }
  return cells;
}

// Twelve Data writes values in this order; records that follow it are built as one literal.
const VALUE_SHAPE: ElementShape = {
  keys: BAR_KEYS,
  build: (v) => {
    const raw = { datetime: v[0], open: v[1], high: v[2], low: v[3], close: v[4], volume: v[5] };
    const [datetime, open, high, low, close, volume] = v;
    return typeof datetime === 'string' &&
      typeof open === 'string' &&
      typeof high === 'string' &&
      typeof low === 'string' &&
      typeof close === 'string' &&
      typeof volume === 'string'
      ? new Bar(raw, [datetime, open, high, low, close, volume])
      : raw;
  },
};

/** A values element over the size limit, waiting with the others for its block's meta. */
class Oversized {
  constructor(readonly preview: string) {}
}

/** A values element that names a member twice, waiting with the others for its block's meta. */
class Ambiguous {
  constructor(readonly duplicates: DuplicateMembers) {}
}

// Names that rewire an object's prototype when code copies members by name.
const RESERVED_MEMBERS = ['__proto__', 'constructor', 'prototype'] as const;

export function reservedMember(raw: object): string | undefined {
  for (const name of RESERVED_MEMBERS) if (Object.hasOwn(raw, name)) return name;
  return undefined;
}

class Block {
  /** Members other than `values`, kept for an error block's `raw`. */
  readonly members: Record<string, unknown> = {};
  /** Whether `members.status` is "error": kept as a field, as every bar asks. */
  failed = false;
  symbol: string | undefined;
  context: Readonly<Record<string, string>> | undefined;
  metaSeen = false;
  valuesSeen = false;
  /** Elements read before `meta`; undefined once meta is known. */
  waiting: unknown[] | undefined = [];
  /** A batch item that only wraps the real block in `response`: not a block itself. */
  wrapper = false;

  /**
   * @param key the symbol (many-symbol shape) or request id (batch); undefined at the root
   * @param keyIsSymbol whether `key` may stand for the symbol when meta has none
   */
  constructor(
    readonly key: string | undefined,
    readonly keyIsSymbol: boolean,
  ) {}

  get group(): string | undefined {
    return this.symbol ?? (this.keyIsSymbol ? this.key : undefined);
  }

  get recognized(): boolean {
    return this.metaSeen || this.valuesSeen || this.failed;
  }

  sourceError(): RowIssue {
    const { code, message } = this.members;
    const text = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'none'));
    return { code: 'source_error', message: `Twelve Data error ${text(code)}: ${text(message)}` };
  }
}

type Frame =
  | { readonly kind: 'block'; readonly block: Block; readonly root: boolean }
  | { readonly kind: 'batch' }
  | { readonly kind: 'values'; readonly block: Block };

const describeKind = (kind: JsonKind): string =>
  kind === 'array' ? 'an array' : kind === 'null' ? 'null' : `a ${kind}`;

/** Turns scanner events into source items; `take()` hands over what the last write produced. */
class TwelveDataReader implements JsonScanHandler {
  private readonly frames: Frame[] = [];
  private batch: SourceItem[] = [];
  private count = 0;
  private blocks = 0;

  constructor(private readonly maxRecordChars: number) {}

  take(): SourceItem[] {
    const out = this.batch;
    this.batch = [];
    return out;
  }

  /** Throws unless the document held at least one Twelve Data block. */
  finish(): void {
    if (this.blocks === 0) {
      throw new UnreadableFileError(
        'unknown_dataset',
        'The JSON object has no Twelve Data time_series block (an object with "meta", "values" or ' +
          '"status": "error", at the top, under a symbol, or under "data").',
      );
    }
  }

  plan(key: string | undefined, kind: JsonKind): Plan {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined) {
      if (kind !== 'object') {
        throw new UnreadableFileError(
          'unknown_dataset',
          `The JSON document is ${describeKind(kind)}, not an object: it is not a Twelve Data time_series response.`,
        );
      }
      this.frames.push({ kind: 'block', block: new Block(undefined, false), root: true });
      return Plan.descend;
    }
    if (top.kind === 'batch') {
      if (kind !== 'object') return Plan.skip;
      this.frames.push({ kind: 'block', block: new Block(key, false), root: false });
      return Plan.descend;
    }
    // Only block frames ask: the scanner captures the members of `values` itself.
    const { block, root } = top as Extract<Frame, { kind: 'block' }>;
    if (key === 'values') {
      block.valuesSeen = true;
      if (kind !== 'array') return Plan.capture;
      this.frames.push({ kind: 'values', block });
      return Plan.elements;
    }
    if (key !== undefined && BLOCK_MEMBERS.has(key)) return Plan.capture;
    // The /batch endpoint wraps each result: {"data": {"<id>": {"response": {...}, "status": "success"}}}.
    if (key === 'response' && kind === 'object' && !root && !block.keyIsSymbol) {
      block.wrapper = true;
      this.frames.push({ kind: 'block', block: new Block(block.key, false), root: false });
      return Plan.descend;
    }
    if (root && kind === 'object') {
      this.frames.push(
        key === 'data' ? { kind: 'batch' } : { kind: 'block', block: new Block(key, true), root: false },
      );
      return Plan.descend;
    }
    return Plan.skip;
  }

  value(key: string | undefined, value: unknown, duplicates?: DuplicateMembers): void {
    const top = this.frames[this.frames.length - 1] as Frame & { block: Block };
    if (top.kind === 'values') {
      this.element(top.block, duplicates ? new Ambiguous(duplicates) : value);
    } else if (key === 'values') {
      this.reject(value, top.block.group, {
        code: 'malformed_row',
        message: `"values" must be an array of bars, got ${value === null ? 'null' : typeof value}`,
      });
    } else {
      this.member(top.block, key as string, value);
    }
  }

  tooLarge(key: string | undefined, preview: string): void {
    const top = this.frames[this.frames.length - 1] as Frame & { block: Block };
    // An oversized meta, status, code or message is as good as absent; a values element is a row.
    if (top.kind === 'values' || key === 'values') this.element(top.block, new Oversized(preview));
  }

  close(): void {
    const frame = this.frames.pop() as Frame;
    if (frame.kind === 'block') this.endBlock(frame.block);
  }

  private member(block: Block, key: string, value: unknown): void {
    block.members[key] = value;
    if (key === 'status') block.failed = value === 'error';
    if (key !== 'meta' || value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const { symbol, interval } = value as Record<string, unknown>;
    block.metaSeen = true;
    block.symbol = typeof symbol === 'string' && symbol.trim() !== '' ? symbol : crossSymbol(value);
    block.context = typeof interval === 'string' && interval !== '' ? { interval } : undefined;
    this.flush(block);
  }

  private element(block: Block, raw: unknown): void {
    if (block.waiting === undefined) {
      this.emit(block, raw);
      return;
    }
    if (block.waiting.length >= MAX_RECORDS_BEFORE_META) {
      const which = block.key === undefined ? 'the top-level block' : `block ${JSON.stringify(block.key)}`;
      throw new UnreadableFileError(
        'values_before_meta',
        `In ${which}, more than ${MAX_RECORDS_BEFORE_META} values come before "meta": ` +
          'sluice needs "meta" (symbol, interval) first to stream larger blocks.',
      );
    }
    block.waiting.push(raw);
  }

  private flush(block: Block): void {
    const waiting = block.waiting;
    block.waiting = undefined;
    for (const raw of waiting ?? []) this.emit(block, raw);
  }

  private emit(block: Block, raw: unknown): void {
    const group = block.group;
    if (raw instanceof Bar) {
      if (block.failed) this.reject(raw.raw, group, block.sourceError());
      else {
        this.batch.push({
          kind: 'record',
          index: ++this.count,
          raw: raw.raw,
          cells: raw.cells,
          columns: BAR_COLUMNS,
          group,
          context: block.context,
        });
      }
    } else if (raw instanceof Oversized) {
      this.reject(raw.preview, group, {
        code: 'row_too_large',
        message: `the bar is longer than ${this.maxRecordChars} characters; raw keeps its first ${raw.preview.length}`,
      });
    } else if (raw instanceof Ambiguous) {
      const names = raw.duplicates.names.map((name) => JSON.stringify(name)).join(', ');
      this.reject(raw.duplicates.text, group, {
        code: 'duplicate_key',
        message: `the bar names ${names} more than once, so which value is meant is ambiguous; raw is its source text`,
      });
    } else if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.reject(raw, group, {
        code: 'malformed_row',
        message: `a bar must be an object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`,
      });
    } else if (block.failed) {
      this.reject(raw, group, block.sourceError());
    } else if (reservedMember(raw) !== undefined) {
      this.reject(raw, group, {
        code: 'reserved_key',
        message: `the bar has a member named ${JSON.stringify(reservedMember(raw))}, which sluice never reads as data`,
      });
    } else {
      const cells = cellsOf(raw);
      const record: SourceRecord =
        cells === undefined
          ? { kind: 'record', index: ++this.count, raw, group, context: block.context }
          : {
              kind: 'record',
              index: ++this.count,
              raw,
              cells,
              columns: BAR_COLUMNS,
              group,
              context: block.context,
            };
      this.batch.push(record);
    }
  }

  private reject(raw: unknown, group: string | undefined, issue: RowIssue): void {
    this.batch.push({ kind: 'rejected', index: ++this.count, raw, group, issues: [issue] });
  }

  private endBlock(block: Block): void {
    if (block.wrapper) return;
    this.flush(block);
    if (block.failed) this.reject(block.members, block.key ?? block.symbol, block.sourceError());
    if (block.recognized) this.blocks++;
  }
}

async function* read(text: AsyncIterable<string>, limits: ParseLimits): AsyncIterable<SourceItem[]> {
  const reader = new TwelveDataReader(limits.maxRecordChars);
  const scanner = new JsonScanner(reader, limits, VALUE_SHAPE);
  for await (const chunk of text) {
    for (let at = 0; at < chunk.length; at += SLICE_CHARS) {
      scanner.write(chunk.length <= SLICE_CHARS ? chunk : chunk.slice(at, at + SLICE_CHARS));
      const batch = reader.take();
      if (batch.length > 0) yield batch;
    }
  }
  scanner.end();
  reader.finish();
  const last = reader.take();
  if (last.length > 0) yield last;
}

export const twelvedataOhlcv: DatasetContract<OhlcvRow> = {
  id: 'twelvedata-ohlcv',
  format: 'json',
  title: 'Twelve Data time series (OHLCV bars)',
  rules: [
    ...OHLCV_RULES,
    'a block with status "error" is rejected whole with its code and message (source_error); ' +
      'so are its values when "status" comes before "values"',
    'each element of values is an object (malformed_row) of at most the per-record size (row_too_large)',
    'no member named twice in a bar (duplicate_key), none named __proto__, constructor or prototype (reserved_key)',
  ],
  sniff: (prefix) => prefix.trimStart().startsWith('{'),
  read,
  createValidator: () => createOhlcvValidator((record) => record.group),
  groupField: 'symbol',
  serialize: serializeOhlcv,
};
