/**
 * One ingested input's processed rows (or rejects) as CSV lines, read from the
 * object store: the rows `sluice export` writes and the dashboard offers for download.
 */

import { ObjectNotFoundError, SluiceError } from '../errors.js';
import { ManifestSchema } from '../ingest/manifest.js';
import { readJsonLines } from '../jsonl-lines.js';
import { keys } from '../keys.js';
import type { ObjectStore } from '../ports.js';
import type { RowIssue } from '../reasons.js';
import { csvRecord } from './csv.js';

export type ExportKind = 'processed' | 'rejects';

/** The input was ingested, but has no such output (a refused file has no processed rows). */
export class NoExportOutputError extends SluiceError {
  constructor(id: string, kind: ExportKind) {
    super('EXPORT.NO_OUTPUT', `input ${id} has no ${kind} output (see manifests/${id}.json)`);
  }
}

export const REJECT_COLUMNS = ['index', 'line', 'group', 'reasons', 'messages', 'raw'] as const;

interface RejectLine {
  readonly index?: number;
  readonly line?: number;
  readonly group?: string;
  readonly reasons?: readonly RowIssue[];
  readonly raw?: unknown;
}

const rejectCells = (reject: RejectLine): unknown[] => [
  reject.index,
  reject.line,
  reject.group,
  (reject.reasons ?? []).map((r) => r.code).join(';'),
  (reject.reasons ?? []).map((r) => r.message).join('; '),
  reject.raw,
];

async function outputKey(store: ObjectStore, id: string, kind: ExportKind): Promise<string> {
  const manifestKey = keys.manifest(id);
  if (!(await store.head(manifestKey))) throw new ObjectNotFoundError(manifestKey);
  const manifest = ManifestSchema.parse(
    JSON.parse(new TextDecoder().decode(await store.getBytes(manifestKey))),
  );
  const key = manifest.outputs[kind];
  if (key === undefined) throw new NoExportOutputError(id, kind);
  return key;
}

/** Every key of the processed rows, in the order first seen: rows of one dataset share them, bar `interval`. */
async function columnsOf(store: ObjectStore, key: string): Promise<string[]> {
  const columns = new Set<string>();
  for await (const batch of readJsonLines(await store.getStream(key))) {
    for (const row of batch) for (const name of Object.keys(row as object)) columns.add(name);
  }
  return [...columns];
}

/** The CSV text of an input's processed rows or rejects, header first, a line at a time. */
export async function* exportRunCsv(
  store: ObjectStore,
  id: string,
  kind: ExportKind,
): AsyncGenerator<string> {
  const key = await outputKey(store, id, kind);
  const columns = kind === 'rejects' ? [...REJECT_COLUMNS] : await columnsOf(store, key);
  yield csvRecord(columns);
  for await (const batch of readJsonLines(await store.getStream(key))) {
    for (const row of batch) {
      if (kind === 'rejects') {
        yield csvRecord(rejectCells(row as RejectLine));
      } else {
        const record = row as Record<string, unknown>;
        yield csvRecord(columns.map((name) => (Object.hasOwn(record, name) ? record[name] : undefined)));
      }
    }
  }
}
