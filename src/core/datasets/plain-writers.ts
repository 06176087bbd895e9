/**
 * The plain-row writers, loaded when a file is first ingested: only ingest uses
 * them, and every handler that reads contracts (analyze, notify) would otherwise
 * carry them in its cold-start bundle. Until loaded, a validator has no plain
 * path and rows take the string path, which gives the same output.
 */
import type { compilePlainRows } from '../contracts/plain-rows.js';
import type { OhlcvPlainRows } from './ohlcv-plain.js';

export interface PlainWriters {
  readonly compilePlainRows: typeof compilePlainRows;
  readonly OhlcvPlainRows: typeof OhlcvPlainRows;
}

let loaded: PlainWriters | undefined;

/** Loads the writers once; ingest awaits it before its first read. */
export async function loadPlainWriters(): Promise<void> {
  if (loaded !== undefined) return;
  const [declared, ohlcv] = await Promise.all([
    import('../contracts/plain-rows.js'),
    import('./ohlcv-plain.js'),
  ]);
  loaded = { compilePlainRows: declared.compilePlainRows, OhlcvPlainRows: ohlcv.OhlcvPlainRows };
}

/** The writers, once loadPlainWriters has run. */
export const plainWriters = (): PlainWriters | undefined => loaded;
