/**
 * Market analytics speed: 500 symbols × 2000 daily bars (target: under 1 s).
 * Bars are generated in memory from a seeded PRNG, newest first like Twelve
 * Data, so the figure includes regrouping and sorting. Generation is not timed.
 * The figure is the median of three runs: other work on a small machine
 * easily moves a single run by a tenth of a second.
 * Run alone with `npx tsx bench/analytics.bench.ts`.
 */
import { pathToFileURL } from 'node:url';
import { analyzeMarket } from '../src/core/analyze/market/index.js';
import type { OhlcvRow } from '../src/core/datasets/ohlcv.rules.js';
import { randomWalkBars } from '../src/samples/random-walk.js';

export const ANALYTICS_TARGET_MS = 1000;

function generate(symbols: number, bars: number): OhlcvRow[] {
  const rows: OhlcvRow[] = [];
  for (let s = 0; s < symbols; s++) {
    const symbol = `S${String(s).padStart(3, '0')}`;
    for (const row of randomWalkBars({ seed: 1000 + s, bars, symbol, newestFirst: true, interval: '1day' }))
      rows.push(row);
  }
  return rows;
}

export async function runAnalyticsBench(
  symbols = 500,
  bars = 2000,
): Promise<{ ms: number; symbols: number; bars: number }> {
  const rows = generate(symbols, bars);
  analyzeMarket(rows.slice(0, bars * 5)); // warm the JIT on a slice so the figure is steady-state
  const started = performance.now();
  const analysis = analyzeMarket(rows);
  const ms = performance.now() - started;
  if (analysis.symbolCount !== symbols || analysis.barCount !== symbols * bars) {
    throw new Error(`analytics bench analyzed ${analysis.symbolCount} symbols and ${analysis.barCount} bars`);
  }
  return { ms, symbols, bars };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { ms, symbols, bars } = await runAnalyticsBench();
  const met = ms < ANALYTICS_TARGET_MS ? 'met' : 'NOT met';
  console.log(
    `market analytics: ${symbols} symbols × ${bars} bars in ${ms.toFixed(0)} ms (target < ${ANALYTICS_TARGET_MS} ms: ${met})`,
  );
}
