/**
 * A session of ticks as the replaced pipeline sends them becomes bars the
 * market analysis reads. The rows are normalized here the way the market-ticks
 * contract writes them (epoch seconds → ISO-8601 UTC instant with ms).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDER_FIXTURE_DIR } from '../../scripts/fixtures/providers.js';
import { VOLUME_SKIPPED } from '../../src/core/analyze/market/analyze-symbol.js';
import { analyzeMarket, assertNoNaN } from '../../src/core/analyze/market/index.js';
import { chooseBarMs, type TickRow, ticksToBars } from '../../src/core/analyze/market/ticks.js';

const ticks: TickRow[] = readFileSync(path.join(PROVIDER_FIXTURE_DIR, 'ticks/session.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const { symbol, price, timestamp } = JSON.parse(line) as {
      symbol: string;
      price: number;
      timestamp: number;
    };
    return { symbol, price, datetime: new Date(timestamp * 1000).toISOString(), volume: null };
  });

describe('a session of ticks from the replaced pipeline', () => {
  it('gets five-minute bars: an hour would give a session 7 bars, too few for the indicators', () => {
    expect(chooseBarMs(ticks)).toBe(300_000);
  });

  it('becomes bars that the market analysis reads without NaN, volume analytics skipped', () => {
    const bars = ticksToBars(ticks, chooseBarMs(ticks));
    const market = analyzeMarket(bars);
    assertNoNaN(market);
    expect(market.symbols.map((s) => [s.symbol, s.bars, s.interval, s.skipped])).toEqual([
      ['AAPL', 78, '5min', [VOLUME_SKIPPED]],
      ['MSFT', 78, '5min', [VOLUME_SKIPPED]],
    ]);
    expect(market.start).toBe('2024-01-02T14:30:00');
    expect(market.end).toBe('2024-01-02T20:55:00');
    expect(market.symbols.every((s) => s.rsi14 !== null && s.trend.direction !== null)).toBe(true);
  });
});
