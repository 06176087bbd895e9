/**
 * `npx tsx bench/csv-source.bench.ts [--rows N]`: rows per second of readCsv
 * (plain lines split here, the rest through csv-parse) against a naive split-lines/split-commas reader, on the
 * same generated health-vitals CSV held in memory, so only parsing is measured.
 * Each reader runs three times in turn; the best run counts.
 */
import { DEFAULT_PARSE_LIMITS } from '../src/core/datasets/contract.js';
import { readCsv } from '../src/core/ingest/csv-source.js';
import { generateHealthVitals } from '../src/samples/csv.generators.js';
import { healthVitals } from './baselines/hand-written-vitals.js';

const rowsFlag = process.argv.indexOf('--rows');
const ROWS = rowsFlag === -1 ? 1_000_000 : Number(process.argv[rowsFlag + 1]);
const RUNS = 3;

async function* replay(chunks: readonly string[]): AsyncGenerator<string> {
  yield* chunks;
}

/** The baseline: no quoting, no line numbers, no raw text, no rejects. */
async function naive(chunks: readonly string[]): Promise<number> {
  let rows = 0;
  let rest = '';
  for await (const chunk of replay(chunks)) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.split(',').length > 0) rows++;
  }
  if (rest.split(',').length > 1) rows++;
  return rows - 1;
}

async function csvSource(chunks: readonly string[]): Promise<number> {
  let rows = 0;
  const header = healthVitals.header ?? [];
  for await (const batch of readCsv(replay(chunks), header, DEFAULT_PARSE_LIMITS)) rows += batch.length;
  return rows;
}

/** readCsv plus the health-vitals rules: what the ingest stage pays before writing. */
async function readAndValidate(chunks: readonly string[]): Promise<number> {
  let rows = 0;
  const validator = healthVitals.createValidator();
  for await (const batch of healthVitals.read(replay(chunks), DEFAULT_PARSE_LIMITS)) {
    for (const item of batch) if (item.kind === 'record' && validator.validate(item).ok) rows++;
  }
  return rows;
}

const readers = { naive, readCsv: csvSource, 'readCsv + validate': readAndValidate };

const chunks: string[] = [];
for await (const chunk of generateHealthVitals({ rows: ROWS, users: 200, badRatio: 0.02, seed: 7 })) {
  chunks.push(chunk);
}
const mb = chunks.reduce((sum, chunk) => sum + chunk.length, 0) / 1e6;
console.log(
  `health-vitals CSV: ${ROWS.toLocaleString('en')} rows, ${mb.toFixed(1)} MB in ${chunks.length} chunks`,
);

const best = new Map<string, number>();
for (let run = 0; run < RUNS; run++) {
  for (const [name, read] of Object.entries(readers)) {
    const started = performance.now();
    const rows = await read(chunks);
    const seconds = (performance.now() - started) / 1000;
    best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, seconds));
    if (run === 0) console.log(`  ${name}: ${rows.toLocaleString('en')} rows`);
  }
}
const baseline = best.get('naive') ?? 1;
for (const [name, seconds] of best) {
  const perSecond = Math.round(ROWS / seconds).toLocaleString('en');
  console.log(
    `${name.padEnd(22)} ${perSecond.padStart(11)} rows/s  ${(seconds * 1000).toFixed(0).padStart(6)} ms  ${(seconds / baseline).toFixed(1)}x naive`,
  );
}
