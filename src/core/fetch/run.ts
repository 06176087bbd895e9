/**
 * A whole fetch: symbols cut into requests, each answer written under inputs/
 * as it arrives. A request-level failure (bad key, rate limit that outlasts the
 * retries, API down, unreadable answer) stops the run; what was written stays
 * and the report names every symbol not fetched.
 */
import { FetchError, type FetchErrorCode } from '../errors.js';
import type { Clock, ObjectStore } from '../ports.js';
import type { FetchPacing, FetchParams } from './params.js';
import { batchObjectKey, planBatches } from './plan.js';
import type { SymbolFailure, TimeSeriesReply } from './reply.js';

/** Where series come from: one request per call, with its own pacing and retries. */
export interface TimeSeriesSource {
  /** Throws FetchError when the request as a whole failed. */
  timeSeries(symbols: readonly string[], params: FetchParams): Promise<TimeSeriesReply>;
}

export interface FetchDeps {
  readonly source: TimeSeriesSource;
  readonly store: ObjectStore;
  readonly clock: Clock;
}

export interface WrittenFile {
  readonly key: string;
  readonly bytes: number;
  /** Symbols with a series in the file; error blocks of the others stay in it for ingest to reject. */
  readonly symbols: readonly string[];
}

export type FetchProgress =
  | { readonly kind: 'written'; readonly file: WrittenFile; readonly failed: readonly SymbolFailure[] }
  | { readonly kind: 'all_failed'; readonly failed: readonly SymbolFailure[] };

export interface FetchReport {
  readonly requests: number;
  readonly files: readonly WrittenFile[];
  /** Symbols the API answered with an error block (or left out). */
  readonly failed: readonly SymbolFailure[];
  /** Symbols never fetched because the run stopped. */
  readonly notFetched: readonly string[];
  /** Why the run stopped early. */
  readonly error?: { readonly code: FetchErrorCode; readonly message: string; readonly temporary: boolean };
}

export async function fetchTimeSeries(
  deps: FetchDeps,
  request: {
    readonly params: FetchParams;
    readonly pacing: FetchPacing;
    readonly onProgress?: (progress: FetchProgress) => void;
  },
): Promise<FetchReport> {
  const { params, pacing, onProgress } = request;
  const batches = planBatches(params.symbols, pacing);
  const files: WrittenFile[] = [];
  const failed: SymbolFailure[] = [];
  for (const [index, batch] of batches.entries()) {
    let reply: TimeSeriesReply;
    try {
      reply = await deps.source.timeSeries(batch, params);
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      return {
        requests: index + 1,
        files,
        failed,
        notFetched: batches.slice(index).flat(),
        error: { code: error.code, message: error.message, temporary: error.temporary },
      };
    }
    failed.push(...reply.failed);
    if (reply.fetched.length === 0) {
      onProgress?.({ kind: 'all_failed', failed: reply.failed });
      continue;
    }
    const key = batchObjectKey(batch, params, deps.clock.now());
    await deps.store.put(key, reply.body, { contentType: 'application/json' });
    const file: WrittenFile = { key, bytes: Buffer.byteLength(reply.body), symbols: reply.fetched };
    files.push(file);
    onProgress?.({ kind: 'written', file, failed: reply.failed });
  }
  return { requests: batches.length, files, failed, notFetched: [] };
}
