import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeMarket } from './analyze-market.js';
import { VOLUME_SKIPPED } from './analyze-symbol.js';
import { assertNoNaN } from './finite.js';
import { datetimeSeconds } from './series.js';
import { barInterval, chooseBarMs, instantMs, type TickRow, ticksToBars } from './ticks.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const tick = (symbol: string, datetime: string, price: number, volume: number | null = null): TickRow => ({
  symbol,
  datetime,
  price,
  volume,
});

describe('ticksToBars', () => {
  it('builds one-minute bars by hand: first tick opens, last closes, extremes and summed volume', () => {
    const bars = ticksToBars(
      [
        tick('AAPL', '2009-02-13T23:31:30.000Z', 150, 10),
        tick('AAPL', '2009-02-13T23:31:59.999Z', 151.5, 5),
        tick('AAPL', '2009-02-13T23:31:00.000Z', 149, 1),
        tick('AAPL', '2009-02-13T23:31:45.000Z', 148.25, 4),
        tick('AAPL', '2009-02-13T23:32:00.000Z', 152, 7),
      ],
      MINUTE,
    );
    expect(bars).toEqual([
      {
        symbol: 'AAPL',
        datetime: '2009-02-13T23:31:00',
        open: 149,
        high: 151.5,
        low: 148.25,
        close: 151.5,
        volume: 20,
        interval: '1min',
      },
      {
        symbol: 'AAPL',
        datetime: '2009-02-13T23:32:00',
        open: 152,
        high: 152,
        low: 152,
        close: 152,
        volume: 7,
        interval: '1min',
      },
    ]);
  });

  it('gives one bar for a single tick', () => {
    expect(ticksToBars([tick('BTC/USD', '2024-03-01T10:15:00.250Z', 61_000)], HOUR)).toEqual([
      {
        symbol: 'BTC/USD',
        datetime: '2024-03-01T10:00:00',
        open: 61_000,
        high: 61_000,
        low: 61_000,
        close: 61_000,
        interval: '1h',
      },
    ]);
  });

  it('writes daily bars as YYYY-MM-DD, the UTC day of the ticks', () => {
    const bars = ticksToBars(
      [tick('EUR/USD', '2024-03-01T23:59:59.999Z', 1.08), tick('EUR/USD', '2024-03-02T00:00:00.000Z', 1.09)],
      DAY,
    );
    expect(bars.map((b) => [b.datetime, b.interval])).toEqual([
      ['2024-03-01', '1day'],
      ['2024-03-02', '1day'],
    ]);
  });

  it('leaves volume out of a bar when any of its ticks has none', () => {
    const [bar] = ticksToBars(
      [tick('X', '2024-01-02T10:00:01.000Z', 1, 100), tick('X', '2024-01-02T10:00:02.000Z', 2, null)],
      MINUTE,
    );
    expect(bar).not.toHaveProperty('volume');
  });

  it('keeps file order for ticks at the same instant: the first opens, the last closes', () => {
    const [bar] = ticksToBars(
      [
        tick('X', '2024-01-02T10:00:05.000Z', 3),
        tick('X', '2024-01-02T10:00:01.000Z', 5),
        tick('X', '2024-01-02T10:00:01.000Z', 4),
        tick('X', '2024-01-02T10:00:05.000Z', 6),
      ],
      MINUTE,
    );
    expect(bar).toMatchObject({ open: 5, close: 6, high: 6, low: 3 });
  });

  it('groups by symbol in code-point order and sorts each symbol by time', () => {
    const bars = ticksToBars(
      [
        tick('MSFT', '2024-01-02T10:02:00.000Z', 2),
        tick('AAPL', '2024-01-02T10:01:00.000Z', 1),
        tick('MSFT', '2024-01-02T10:00:00.000Z', 1),
      ],
      MINUTE,
    );
    expect(bars.map((b) => `${b.symbol} ${b.datetime}`)).toEqual([
      'AAPL 2024-01-02T10:01:00',
      'MSFT 2024-01-02T10:00:00',
      'MSFT 2024-01-02T10:02:00',
    ]);
  });

  it('places instants with an offset in UTC', () => {
    const [bar] = ticksToBars([tick('X', '2024-01-02T11:30:00+01:00', 1)], HOUR);
    expect(bar?.datetime).toBe('2024-01-02T10:00:00');
  });

  it('refuses a bar length that is not a whole number of seconds', () => {
    expect(() => ticksToBars([], 500)).toThrow(expect.objectContaining({ code: 'CONFIG.INVALID' }));
    expect(() => ticksToBars([], 1500)).toThrow(/whole number of seconds/);
  });

  const arbitraryTick = fc.record({
    symbol: fc.constantFrom('A', 'B', 'C'),
    ms: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2020, 0, 3) }),
    price: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
    volume: fc.option(fc.integer({ min: 0, max: 1e6 }), { freq: 5 }),
  });

  it('keeps every bar within its low and high, and conserves ticks and volume', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryTick, { maxLength: 200 }),
        fc.constantFrom(1000, MINUTE, 7 * MINUTE, HOUR, DAY),
        (drawn, barMs) => {
          const bars = ticksToBars(
            drawn.map((t) => tick(t.symbol, new Date(t.ms).toISOString(), t.price, t.volume)),
            barMs,
          );
          for (const b of bars) {
            expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
            expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
          }
          // Each tick belongs to its symbol's bar that starts at the floor of its instant.
          const expected = new Map<string, { ticks: number; volumes: (number | null)[] }>();
          for (const t of drawn) {
            const key = `${t.symbol} ${Math.floor(t.ms / barMs) * barMs}`;
            const bar = expected.get(key) ?? { ticks: 0, volumes: [] };
            bar.ticks++;
            bar.volumes.push(t.volume);
            expected.set(key, bar);
          }
          const keys = bars.map((b) => `${b.symbol} ${datetimeSeconds(b.datetime) * 1000}`);
          expect(keys.slice().sort()).toEqual([...expected.keys()].sort());
          expect([...expected.values()].reduce((sum, b) => sum + b.ticks, 0)).toBe(drawn.length);
          bars.forEach((bar, i) => {
            const { volumes } = expected.get(keys[i] as string) as { volumes: (number | null)[] };
            const complete = volumes.every((v) => v !== null);
            expect(bar.volume).toBe(complete ? volumes.reduce((a, v) => (a ?? 0) + (v ?? 0), 0) : undefined);
          });
          if (drawn.every((t) => t.volume !== null)) {
            const total = (xs: readonly (number | null | undefined)[]) =>
              xs.reduce((a, v) => (a ?? 0) + (v ?? 0), 0);
            expect(total(bars.map((b) => b.volume))).toBe(total(drawn.map((t) => t.volume)));
          }
        },
      ),
    );
  });
});

describe('chooseBarMs', () => {
  const everyMs = (symbol: string, count: number, stepMs: number) =>
    Array.from({ length: count }, (_, i) =>
      tick(symbol, new Date(Date.UTC(2024, 0, 1) + i * stepMs).toISOString(), 100 + i),
    );

  it('takes daily bars when the ticks span 50 days or more', () => {
    expect(chooseBarMs(everyMs('X', 500, 0.1 * DAY + 1))).toBe(DAY);
  });

  it('takes hourly bars for a few days of ticks', () => {
    expect(chooseBarMs(everyMs('X', 3000, 2 * MINUTE))).toBe(HOUR);
  });

  it('takes five-minute bars for a morning of ticks', () => {
    expect(chooseBarMs(everyMs('X', 3000, 5 * 1000))).toBe(5 * MINUTE);
  });

  it('falls back to one-minute bars when the ticks are too few for any length', () => {
    expect(chooseBarMs(everyMs('X', 3, 1000))).toBe(MINUTE);
    expect(chooseBarMs([])).toBe(MINUTE);
  });

  it('reads the median symbol, so one sparse symbol does not shorten the bars of the others', () => {
    const ticks = [...everyMs('A', 60, DAY), ...everyMs('B', 60, DAY), ...everyMs('C', 1, DAY)];
    expect(chooseBarMs(ticks)).toBe(DAY);
  });
});

describe('instantMs', () => {
  it('reads instants in UTC and rejects impossible dates', () => {
    expect(instantMs('2009-02-13T23:31:30.000Z')).toBe(1_234_567_890_000);
    expect(instantMs('2009-02-13T23:31:30.5Z')).toBe(1_234_567_890_500);
    expect(instantMs('2009-02-14T01:31:30+02:00')).toBe(1_234_567_890_000);
    expect(instantMs('2023-02-30T00:00:00Z')).toBeNaN();
    expect(instantMs('yesterday')).toBeNaN();
  });
});

describe('barInterval', () => {
  it('names bar lengths the way Twelve Data names intervals', () => {
    expect([MINUTE, 5 * MINUTE, HOUR, 4 * HOUR, DAY, 7 * DAY, 1000].map(barInterval)).toEqual([
      '1min',
      '5min',
      '1h',
      '4h',
      '1day',
      '1week',
      undefined,
    ]);
  });
});

describe('analyzeMarket on bars from very few ticks', () => {
  it('analyzes the bar of a single tick without NaN and says volume analytics were skipped', () => {
    const market = analyzeMarket(ticksToBars([tick('AAPL', '2009-02-13T23:31:30.000Z', 150)], MINUTE));
    assertNoNaN(market);
    expect(market.symbolCount).toBe(1);
    expect(market.barCount).toBe(1);
    const [aapl] = market.symbols;
    expect(aapl).toMatchObject({ bars: 1, changePct: null, interval: '1min', skipped: [VOLUME_SKIPPED] });
    expect(aapl?.volatility).toEqual({
      stdevPct: null,
      annualizedPct: null,
      periodsPerYear: 98_280,
      basis: 'interval',
    });
  });

  it('analyzes two or three bars per symbol, with and without volume, without NaN', () => {
    const ticks = [
      tick('AAPL', '2024-01-02T14:30:00.000Z', 185, 100),
      tick('AAPL', '2024-01-02T14:31:10.000Z', 186, 50),
      tick('AAPL', '2024-01-02T14:32:20.000Z', 184, 70),
      tick('EUR/USD', '2024-01-02T14:30:00.000Z', 1.094),
      tick('EUR/USD', '2024-01-02T14:31:00.000Z', 1.095),
    ];
    const market = analyzeMarket(ticksToBars(ticks, MINUTE));
    assertNoNaN(market);
    expect(market.barCount).toBe(5);
    const [aapl, eur] = market.symbols;
    expect(aapl?.changePct).toBeCloseTo(((184 - 185) / 185) * 100, 10);
    expect(aapl?.skipped).toBeUndefined();
    expect(eur?.skipped).toEqual([VOLUME_SKIPPED]);
    expect(market.trendCounts.none).toBe(2);
  });
});
