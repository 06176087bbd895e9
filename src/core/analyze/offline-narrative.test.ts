import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plantedProfile } from '../../samples/planted/profile.js';
import { randomWalkBars } from '../../samples/random-walk.js';
import type { AnalysisPlan } from '../datasets/analysis-plan.js';
import type { OhlcvRow } from '../datasets/ohlcv.rules.js';
import { analyzeRows, type DatasetAnalysis } from './analysis.js';
import { factsForPrompt } from './facts.js';
import { analysisFindings } from './findings/index.js';
import { groundingContext, groundNarrative } from './grounding.js';
import { NarrativeSchema } from './narrative.js';
import { writeOfflineNarrative } from './offline-narrative.js';
import { afinnLexicon } from './review-lexicon.js';

const TOOLS = { reviewLexicon: afinnLexicon };

const text = fc.oneof(
  fc.constantFrom('AAPL', 'Samsung', 'user_1', '', ' ', 'x'.repeat(500)),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

const marketRows = fc
  .array(
    fc.record({
      symbol: text,
      seed: fc.integer({ min: 0, max: 1000 }),
      bars: fc.integer({ min: 1, max: 80 }),
      volatility: fc.constantFrom(0, 0.01, 0.08),
      zeroVolume: fc.boolean(),
    }),
    { maxLength: 6 },
  )
  .map((symbols) =>
    symbols.flatMap(({ symbol, seed, bars, volatility, zeroVolume }) =>
      randomWalkBars({ seed, bars, symbol, volatility, drift: 0 }).map(
        (r): OhlcvRow => (zeroVolume ? { ...r, volume: 0 } : r),
      ),
    ),
  );

const salesRows = fc.array(
  fc.record({
    order_id: text,
    date: fc.constantFrom('2024-01-01', '2025-03-01'),
    brand: text,
    model: text,
    price: fc.double({ min: 0.01, max: 10_000, noNaN: true }),
    region: fc.constantFrom('Asia', 'Europe', 'Oceania'),
    customer_review: fc.option(text),
  }),
  { maxLength: 40 },
);

const vitalsRows = fc.array(
  fc.record({
    event_time: fc
      .integer({ min: 0, max: 10_000 })
      .map((m) => new Date(Date.UTC(2025, 0, 1) + m * 60_000).toISOString()),
    user_id: text,
    heart_rate: fc.integer({ min: 50, max: 180 }),
    spo2: fc.integer({ min: 90, max: 100 }),
    steps: fc.integer({ min: 0, max: 50_000 }),
    temp_c: fc.double({ min: 35, max: 40, noNaN: true }),
    systolic_bp: fc.integer({ min: 90, max: 180 }),
    diastolic_bp: fc.integer({ min: 60, max: 120 }),
  }),
  { maxLength: 40 },
);

const PROFILE_PLAN: AnalysisPlan = {
  kind: 'profile',
  columns: [
    { name: 'when', type: 'datetime' },
    { name: 'n', type: 'number' },
    { name: 'label', type: 'string' },
  ],
};

const profileRows = fc.array(
  fc.record({
    when: fc.option(
      fc
        .integer({ min: 0, max: 10_000 })
        .map((m) => new Date(Date.UTC(2025, 0, 1) + m * 60_000).toISOString()),
    ),
    n: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })),
    label: fc.option(text),
  }),
  { maxLength: 40 },
);

const analyses: fc.Arbitrary<DatasetAnalysis> = fc.oneof(
  marketRows.map((rows) => analyzeRows('twelvedata-ohlcv', rows)),
  salesRows.map((rows) => analyzeRows('smartphone-sales', rows, undefined, TOOLS)),
  vitalsRows.map((rows) => analyzeRows('health-vitals', rows)),
  profileRows.map((rows) => analyzeRows('my-dataset', rows, PROFILE_PLAN)),
);

/** The offline narrative checked as a model's answer would be, against the facts the model would get. */
function grounded(analysis: DatasetAnalysis) {
  const found = analysisFindings(analysis, {
    name: 'input.csv',
    ingest: { total: 0, rejected: 0, reasons: {} },
    fallbackAt: '',
  });
  const narrative = writeOfflineNarrative(analysis, found.findings);
  const result = groundNarrative(narrative, groundingContext(factsForPrompt(analysis, found)));
  // The facts name the 20 most severe findings; a recommendation may cite more, which is not a figure.
  const figures = result.dropped.filter((d) => d.reason === 'unknown_number' || d.reason === 'unknown_date');
  return { narrative, result, figures };
}

describe('writeOfflineNarrative', () => {
  it('always writes a narrative that NarrativeSchema accepts', () => {
    fc.assert(
      fc.property(analyses, (analysis) => {
        NarrativeSchema.parse(writeOfflineNarrative(analysis));
      }),
      { numRuns: 300 },
    );
  });

  it.each(['twelvedata-ohlcv', 'smartphone-sales', 'health-vitals', 'profile'])(
    'says plainly that %s had nothing to analyze',
    (dataset) => {
      const analysis =
        dataset === 'profile'
          ? analyzeRows('custom', [], PROFILE_PLAN, TOOLS)
          : analyzeRows(dataset, [], undefined, TOOLS);
      const narrative = NarrativeSchema.parse(writeOfflineNarrative(analysis));
      expect(narrative.headline).toMatch(/^No .* to analyze$/);
      expect(narrative.sentiment).toBe('neutral');
    },
  );

  it('writes the same words for the same analysis', () => {
    const rows = [1, 2, 3].flatMap((seed) => randomWalkBars({ seed, bars: 100, symbol: `S${seed}` }));
    expect(writeOfflineNarrative(analyzeRows('ohlcv-csv', rows))).toEqual(
      writeOfflineNarrative(analyzeRows('ohlcv-csv', rows)),
    );
  });

  it('carries the market sentiment and names the top movers', () => {
    const up = (symbol: string, to: number): OhlcvRow[] =>
      [100, to].map((close, i) => ({
        symbol,
        datetime: `2024-01-0${i + 1}`,
        open: close,
        high: close,
        low: close,
        close,
        volume: 10,
      }));
    const narrative = writeOfflineNarrative(
      analyzeRows('ohlcv-csv', [...up('AAA', 130), ...up('BBB', 110), ...up('CCC', 95)]),
    );
    expect(narrative.sentiment).toBe('bullish');
    expect(narrative.headline).toBe('Bullish market: 2 of 3 symbols rose, mean change +11.7%');
    const insights = (narrative.insights ?? []).map((i) => i.text);
    expect(insights).toContain('Top gainers: AAA +30.0%, BBB +10.0%.');
    expect(insights).toContain('Top losers: CCC -5.0%.');
    expect(narrative.symbols?.map((x) => x.symbol)).toEqual(['AAA', 'BBB', 'CCC']);
  });

  it('writes about one symbol by name with its indicators', () => {
    const rows = randomWalkBars({ seed: 9, bars: 120, symbol: 'SOLO', interval: '1day' });
    const narrative = writeOfflineNarrative(analyzeRows('twelvedata-ohlcv', rows));
    expect(narrative.headline).toMatch(/^SOLO (rose|fell) \d+\.\d% over 120 bars$/);
    const insights = (narrative.insights ?? []).map((i) => i.text).join(' ');
    expect(insights).toContain('RSI(14)');
    expect(insights).toContain('MACD');
  });

  it('names the leading brand of a sales file and recommends investigating its outlier', () => {
    const sale = (brand: string, price: number, i: number) => ({
      order_id: `O${i}`,
      date: '2024-01-01',
      brand,
      model: 'M',
      price,
      region: 'Asia',
      customer_review: 'Great camera',
    });
    const rows = [...[100, 110, 120, 130, 2000].map((p, i) => sale('Acme', p, i)), sale('Other', 50, 9)];
    const narrative = writeOfflineNarrative(analyzeRows('smartphone-sales', rows, undefined, TOOLS));
    expect(narrative.headline).toBe('6 orders worth 2,510; Acme leads with 98.0% of revenue');
    expect(narrative.recommendations?.[0]).toMatchObject({
      action: "Investigate order O4, priced outside its brand's range",
      findings: [expect.stringMatching(/^F[0-9a-f]{8}$/)],
    });
  });

  it('calls vitals positive without abnormal readings, mixed for low ones and negative for high ones', () => {
    const base = { heart_rate: 70, spo2: 98, steps: 1, temp_c: 36.6, systolic_bp: 120, diastolic_bp: 80 };
    const rows = (user: string, temp: number) =>
      [0, 1, 2].map((m) => ({
        ...base,
        user_id: user,
        temp_c: temp,
        event_time: `2025-01-01T00:0${m}:00.000Z`,
      }));
    expect(writeOfflineNarrative(analyzeRows('health-vitals', rows('a', 36.6))).sentiment).toBe('positive');
    // 38.2 °C is outside the comfort band but below the low edge (38.5): info, nothing to act on.
    expect(writeOfflineNarrative(analyzeRows('health-vitals', rows('a', 38.2))).sentiment).toBe('positive');
    expect(writeOfflineNarrative(analyzeRows('health-vitals', rows('a', 38.6))).sentiment).toBe('mixed');
    const high = writeOfflineNarrative(
      analyzeRows('health-vitals', [...rows('a', 39.6), ...rows('b', 36.6)]),
    );
    expect(high.sentiment).toBe('negative');
    expect(high.recommendations?.[0]).toMatchObject({ priority: 'high' });
    expect(high.recommendations?.[0]?.action).toMatch(
      /^Follow up a: temperature 39.6 °C at 2025-01-01 00:0\d UTC/,
    );
  });

  it('profiles a planted dataset in words whose every number and date passes the grounding check', () => {
    const sample = plantedProfile({ seed: 5, rows: 2000 });
    const { narrative, result, figures } = grounded(analyzeRows('planted', sample.rows, sample.plan, TOOLS));
    expect(figures).toEqual([]);
    expect(result.fatal).toBe(false);
    expect(narrative.headline).toMatch(/^2,000 rows and 6 columns profiled; \d+ findings above info$/);
    expect(narrative.sentiment).toBe('negative');
    const actions = (narrative.recommendations ?? []).map((r) => r.action).join(' | ');
    expect(actions).toContain('Find out why t has no rows in 8 gaps');
    expect(actions).toContain('Fill or drop note: note is null on 600 of 2,000 rows (30.0%)');
    const insights = (narrative.insights ?? []).map((i) => i.text).join(' ');
    expect(insights).toMatch(/amount \(number\): -?[\d,.]+ to [\d,.]+, median [\d,.]+/);
  });

  it('grounds the profile narrative of any rows, odd names and extreme values included', () => {
    fc.assert(
      fc.property(profileRows, (rows) => {
        const { result } = grounded(analyzeRows('custom', rows, PROFILE_PLAN));
        expect(result.dropped).toEqual([]);
        expect(result.fatal).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('calls a clean profile positive with no recommendation', () => {
    const sample = plantedProfile({ seed: 5, rows: 500, plant: false });
    const { narrative, result } = grounded(analyzeRows('planted', sample.rows, sample.plan, TOOLS));
    expect(result.dropped).toEqual([]);
    expect(narrative.sentiment).toBe('positive');
    expect(narrative.recommendations).toEqual([]);
  });
});
