/**
 * Benchmark worker: a CSV read the naive way. Read the whole file, split lines and
 * commas (no quoting: wrong on a quoted field), validate with the very same
 * contract (argv[4]: health-vitals, ohlcv-csv or smartphone-sales), write the outputs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { datasetById } from '../../src/core/datasets/registry.js';
import { report } from './report.js';

const [file, outDir, dataset = 'health-vitals'] = process.argv.slice(2) as [string, string, string?];
const contract = datasetById(dataset);
if (!contract) throw new Error(`unknown dataset ${dataset}`);
const started = performance.now();
const lines = readFileSync(file, 'utf8').split('\n');
const header = (lines[0] ?? '').split(',');
const validator = contract.createValidator();
const valid: string[] = [];
const rejected: string[] = [];
let index = 0;
for (let i = 1; i < lines.length; i++) {
  const line = lines[i] as string;
  if (line === '') continue;
  index++;
  const cells = line.split(',');
  const fields: Record<string, string> = Object.create(null);
  header.forEach((name, c) => {
    fields[name] = cells[c] ?? '';
  });
  const result = validator.validate({ kind: 'record', index, line: i + 1, raw: line, fields });
  if (result.ok) valid.push(JSON.stringify(result.row));
  else rejected.push(JSON.stringify({ index, line: i + 1, reasons: result.issues, raw: line }));
}
writeFileSync(path.join(outDir, 'processed.jsonl'), `${valid.join('\n')}\n`);
writeFileSync(path.join(outDir, 'rejects.jsonl'), `${rejected.join('\n')}\n`);
report({ records: index, valid: valid.length, rejected: rejected.length, ms: performance.now() - started });
