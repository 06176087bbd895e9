/**
 * Throughput of the Twelve Data reader on a generated file held in memory, so disk
 * and hashing stay out of the figures: `npx tsx bench/json-scanner.bench.ts [records]`.
 * The last line is the reference the ingest must beat 3x: JSON.parse of the whole
 * file, then validate and JSON.stringify each row.
 */
import { twelvedataOhlcv } from '../src/core/datasets/twelvedata-ohlcv.js';
import {
  type ElementShape,
  type JsonScanHandler,
  JsonScanner,
  Plan,
} from '../src/core/ingest/json-scanner.js';
import { generateTwelveData } from '../src/samples/twelvedata.generator.js';

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const SYMBOLS = 100;
const LIMITS = { maxRecordChars: 1_048_576, maxDepth: 64 };
const RUNS = 3;

async function* replay(chunks: readonly string[]): AsyncIterable<string> {
  yield* chunks;
}

// The contract's bar shape, repeated here to time the scanner without the contract.
const BAR: ElementShape = {
  keys: ['datetime', 'open', 'high', 'low', 'close', 'volume'],
  build: (v) => ({ datetime: v[0], open: v[1], high: v[2], low: v[3], close: v[4], volume: v[5] }),
};

/** The scanner by itself: every `values` element parsed and counted, nothing else built. */
function scanOnly(chunks: readonly string[], shape?: ElementShape): number {
  let count = 0;
  const handler: JsonScanHandler = {
    plan: (key, kind) => {
      if (kind !== 'object' && kind !== 'array') return Plan.skip;
      return key === 'values' ? Plan.elements : Plan.descend;
    },
    value: () => {
      count++;
    },
    tooLarge: () => {
      count++;
    },
    close: () => {},
  };
  const scanner = new JsonScanner(handler, LIMITS, shape);
  for (const chunk of chunks) scanner.write(chunk);
  scanner.end();
  return count;
}

async function readOnly(chunks: readonly string[]): Promise<number> {
  let count = 0;
  for await (const batch of twelvedataOhlcv.read(replay(chunks), LIMITS)) count += batch.length;
  return count;
}

async function readAndValidate(chunks: readonly string[], write: boolean): Promise<number> {
  const validator = twelvedataOhlcv.createValidator();
  let valid = 0;
  let chars = 0;
  for await (const batch of twelvedataOhlcv.read(replay(chunks), LIMITS)) {
    for (const item of batch) {
      if (item.kind !== 'record') continue;
      const result = validator.validate(item);
      if (!result.ok) continue;
      valid++;
      if (write) chars += JSON.stringify(result.row).length;
    }
  }
  return write ? chars : valid;
}

function parseWhole(chunks: readonly string[]): number {
  const validator = twelvedataOhlcv.createValidator();
  const doc = JSON.parse(chunks.join('')) as Record<
    string,
    { meta: { symbol: string; interval: string }; values: unknown[] }
  >;
  let chars = 0;
  let index = 0;
  for (const block of Object.values(doc)) {
    if (!Array.isArray(block.values)) continue;
    const context = { interval: block.meta.interval };
    for (const raw of block.values) {
      const result = validator.validate({
        kind: 'record',
        index: ++index,
        raw,
        group: block.meta.symbol,
        context,
      });
      if (result.ok) chars += JSON.stringify(result.row).length;
    }
  }
  return chars;
}

async function measure(name: string, megabytes: number, run: () => number | Promise<number>): Promise<void> {
  let best = Number.POSITIVE_INFINITY;
  let result = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    result = await run();
    best = Math.min(best, performance.now() - started);
  }
  const rate = (megabytes / best) * 1000;
  console.log(
    `${name.padEnd(48)} ${rate.toFixed(0).padStart(5)} MB/s  ${best.toFixed(0).padStart(6)} ms  (${result})`,
  );
}

const chunks: string[] = [];
const generator = generateTwelveData({
  symbols: SYMBOLS,
  valuesPerSymbol: Math.ceil(RECORDS / SYMBOLS),
  badRatio: 0.01,
  seed: 1,
});
for (;;) {
  const next = await generator.next();
  if (next.done) {
    const mb = next.value.chars / 1e6;
    console.log(
      `${next.value.values} records, ${mb.toFixed(1)} MB in ${chunks.length} chunks; best of ${RUNS} runs`,
    );
    await measure('scanner alone, generic objects', mb, () => scanOnly(chunks));
    await measure('scanner alone, bar shape', mb, () => scanOnly(chunks, BAR));
    await measure('contract read (scanner + source items)', mb, () => readOnly(chunks));
    await measure('read + validate', mb, () => readAndValidate(chunks, false));
    await measure('read + validate + JSON.stringify rows', mb, () => readAndValidate(chunks, true));
    await measure('reference: JSON.parse whole + validate + stringify', mb, () => parseWhole(chunks));
    break;
  }
  chunks.push(next.value);
}
