/** Cutting a fetch into requests, and where each request's answer is written. */
import { createHash } from 'node:crypto';
import { INPUT_PREFIX } from '../keys.js';
import type { FetchPacing, FetchParams } from './params.js';

/** Where fetched responses land: under inputs/, so dropping them there is what triggers ingest. */
export const FETCH_PREFIX = `${INPUT_PREFIX}twelvedata/`;

/**
 * Symbols in requests of at most `batchSize`, and never more than a minute's
 * credits (a request needs all its credits at once, so a larger one could never
 * be sent), in order: 20 symbols by 8 → 8, 8, 4.
 */
export function planBatches(symbols: readonly string[], pacing: FetchPacing): string[][] {
  const size = Math.min(pacing.batchSize, pacing.creditsPerMinute);
  const batches: string[][] = [];
  for (let at = 0; at < symbols.length; at += size) batches.push(symbols.slice(at, at + size));
  return batches;
}

/** The `time_series` query of one request, without the API key (sent as a header). */
export function timeSeriesQuery(symbols: readonly string[], params: FetchParams): Record<string, string> {
  return {
    symbol: symbols.join(','),
    interval: params.interval,
    outputsize: String(params.outputsize),
    ...(params.start === undefined ? {} : { start_date: params.start }),
    ...(params.end === undefined ? {} : { end_date: params.end }),
    ...(params.timezone === undefined ? {} : { timezone: params.timezone }),
  };
}

const MAX_SYMBOLS_PART = 60;

// `/` and `:` are path and drive separators; keep letters, digits, dots and dashes.
const fileSafe = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '');

/**
 * A key that is the same for the same request on the same day, so fetching the
 * same thing again replaces the file instead of adding one:
 * `inputs/twelvedata/1day-2024-01-02-AAPL_MSFT_EUR-USD-<hash>.json`. Without a
 * start date the day of the fetch stands in. Symbols are readable but mangled
 * for file names, so a hash of the exact request keeps keys apart.
 */
export function batchObjectKey(symbols: readonly string[], params: FetchParams, now: number): string {
  const from = params.start ?? `asof-${new Date(now).toISOString().slice(0, 10)}`;
  const joined = symbols.map(fileSafe).join('_');
  const shown =
    joined.length <= MAX_SYMBOLS_PART
      ? joined
      : `${symbols.slice(0, 3).map(fileSafe).join('_')}-and-${symbols.length - 3}-more`;
  const identity = JSON.stringify([
    symbols,
    params.interval,
    params.outputsize,
    params.start ?? null,
    params.end ?? null,
    params.timezone ?? null,
    from,
  ]);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 10);
  return `${FETCH_PREFIX}${params.interval}-${fileSafe(from)}-${shown || 'symbols'}-${hash}.json`;
}
