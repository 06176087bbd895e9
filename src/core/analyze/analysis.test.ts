import { describe, expect, it } from 'vitest';
import { randomWalkBars } from '../../samples/random-walk.js';
import { analysisKindOf, analyzeRows, loadAnalysisTools } from './analysis.js';
import { afinnLexicon } from './review-lexicon.js';

const TOOLS = { reviewLexicon: afinnLexicon };

describe('analyzeRows', () => {
  it.each(['twelvedata-ohlcv', 'ohlcv-csv'])('analyzes %s as market data', (dataset) => {
    const analysis = analyzeRows(dataset, randomWalkBars({ seed: 1, bars: 30, symbol: 'AAA' }));
    expect(analysis.kind).toBe('market');
    expect(analysis.dataset).toBe(dataset);
    if (analysis.kind === 'market') expect(analysis.market.symbolCount).toBe(1);
  });

  it('analyzes smartphone-sales as sales', () => {
    const row = {
      order_id: 'O1',
      date: '2024-01-01',
      brand: 'B',
      model: 'M',
      price: 10,
      region: 'Asia',
      customer_review: null,
    };
    const analysis = analyzeRows('smartphone-sales', [row], undefined, TOOLS);
    expect(analysis.kind === 'sales' && analysis.sales.orders).toBe(1);
  });

  it('analyzes health-vitals as vitals', () => {
    const row = {
      event_time: '2025-01-01T00:00:00.000Z',
      user_id: 'u',
      heart_rate: 70,
      spo2: 98,
      steps: 10,
      temp_c: 36.6,
      systolic_bp: 120,
      diastolic_bp: 80,
    };
    const analysis = analyzeRows('health-vitals', [row]);
    expect(analysis.kind === 'vitals' && analysis.vitals.users).toBe(1);
  });

  it('runs the analytics the plan names, whatever the dataset is called', () => {
    const bars = randomWalkBars({ seed: 2, bars: 30, symbol: 'BBB' });
    const market = analyzeRows('my-prices', bars, { kind: 'market', columns: [] });
    expect(market.kind === 'market' && market.market.symbolCount).toBe(1);
    expect(market.dataset).toBe('my-prices');
    const profile = analyzeRows('twelvedata-ohlcv', bars, {
      kind: 'profile',
      columns: [{ name: 'close', type: 'number' }],
    });
    expect(profile.kind === 'profile' && profile.profile.columns[0]?.values).toBe(30);
  });

  it('profiles a dataset with no built-in analytics when its plan says profile', () => {
    const analysis = analyzeRows('weather', [{ temp: 3 }], {
      kind: 'profile',
      columns: [{ name: 'temp', type: 'number' }],
    });
    expect(analysis.kind === 'profile' && analysis.profile.rows).toBe(1);
  });

  it('refuses a dataset it has no analytics for, with a stable code', () => {
    expect(() => analyzeRows('weather', [])).toThrow(
      expect.objectContaining({ code: 'ANALYZE.UNKNOWN_DATASET' }),
    );
  });

  it('refuses sales analytics without a review lexicon, with a stable code', () => {
    expect(() => analyzeRows('smartphone-sales', [])).toThrow(
      expect.objectContaining({ code: 'ANALYZE.MISSING_TOOL' }),
    );
  });
});

describe('loadAnalysisTools', () => {
  it('loads the review lexicon for sales, and for a dataset whose plan says sales', async () => {
    const tools = await loadAnalysisTools(analysisKindOf('my-orders', { kind: 'sales', columns: [] }));
    expect(tools.reviewLexicon?.('great phone, fast and beautiful')).toBeGreaterThan(0.5);
    expect(tools.reviewLexicon?.('terrible battery, broke in a week')).toBeLessThan(-0.5);
  });

  it.each(['market', 'vitals', 'profile'] as const)('loads nothing for %s analytics', async (kind) => {
    expect(await loadAnalysisTools(kind)).toEqual({});
  });
});
