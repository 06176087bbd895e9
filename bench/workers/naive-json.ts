/**
 * Benchmark worker: the same work done the naive way. JSON.parse the whole file,
 * validate with the very same contract, JSON.stringify each row, write the outputs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { twelvedataOhlcv } from '../../src/core/datasets/twelvedata-ohlcv.js';
import { report } from './report.js';

const [file, outDir] = process.argv.slice(2) as [string, string];
const started = performance.now();
const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<
  string,
  { meta: { symbol: string; interval: string }; values: unknown[] }
>;
const validator = twelvedataOhlcv.createValidator();
const valid: string[] = [];
const rejected: string[] = [];
let index = 0;
for (const [symbol, block] of Object.entries(doc)) {
  for (const raw of block.values ?? []) {
    index++;
    const result = validator.validate({
      kind: 'record',
      index,
      raw,
      group: symbol,
      context: { interval: block.meta.interval },
    });
    if (result.ok) valid.push(JSON.stringify(result.row));
    else rejected.push(JSON.stringify({ index, group: symbol, reasons: result.issues, raw }));
  }
}
writeFileSync(path.join(outDir, 'processed.jsonl'), `${valid.join('\n')}\n`);
writeFileSync(path.join(outDir, 'rejects.jsonl'), `${rejected.join('\n')}\n`);
report({ records: index, valid: valid.length, rejected: rejected.length, ms: performance.now() - started });
