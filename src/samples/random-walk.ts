/**
 * Deterministic, realistic-looking OHLCV bars from a seeded PRNG: for tests,
 * the benchmark and demos. Same seed, same bars, on every machine.
 */
import type { OhlcvRow } from '../core/datasets/ohlcv.rules.js';
import { seededRandom } from './prng.js';

export { seededRandom };

/** Standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface RandomWalkOptions {
  readonly seed: number;
  readonly bars: number;
  readonly symbol?: string;
  readonly startPrice?: number;
  /** Standard deviation of a bar's return. @default 0.015 */
  readonly volatility?: number;
  /** Mean return per bar. @default 0.0003 */
  readonly drift?: number;
  /** First trading day, `YYYY-MM-DD`. @default '2016-01-04' */
  readonly startDate?: string;
  /** Emit newest first, as Twelve Data does. @default false */
  readonly newestFirst?: boolean;
  readonly interval?: string;
}

const DAY_MS = 86_400_000;

/** Daily bars on weekdays: open near the previous close, high/low around both, lognormal volume. */
export function randomWalkBars(options: RandomWalkOptions): OhlcvRow[] {
  const random = seededRandom(options.seed);
  const sigma = options.volatility ?? 0.015;
  const drift = options.drift ?? 0.0003;
  const symbol = options.symbol ?? 'SYM';
  const rows: OhlcvRow[] = [];
  let day = Date.parse(`${options.startDate ?? '2016-01-04'}T00:00:00Z`);
  let prevClose = options.startPrice ?? 50 + random() * 150;
  const baseVolume = 1e5 + random() * 5e6;
  for (let i = 0; i < options.bars; i++) {
    while (new Date(day).getUTCDay() % 6 === 0) day += DAY_MS;
    const open = prevClose * (1 + normal(random) * sigma * 0.2);
    const close = prevClose * Math.exp(drift + normal(random) * sigma);
    const high = Math.max(open, close) * (1 + random() * sigma * 0.5);
    const low = Math.min(open, close) * (1 - random() * sigma * 0.5);
    const volume = Math.round(baseVolume * Math.exp(normal(random) * 0.35));
    rows.push({
      symbol,
      datetime: new Date(day).toISOString().slice(0, 10),
      open,
      high,
      low,
      close,
      volume,
      ...(options.interval ? { interval: options.interval } : {}),
    });
    prevClose = close;
    day += DAY_MS;
  }
  return options.newestFirst ? rows.reverse() : rows;
}
