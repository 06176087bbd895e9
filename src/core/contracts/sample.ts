/**
 * The first records of a file's text as rows of values, for `contract infer`:
 * CSV split by csv-parse with the header's delimiter, JSON read as ingest reads
 * it (one object, an array, JSON lines). A sample cut mid-record loses only
 * that record.
 */
import { parse } from 'csv-parse/sync';
import { DEFAULT_PARSE_LIMITS, type SourceItem } from '../datasets/contract.js';
import { UnreadableFileError } from '../errors.js';
import { delimiterOf, firstLineOf } from '../ingest/csv-header.js';
import type { SampleRecords } from './infer.js';
import { readJsonRecords } from './json-records.js';

export const SAMPLE_ROWS = 10_000;

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

export async function sampleRecords(
  text: string,
  complete: boolean,
  maxRows = SAMPLE_ROWS,
): Promise<SampleRecords> {
  const body = text.replace(/^\uFEFF/, '');
  const start = body.trimStart()[0];
  if (start === '{' || start === '[') return sampleJson(body, maxRows);
  const whole = complete ? body : body.slice(0, body.lastIndexOf('\n') + 1);
  const records = parse(whole, {
    delimiter: delimiterOf(firstLineOf(whole)),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    to: maxRows + 1,
  }) as string[][];
  const [header, ...rows] = records;
  if (header === undefined) throw new UnreadableFileError('empty_file', 'the file has no header line');
  return { format: 'csv', names: header.map((n) => n.trim()), rows };
}

async function sampleJson(text: string, maxRows: number): Promise<SampleRecords> {
  const objects: Record<string, unknown>[] = [];
  try {
    for await (const batch of readJsonRecords(once(text), DEFAULT_PARSE_LIMITS)) {
      for (const item of batch as SourceItem[]) {
        if (item.kind === 'record' && objects.length < maxRows)
          objects.push(item.raw as Record<string, unknown>);
      }
      if (objects.length >= maxRows) break;
    }
  } catch (error) {
    // A sample cut inside an array ends early; the records before the cut are the sample.
    if (!(error instanceof UnreadableFileError && error.reason === 'truncated_json') || objects.length === 0)
      throw error;
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (const object of objects) {
    for (const name of Object.keys(object)) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  return { format: 'json', names, rows: objects.map((o) => names.map((n) => o[n])) };
}
