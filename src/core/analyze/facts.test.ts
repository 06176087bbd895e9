import { describe, expect, it } from 'vitest';
import { randomWalkBars } from '../../samples/random-walk.js';
import { analyzeRows } from './analysis.js';
import { clip, describeAnomaly, factsForPrompt, round, roundPrice } from './facts.js';
import { analysisFindings } from './findings/index.js';
import { assertNoNaN } from './market/finite.js';
import type { Anomaly } from './market/index.js';
import { afinnLexicon } from './review-lexicon.js';

const TOOLS = { reviewLexicon: afinnLexicon };

// Version 2 hands over findings, symbol outlooks and review samples: the budget grew from 6 KB.
const FACTS_BUDGET = 16 * 1024;
const size = (facts: unknown) => Buffer.byteLength(JSON.stringify(facts));
const longName = (i: number) => `${'VERY-LONG-SYMBOL-NAME-'.repeat(3)}${i}`;

describe('factsForPrompt', () => {
  it('stays under 16 KB for a profile of 200 long-named columns, clipping names and counting the rest', () => {
    const columns = Array.from({ length: 200 }, (_, i) => ({
      name: longName(i),
      type: i % 2 === 0 ? ('number' as const) : ('string' as const),
    }));
    const rows = Array.from({ length: 50 }, (_, r) =>
      Object.fromEntries(
        columns.map((c, i) => [c.name, i % 2 === 0 ? r * i : `${'value '.repeat(20)}${r % 7}`]),
      ),
    );
    const analysis = analyzeRows('wide', rows, { kind: 'profile', columns });
    const facts = factsForPrompt(
      analysis,
      analysisFindings(analysis, {
        name: 'inputs/wide.csv',
        ingest: { total: 50, rejected: 0, reasons: {} },
        fallbackAt: '2025-01-01T00:00:00.000Z',
      }),
    );
    assertNoNaN(facts);
    expect(size(facts)).toBeLessThan(FACTS_BUDGET);
    expect(JSON.stringify(facts)).not.toContain(longName(1));
    expect(facts).toMatchObject({ kind: 'profile', columnCount: 200, columnsLeftOut: 160, rows: 50 });
  });

  it('stays under 16 KB for 500 symbols with long names and many anomalies', () => {
    const rows = Array.from({ length: 500 }, (_, i) =>
      randomWalkBars({ seed: i, bars: 120, symbol: longName(i), volatility: 0.05, interval: '1day' }),
    ).flat();
    const analysis = analyzeRows('twelvedata-ohlcv', rows);
    const facts = factsForPrompt(
      analysis,
      analysisFindings(analysis, {
        name: 'inputs/x.json',
        ingest: { total: 60_000, rejected: 600, reasons: { invalid_date: 600 } },
        fallbackAt: '2025-01-01T00:00:00.000Z',
      }),
    );
    assertNoNaN(facts);
    expect(size(facts)).toBeLessThan(FACTS_BUDGET);
    expect(JSON.stringify(facts)).not.toContain(longName(1));
  });

  it('stays under 16 KB for sales with hundreds of brands and models', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      order_id: `ORDER-${i}`.repeat(5),
      date: '2024-01-01',
      brand: `Brand ${i % 300} ${'x'.repeat(60)}`,
      model: `Model ${i} ${'y'.repeat(60)}`,
      price: 50 + ((i * 37) % 3000),
      region: 'Asia',
      customer_review: `word${i % 40} great camera`,
    }));
    const facts = factsForPrompt(analyzeRows('smartphone-sales', rows, undefined, TOOLS));
    assertNoNaN(facts);
    expect(size(facts)).toBeLessThan(FACTS_BUDGET);
  });

  it('stays under 16 KB for vitals of a thousand users', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({
      event_time: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      user_id: `user-${i % 1000}-${'z'.repeat(50)}`,
      heart_rate: 50 + (i % 131),
      spo2: 90 + (i % 11),
      steps: (i * 97) % 50_001,
      temp_c: 35 + (i % 51) / 10,
      systolic_bp: 90 + (i % 91),
      diastolic_bp: 60 + (i % 31),
    }));
    const facts = factsForPrompt(analyzeRows('health-vitals', rows));
    assertNoNaN(facts);
    expect(size(facts)).toBeLessThan(FACTS_BUDGET);
  });

  it('hands over ranked movers, sentiment and turbulence for a market', () => {
    const rows = [1, 2, 3].flatMap((seed) => randomWalkBars({ seed, bars: 60, symbol: `S${seed}` }));
    const facts = factsForPrompt(analyzeRows('ohlcv-csv', rows)) as Record<string, unknown>;
    expect(Object.keys(facts)).toEqual(
      expect.arrayContaining([
        'sentiment',
        'turbulence',
        'topGainers',
        'topLosers',
        'notableAnomalies',
        'correlation',
      ]),
    );
    expect(facts.symbols).toBe(3);
  });

  it('describes empty analyses without NaN', () => {
    for (const dataset of ['twelvedata-ohlcv', 'smartphone-sales', 'health-vitals']) {
      assertNoNaN(factsForPrompt(analyzeRows(dataset, [], undefined, TOOLS)));
    }
  });
});

describe('rounding helpers', () => {
  it('rounds to the given places and never returns negative zero', () => {
    expect(round(12.345, 1)).toBe(12.3);
    expect(Object.is(round(-0.04, 1), 0)).toBe(true);
    expect(round(null, 1)).toBeNull();
  });

  it('rounds as the formatters print, where scaling by 10^decimals would pass 2^53', () => {
    expect(round(912543912518068.1, 1)).toBe(912543912518068.1);
    expect(String(round(912543912518068.1, 1))).toBe((912543912518068.1).toFixed(1));
  });

  it('keeps cents for prices from 1 up and four significant digits below', () => {
    expect(roundPrice(123.456)).toBe(123.46);
    expect(roundPrice(0.000123456)).toBe(0.0001235);
  });

  it('clips long text with an ellipsis', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });

  it('never clips between the halves of a surrogate pair', () => {
    expect(clip('ab😀cdef', 4)).toBe('ab…');
  });
});

describe('describeAnomaly', () => {
  const anomaly = (kind: Anomaly['kind'], figures: Record<string, number>): Anomaly => ({
    symbol: 'S',
    kind,
    datetime: '2024-01-01',
    severity: 1,
    explanation: '',
    figures,
  });

  it('states each kind in one short line with its numbers', () => {
    expect(
      describeAnomaly(anomaly('split', { factor: 2, previousClose: 200, close: 100.1, volumeRatio: 2 })),
    ).toBe('probable 2-for-1 split: close 200.00 → 100.10, volume 2.0×');
    expect(
      describeAnomaly(anomaly('split', { factor: -3, previousClose: 10, close: 30, volumeRatio: 0.3 })),
    ).toContain('1-for-3 reverse split');
    expect(describeAnomaly(anomaly('move', { pct: -8.04, previousClose: 100, close: 91.96 }))).toBe(
      'close -8.0% in one bar (100.00 → 91.96)',
    );
    expect(describeAnomaly(anomaly('gap', { pct: 4, previousClose: 100, open: 104 }))).toBe(
      'opened +4.0% from the previous close (100.00 → 104.00)',
    );
    expect(describeAnomaly(anomaly('volume', { multiple: 5, volume: 5000, average: 1000 }))).toBe(
      'volume 5.0× its 20-bar average (5,000 vs 1,000)',
    );
    expect(describeAnomaly(anomaly('band', { sigmas: -2.5, close: 95, middle: 100 }))).toBe(
      'close 2.5σ below its 20-bar mean (95.00 vs 100.00)',
    );
  });
});
