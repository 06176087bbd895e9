/**
 * Market samples a reader believes: real tickers at their real order of
 * magnitude, bars only on NYSE trading days (no weekends, no exchange
 * holidays), calm random walks (daily σ 0.8-1.2 %, so nothing crosses a rule
 * by chance), and, when asked, events planted at known bars: volume spikes,
 * large moves, missing bars and splits, each at a magnitude in the middle of
 * its severity band. The truth lists every planted event.
 */
import { FINDING_KIND } from '../../core/analyze/findings/finding.js';
import { isTradingDay } from '../../core/analyze/market/calendar.js';
import type { OhlcvRow } from '../../core/datasets/ohlcv.rules.js';
import { seededRandom } from '../prng.js';
import { stockMeta } from '../twelvedata-meta.js';
import { PLANTED_SEVERITIES, type PlantedEvent, type Truth } from './truth.js';

interface Listing {
  readonly symbol: string;
  readonly exchange: string;
  readonly mic: string;
  /** Price level at the start and typical daily volume. */
  readonly price: number;
  readonly volume: number;
}

export const LISTINGS: readonly Listing[] = [
  { symbol: 'AAPL', exchange: 'NASDAQ', mic: 'XNGS', price: 185, volume: 55e6 },
  { symbol: 'MSFT', exchange: 'NASDAQ', mic: 'XNGS', price: 415, volume: 20e6 },
  { symbol: 'NVDA', exchange: 'NASDAQ', mic: 'XNGS', price: 118, volume: 250e6 },
  { symbol: 'AMZN', exchange: 'NASDAQ', mic: 'XNGS', price: 182, volume: 40e6 },
  { symbol: 'GOOGL', exchange: 'NASDAQ', mic: 'XNGS', price: 168, volume: 25e6 },
  { symbol: 'META', exchange: 'NASDAQ', mic: 'XNGS', price: 495, volume: 14e6 },
  { symbol: 'TSLA', exchange: 'NASDAQ', mic: 'XNGS', price: 245, volume: 90e6 },
  { symbol: 'JPM', exchange: 'NYSE', mic: 'XNYS', price: 205, volume: 9e6 },
  { symbol: 'V', exchange: 'NYSE', mic: 'XNYS', price: 278, volume: 6e6 },
  { symbol: 'JNJ', exchange: 'NYSE', mic: 'XNYS', price: 156, volume: 7e6 },
  { symbol: 'XOM', exchange: 'NYSE', mic: 'XNYS', price: 114, volume: 15e6 },
  { symbol: 'PG', exchange: 'NYSE', mic: 'XNYS', price: 166, volume: 6.5e6 },
  { symbol: 'KO', exchange: 'NYSE', mic: 'XNYS', price: 62, volume: 13e6 },
  { symbol: 'DIS', exchange: 'NYSE', mic: 'XNYS', price: 101, volume: 9e6 },
  { symbol: 'IBM', exchange: 'NYSE', mic: 'XNYS', price: 192, volume: 4e6 },
];

function listing(n: number): Listing {
  const known = LISTINGS[n % LISTINGS.length] as Listing;
  if (n < LISTINGS.length) return known;
  // Beyond the real tickers: made-up ones on the same exchanges, at the same magnitudes.
  return { ...known, symbol: `${known.symbol.slice(0, 3)}${Math.floor(n / LISTINGS.length)}` };
}

export interface PlantedMarketOptions {
  readonly seed: number;
  readonly symbols: number;
  /** Trading days per symbol. */
  readonly bars: number;
  /** Plant events (false: a calm file that must yield no finding above info of the planted kinds). @default true */
  readonly plant?: boolean;
  /** The last trading day of every series. @default '2024-12-31' */
  readonly end?: string;
  /** What to plant, in this order from the first slot. @default volume, move, missing (and a split for every third symbol) */
  readonly kinds?: readonly PlantKind[];
  /** First bar an event may sit on, and bars between events. @default 30, 30 */
  readonly lead?: number;
  readonly spacing?: number;
}

/** Severity-band centers of each planted magnitude (see SEVERITY_EDGES). */
const VOLUME_MULTIPLE = { low: 3.7, medium: 5.2, high: 7.8, critical: 14 } as const;
const MOVE_PCT = { low: 6.2, medium: 8.7, high: 14, critical: 28 } as const;
const MISSING_DAYS = { low: 1, medium: 2, high: 3, critical: 6 } as const;
// A 2-for-1 split doubles volume, which noise can bring under the detector's 1.5× rule; 3 and 4 stay clear of it.
const SPLIT_FACTORS = [3, 4] as const;

/** First bar an event may sit on, and the bars kept between events, so rolling windows see calm data. */
const LEAD_BARS = 30;
const SPACING = 30;

const DAY_MS = 86_400_000;

/** `count` trading days ending at `end`, oldest first. */
export function tradingDays(count: number, end: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${end}T00:00:00Z`); days.length < count; t -= DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (isTradingDay(day)) days.push(day);
  }
  return days.reverse();
}

export type PlantKind = 'volume' | 'move' | 'missing' | 'split';

export interface PlantedMarket {
  readonly rows: OhlcvRow[];
  readonly truth: Truth;
  readonly listings: readonly Listing[];
}

export function plantedMarket(options: PlantedMarketOptions): PlantedMarket {
  const random = seededRandom(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const days = tradingDays(options.bars, options.end ?? '2024-12-31');
  const rows: OhlcvRow[] = [];
  const events: PlantedEvent[] = [];
  const listings: Listing[] = [];
  let cycle = 0;
  for (let s = 0; s < options.symbols; s++) {
    const l = listing(s);
    listings.push(l);
    const sigma = 0.008 + 0.004 * random();
    // Slots for events: every SPACING bars from LEAD_BARS, each taken by one kind in turn.
    const plan = new Map<number, { kind: PlantKind; level: (typeof PLANTED_SEVERITIES)[number] }>();
    if (options.plant !== false) {
      const kinds: readonly PlantKind[] = options.kinds ?? [
        'volume',
        'move',
        'missing',
        ...(s % 3 === 0 ? (['split'] as const) : []),
      ];
      const offset = Math.floor(random() * 5);
      let slot = (options.lead ?? LEAD_BARS) + offset;
      for (const kind of kinds) {
        // Leave room after the slot: a missing run needs its bars, a split its quiet window.
        if (slot >= options.bars - 8) break;
        const level =
          kind === 'split'
            ? 'medium'
            : (PLANTED_SEVERITIES[cycle++ % 4] as (typeof PLANTED_SEVERITIES)[number]);
        plan.set(slot, { kind, level });
        slot += options.spacing ?? SPACING;
      }
    }
    let close = l.price * (0.9 + 0.2 * random());
    let volumeScale = 1;
    const volumes: number[] = [];
    let skip = 0;
    for (let i = 0; i < days.length; i++) {
      const day = days[i] as string;
      const event = plan.get(i);
      let ret = normal() * sigma;
      let volume = l.volume * volumeScale * Math.exp(0.22 * normal());
      if (event?.kind === 'move') {
        const pct = MOVE_PCT[event.level] * (random() < 0.5 ? -1 : 1);
        ret = pct / 100;
        events.push({
          kind: FINDING_KIND.largeMove,
          subject: l.symbol,
          at: day,
          severity: event.level,
          what: `close ${pct > 0 ? '+' : ''}${pct}% in one bar`,
        });
      }
      if (event?.kind === 'split') {
        // A quiet split day: the detector allows 3 % around the exact ratio, and the split is what is planted.
        ret *= 0.5;
        const factor = SPLIT_FACTORS[Math.floor(random() * SPLIT_FACTORS.length)] as number;
        volumeScale *= factor;
        volume *= factor;
        close /= factor;
        events.push({
          kind: FINDING_KIND.split,
          subject: l.symbol,
          at: day,
          severity: 'medium',
          what: `${factor}-for-1 split`,
        });
      }
      if (event?.kind === 'volume') {
        const recent = volumes.slice(-20);
        const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
        const multiple = VOLUME_MULTIPLE[event.level];
        volume = mean * multiple;
        events.push({
          kind: FINDING_KIND.volumeSpike,
          subject: l.symbol,
          at: day,
          severity: event.level,
          what: `volume ${multiple}× the mean of the previous 20 bars`,
        });
      }
      if (event?.kind === 'missing') {
        skip = MISSING_DAYS[event.level];
        events.push({
          kind: FINDING_KIND.missingBar,
          subject: l.symbol,
          at: day,
          severity: event.level,
          what: `${skip} trading day${skip === 1 ? '' : 's'} without a bar`,
        });
      }
      const previous = close;
      const open = previous * (1 + normal() * sigma * 0.15);
      close = previous * (1 + ret);
      const high = Math.max(open, close) * (1 + random() * sigma * 0.6);
      const low = Math.min(open, close) * (1 - random() * sigma * 0.6);
      if (skip > 0) {
        // The bar is not written, and the price is held: otherwise the bar after the run would carry
        // several days of moves in one and could cross the large-move rule, which was not planted.
        close = previous;
        skip--;
        continue;
      }
      volumes.push(volume);
      rows.push({
        symbol: l.symbol,
        datetime: day,
        open: round5(open),
        high: round5(high),
        low: round5(low),
        close: round5(close),
        volume: Math.round(volume),
        interval: '1day',
      });
    }
  }
  return {
    rows,
    listings,
    truth: {
      dataset: 'twelvedata-ohlcv',
      seed: options.seed,
      size: options.symbols * options.bars,
      kinds: [FINDING_KIND.volumeSpike, FINDING_KIND.largeMove, FINDING_KIND.missingBar, FINDING_KIND.split],
      events,
    },
  };
}

const round5 = (v: number): number => Math.round(v * 1e5) / 1e5;

/** The rows as a Twelve Data `time_series` response for many symbols, newest bar first, as the API sends it. */
export function plantedMarketJson(market: PlantedMarket): string {
  const bySymbol = new Map<string, OhlcvRow[]>();
  for (const r of market.rows) {
    const list = bySymbol.get(r.symbol) ?? [];
    list.push(r);
    bySymbol.set(r.symbol, list);
  }
  const blocks = market.listings.map((l) => [
    l.symbol,
    {
      meta: stockMeta(l),
      values: [...(bySymbol.get(l.symbol) ?? [])].reverse().map((r) => ({
        datetime: r.datetime,
        open: r.open.toFixed(5),
        high: r.high.toFixed(5),
        low: r.low.toFixed(5),
        close: r.close.toFixed(5),
        volume: String(r.volume),
      })),
      status: 'ok',
    },
  ]);
  return JSON.stringify(Object.fromEntries(blocks));
}
