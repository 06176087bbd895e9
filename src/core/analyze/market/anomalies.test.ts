import { describe, expect, it } from 'vitest';
import type { OhlcvRow } from '../../datasets/ohlcv.rules.js';
import { type Anomaly, detectAnomalies, MAX_ANOMALIES_PER_SYMBOL } from './anomalies.js';
import { bollinger } from './indicators.js';
import { toSeries } from './series.js';

const DAY = 86_400_000;
const dateOf = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * DAY).toISOString().slice(0, 10);

interface Bar {
  close: number;
  open?: number;
  volume?: number;
}

/** Closes that wobble ±0.5 around 100: no bar of it is an anomaly. */
const calm = (bars: number): Bar[] =>
  Array.from({ length: bars }, (_, i) => ({ close: 100 + 0.5 * Math.sin(i) }));

function detect(bars: Bar[]) {
  const rows: OhlcvRow[] = bars.map((b, i) => {
    const open = b.open ?? bars[i - 1]?.close ?? b.close;
    return {
      symbol: 'TEST',
      datetime: dateOf(i),
      open,
      high: Math.max(open, b.close),
      low: Math.min(open, b.close),
      close: b.close,
      volume: b.volume ?? 1000,
    };
  });
  const [series] = toSeries(rows);
  if (series === undefined) throw new Error('no series');
  return detectAnomalies(series, bollinger(series.close));
}

const at = (anomalies: readonly Anomaly[], bar: number) =>
  anomalies.filter((a) => a.datetime === dateOf(bar));

describe('detectAnomalies', () => {
  it('finds nothing in a calm series', () => {
    const result = detect(calm(80));
    expect(result.counts).toEqual({ split: 0, move: 0, gap: 0, volume: 0, band: 0 });
    expect(result.top).toEqual([]);
  });

  it('flags a volume spike against the mean of the previous 20 bars', () => {
    const bars = calm(60);
    bars[40] = { ...(bars[40] as Bar), volume: 5000 };
    const result = detect(bars);
    const [spike] = at(result.top, 40);
    expect(spike?.kind).toBe('volume');
    expect(spike?.figures).toMatchObject({ volume: 5000, average: 1000, multiple: 5 });
    expect(spike?.explanation).toContain('5.0× the mean of the previous 20 bars');
    expect(result.counts.volume).toBe(1);
  });

  it('does not flag volume when the previous 20 bars traded nothing', () => {
    const bars = calm(30).map((b) => ({ ...b, volume: 0 }));
    bars[25] = { ...(bars[25] as Bar), volume: 10 };
    expect(detect(bars).counts.volume).toBe(0);
  });

  it('flags a gap between the previous close and the open', () => {
    const bars = calm(60);
    const prev = (bars[44] as Bar).close;
    bars[45] = { open: prev * 1.04, close: prev * 1.04 };
    for (let i = 46; i < 60; i++) bars[i] = { close: prev * 1.04 + 0.5 * Math.sin(i) };
    const [gap] = at(detect(bars).top, 45).filter((a) => a.kind === 'gap');
    expect(gap?.figures.pct).toBeCloseTo(4, 9);
    expect(gap?.explanation).toMatch(/^Opened 4\.0% above the previous close/);
  });

  it('flags a big move beyond 5 % but not one of 4 %', () => {
    const bars = calm(60);
    const prev = (bars[49] as Bar).close;
    bars[50] = { close: prev * 0.92 };
    bars[30] = { close: (bars[29] as Bar).close * 1.04, open: (bars[29] as Bar).close };
    const result = detect(bars);
    const [move] = at(result.top, 50).filter((a) => a.kind === 'move');
    expect(move?.figures.pct).toBeCloseTo(-8, 9);
    expect(move?.severity).toBeCloseTo(1.6, 9);
    expect(move?.explanation).toContain('fell 8.0% in one bar');
    expect(at(result.top, 30).filter((a) => a.kind === 'move')).toEqual([]);
  });

  it('flags a close beyond two standard deviations of its 20-bar band', () => {
    const bars = calm(40);
    bars[35] = { close: 103, open: (bars[34] as Bar).close };
    const [band] = at(detect(bars).top, 35).filter((a) => a.kind === 'band');
    expect(band?.figures.sigmas).toBeGreaterThan(2);
    expect(band?.explanation).toContain('above the upper Bollinger band');
  });

  it('recognizes a 2-for-1 split by the halved price and the doubled volume', () => {
    const bars = calm(60).map((b, i) => (i >= 30 ? { close: b.close / 2, volume: 2000 } : b));
    const result = detect(bars);
    const atSplit = at(result.top, 30);
    expect(atSplit.map((a) => a.kind)).toEqual(['split']);
    expect(atSplit[0]?.figures).toMatchObject({
      factor: 2,
      volumeBefore: 1000,
      volumeAfter: 2000,
      volumeRatio: 2,
    });
    expect(atSplit[0]?.explanation).toContain('probable 2-for-1 split');
    // The 20 bars whose windows straddle the split report neither band nor volume anomalies.
    expect(result.counts).toEqual({ split: 1, move: 0, gap: 0, volume: 0, band: 0 });
    expect(result.top[0]?.kind).toBe('split');
  });

  it('recognizes a 1-for-3 reverse split by the tripled price and the shrunk volume', () => {
    const bars = calm(60).map((b, i) => (i >= 30 ? { close: b.close * 3, volume: 330 } : b));
    const [split] = at(detect(bars).top, 30);
    expect(split?.kind).toBe('split');
    expect(split?.figures.factor).toBe(-3);
    expect(split?.explanation).toContain('1-for-3 reverse split');
  });

  it('calls a halving without a volume change a move, not a split', () => {
    const bars = calm(60).map((b, i) => (i >= 30 ? { close: b.close / 2 } : b));
    const kinds = at(detect(bars).top, 30).map((a) => a.kind);
    expect(kinds).toContain('move');
    expect(kinds).not.toContain('split');
  });

  it('does not divide by a zero previous close', () => {
    const bars = calm(40);
    bars[20] = { close: 0, open: 0 };
    const result = detect(bars);
    expect(at(result.top, 21).filter((a) => a.kind === 'move' || a.kind === 'gap')).toEqual([]);
  });

  it('keeps only the most important anomalies but counts all of them', () => {
    // Alternating ±6 % moves: every bar is a move.
    const bars = Array.from({ length: 50 }, (_, i) => ({ close: i % 2 === 0 ? 100 : 106 + i / 10 }));
    const result = detect(bars);
    expect(result.top).toHaveLength(MAX_ANOMALIES_PER_SYMBOL);
    expect(result.counts.move).toBe(49);
    expect(result.omitted).toBe(
      Object.values(result.counts).reduce((a, b) => a + b, 0) - MAX_ANOMALIES_PER_SYMBOL,
    );
    const severities = result.top.filter((a) => a.kind === 'move').map((a) => a.severity);
    expect(severities).toEqual([...severities].sort((a, b) => b - a));
  });

  it('counts moves, gaps and splits of the last 20 bars as recent', () => {
    // One jump up to a new level among the last 20 bars; an older jump and its fall back do not count.
    const bars = calm(60).map((b, i) => (i >= 55 ? { close: b.close * 1.1 } : b));
    bars[10] = { close: (bars[9] as Bar).close * 1.1 };
    const result = detect(bars);
    expect(result.counts.move).toBe(3);
    expect(result.recentPriceAnomalies).toBe(1);
  });
});
