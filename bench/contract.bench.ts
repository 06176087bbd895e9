/**
 * A compiled contract against the hand-written validator it replaced: the
 * `health-vitals` contract file (src/core/datasets/contracts/health-vitals.json)
 * and bench/baselines/hand-written-vitals.ts validate and serialize the same
 * generated CSV, read by the same reader, in one process, taking turns so
 * that both see the same machine (target: the compiled one within 10 %).
 * Run alone with `npx tsx bench/contract.bench.ts [--rows N]`.
 */
import { pathToFileURL } from 'node:url';
import { type DatasetContract, DEFAULT_PARSE_LIMITS } from '../src/core/datasets/contract.js';
import { datasetById } from '../src/core/datasets/registry.js';
import { generateHealthVitals } from '../src/samples/csv.generators.js';
import { healthVitals as handWritten } from './baselines/hand-written-vitals.js';

async function* replay(chunks: readonly string[]): AsyncGenerator<string> {
  yield* chunks;
}

async function ingestOnce(
  contract: DatasetContract,
  chunks: readonly string[],
): Promise<{ ms: number; valid: number }> {
  const started = performance.now();
  const validator = contract.createValidator();
  const serialize = contract.serialize ?? ((row: unknown) => JSON.stringify(row));
  let valid = 0;
  let bytes = 0;
  for await (const batch of contract.read(replay(chunks), DEFAULT_PARSE_LIMITS)) {
    for (const item of batch) {
      if (item.kind !== 'record') continue;
      const result = validator.validate(item);
      if (result.ok) {
        valid++;
        bytes += serialize(result.row, item, result.values).length;
      } else bytes += JSON.stringify(result.issues).length;
    }
  }
  if (bytes === 0) throw new Error('nothing was written');
  return { ms: performance.now() - started, valid };
}

export async function runContractBench(
  rows = 1_000_000,
): Promise<{ rows: number; compiledMs: number; handWrittenMs: number; ratio: number }> {
  const chunks: string[] = [];
  for await (const chunk of generateHealthVitals({ rows, users: 200, badRatio: 0.02, seed: 7 }))
    chunks.push(chunk);
  const compiled = datasetById('health-vitals') as DatasetContract;
  const best = { compiled: Number.POSITIVE_INFINITY, hand: Number.POSITIVE_INFINITY };
  for (let run = 0; run < 3; run++) {
    const a = await ingestOnce(compiled, chunks);
    const b = await ingestOnce(handWritten as DatasetContract, chunks);
    if (a.valid !== b.valid) throw new Error(`compiled kept ${a.valid} rows, hand-written ${b.valid}`);
    best.compiled = Math.min(best.compiled, a.ms);
    best.hand = Math.min(best.hand, b.ms);
  }
  return { rows, compiledMs: best.compiled, handWrittenMs: best.hand, ratio: best.hand / best.compiled };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = process.argv.indexOf('--rows');
  const result = await runContractBench(flag < 0 ? undefined : Number(process.argv[flag + 1]));
  console.log(
    `health-vitals, ${result.rows} rows: compiled contract ${result.compiledMs.toFixed(0)} ms, hand-written ${result.handWrittenMs.toFixed(0)} ms, speed ${result.ratio.toFixed(2)}× of hand-written`,
  );
}
