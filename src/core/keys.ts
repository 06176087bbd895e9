/** Object keys derive from the input's SHA-256, so a retry rewrites the same objects. */
import type { DatasetId } from './datasets/contract.js';

export const INPUT_PREFIX = 'inputs/';

export const keys = {
  processed: (dataset: DatasetId, sha256: string) => `processed/${dataset}/${sha256}.jsonl`,
  rejects: (dataset: DatasetId, sha256: string) => `rejects/${dataset}/${sha256}.jsonl`,
  manifest: (sha256: string) => `manifests/${sha256}.json`,
  /** Replay `n` of an input's rejects: new files beside the originals, which are never rewritten. */
  replayProcessed: (dataset: DatasetId, sha256: string, n: number) =>
    `processed/${dataset}/${sha256}.replay-${n}.jsonl`,
  replayRejects: (dataset: DatasetId, sha256: string, n: number) =>
    `rejects/${dataset}/${sha256}.replay-${n}.jsonl`,
  /** A manifest archived before a full re-run rewrites it; `stamp` is a compact UTC time, no colons (Windows). */
  auditManifest: (sha256: string, stamp: string) => `audit/${sha256}/${stamp}-manifest.json`,
  /** Each stored analysis as JSON beside the state store's copy, for tools that read files (Athena, exports). */
  analysis: (dataset: string, id: string) => `analyses/${dataset}/${id}.json`,
  /** POST /ingest bodies; a named dataset goes in the key prefix, which forces its contract. */
  apiInput: (sha256: string, ext: string, dataset?: string) =>
    dataset === undefined
      ? `${INPUT_PREFIX}api/${sha256}.${ext}`
      : `${INPUT_PREFIX}${dataset}/api-${sha256}.${ext}`,
} as const;

export const claimKeys = {
  ingest: (sha256: string) => `ingest#${sha256}`,
  analyze: (sha256: string) => `analyze#${sha256}`,
  notify: (sha256: string) => `notify#${sha256}`,
  replay: (sha256: string, n: number) => `replay#${sha256}#${n}`,
} as const;

/**
 * The state store's single-table layout (DynamoDB pk/sk, SQLite items):
 *
 * | pk | sk | item |
 * |---|---|---|
 * | `ANALYSIS#<id>` | `ANALYSIS` | the analysis summary, narrative, usage; written last (its INSERT triggers notify) |
 * | `ANALYSIS#<id>` | `SYMBOL#<symbol>` / `USER#<user>` | one symbol's or user's detail, read back with the summary |
 * | `SYMBOL#<symbol>` | `<datetime>#<id>` | one bar of a symbol's history, queried by date range |
 * | `RUNS#<yyyy-mm-dd>` | `<iso time>#<id>` | one analysis run a day partition, for cost reports and the aggregate |
 */
export const itemKeys = {
  analysisPk: (id: string) => `ANALYSIS#${id}`,
  analysisSk: 'ANALYSIS',
  analysisPartSk: (kind: 'SYMBOL' | 'USER' | 'COLUMN', name: string) => `${kind}#${name}`,
  historyPk: (symbol: string) => `SYMBOL#${symbol}`,
  historySk: (datetime: string, id: string) => `${datetime}#${id}`,
  runsPk: (isoTime: string) => `RUNS#${isoTime.slice(0, 10)}`,
  runsSk: (isoTime: string, id: string) => `${isoTime}#${id}`,
} as const;

/** The dataset named by an `inputs/<dataset>/...` key, if any. */
export function datasetFromKey(key: string, known: (id: string) => boolean): DatasetId | undefined {
  if (!key.startsWith(INPUT_PREFIX)) return undefined;
  const segment = key.slice(INPUT_PREFIX.length).split('/')[0];
  return segment !== undefined && key.slice(INPUT_PREFIX.length).includes('/') && known(segment)
    ? (segment as DatasetId)
    : undefined;
}
