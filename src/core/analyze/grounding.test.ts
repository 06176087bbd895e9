import { describe, expect, it } from 'vitest';
import { plantedMarket } from '../../samples/planted/market.js';
import { plantedSales } from '../../samples/planted/sales.js';
import { plantedVitals } from '../../samples/planted/vitals.js';
import { analyzeRows } from './analysis.js';
import { factsForPrompt } from './facts.js';
import { analysisFindings } from './findings/index.js';
import { groundingContext, groundNarrative, tooUngrounded, ungroundedIn } from './grounding.js';
import type { Narrative } from './narrative.js';
import { writeOfflineNarrative } from './offline-narrative.js';
import { afinnLexicon } from './review-lexicon.js';

const TOOLS = { reviewLexicon: afinnLexicon };

const facts = {
  symbols: 1,
  period: { start: '2024-01-02', end: '2024-03-28' },
  topGainers: [{ symbol: 'AAPL', changePct: 4.2, lastClose: 1234.5 }],
  rsi14: 61.34,
  what: 'volume 8.2× the mean (12,345,678 vs 1,500,000) on 2024-03-02T09:00:00Z',
  findings: { notable: [{ id: 'F0a1b2c3d', subject: 'AAPL' }] },
};
const ctx = groundingContext(facts);

describe('ungroundedIn', () => {
  it.each([
    'AAPL gained 4.2% to 1,234.50.',
    'AAPL rose +4.20 percent.',
    'RSI(14) read 61.3, MACD(12,26,9) is not quoted.',
    'Volume was 8.2× its mean, 12,345,678 shares against 1,500,000.',
    'On 2024-03-02 at 09:00 the volume spiked.',
    'Two of the 1 symbols, 100% of the file.',
    'Names with digits are names: Galaxy S24, P-012, SMA20/SMA50, 2σ.',
  ])('accepts the figures it was given, formatted or rounded: %s', (text) => {
    expect(ungroundedIn(text, ctx)).toBeNull();
  });

  it.each([
    ['NVDA gained 13.3% over the window.', '13.3'],
    ['AAPL rose 4.3%.', '4.3'],
    ['Revenue reached 9,876.', '9,876'],
  ])('finds the invented number in %s', (text, detail) => {
    expect(ungroundedIn(text, ctx)).toEqual({ reason: 'unknown_number', detail });
  });

  it('accepts a figure too large to round by scaling, written to its decimal', () => {
    // 912543912518068.1 × 10 is past 2^53: rounding by scaling turned the fact into ….2.
    const huge = groundingContext({ measure: 912543912518068.1 });
    expect(ungroundedIn('912543912518068.1 IQRs above the fence', huge)).toBeNull();
    expect(ungroundedIn('912543912518068.4 IQRs above the fence', huge)).toEqual({
      reason: 'unknown_number',
      detail: '912543912518068.4',
    });
  });

  it('finds an invented date', () => {
    expect(ungroundedIn('On 2024-05-14 AAPL spiked.', ctx)).toEqual({
      reason: 'unknown_date',
      detail: '2024-05-14',
    });
  });
});

const base: Narrative = {
  headline: 'AAPL rose 4.2%',
  executiveSummary: 'AAPL gained 4.2% from 2024-01-02 to 2024-03-28.',
  insights: [
    { text: 'AAPL led with +4.2%.', confidence: 'high', facts: ['topGainers.0'] },
    {
      text: 'RSI(14) is 61.3.',
      confidence: 'high',
      facts: ['rsi14', 'facts.symbols', 'topGainers[0].changePct'],
    },
  ],
  recommendations: [
    { action: 'Watch AAPL', priority: 'low', rationale: 'Volume 8.2× its mean.', findings: ['F0a1b2c3d'] },
    { action: 'Check AAPL news', priority: 'high', rationale: 'It rose 4.2%.', findings: ['F0a1b2c3d'] },
  ],
  symbols: [{ symbol: 'AAPL', outlook: 'bullish', text: 'Up 4.2%.' }],
  sentiment: 'bullish',
};

describe('groundNarrative', () => {
  it('keeps a grounded answer whole and orders recommendations by priority', () => {
    const result = groundNarrative(base, ctx);
    expect(result.dropped).toEqual([]);
    expect(result.checked).toBe(7);
    expect(result.narrative.recommendations?.map((r) => r.priority)).toEqual(['high', 'low']);
    expect(tooUngrounded(result)).toBe(false);
  });

  it('drops items with unknown ids, numbers or symbols, and says which and why', () => {
    const result = groundNarrative(
      {
        ...base,
        insights: [
          ...(base.insights ?? []),
          { text: 'NVDA gained 13.3%.', confidence: 'high', facts: ['topGainers.0'] },
          { text: 'Breadth is good.', confidence: 'low', facts: ['breadth.score'] },
        ],
        recommendations: [
          ...(base.recommendations ?? []),
          { action: 'Sell NVDA', priority: 'high', rationale: 'It fell.', findings: ['Fdeadbeef'] },
          { action: 'Diversify', priority: 'medium', rationale: 'Always wise.', findings: [] },
        ],
        symbols: [...(base.symbols ?? []), { symbol: 'NVDA', outlook: 'bearish', text: 'Down.' }],
      },
      ctx,
    );
    expect(result.dropped).toEqual([
      { field: 'insights.2', reason: 'unknown_number', detail: '13.3' },
      { field: 'insights.3', reason: 'unknown_fact', detail: 'breadth.score' },
      { field: 'recommendations.2', reason: 'unknown_finding', detail: 'Fdeadbeef' },
      { field: 'recommendations.3', reason: 'no_citation', detail: '' },
      { field: 'symbols.1', reason: 'unknown_subject', detail: 'NVDA' },
    ]);
    expect(result.narrative.insights).toEqual(base.insights);
    expect(result.narrative.symbols).toEqual(base.symbols);
    expect(tooUngrounded(result)).toBe(false);
  });

  it('rejects the whole answer when the headline or summary invents a figure, or most items are dropped', () => {
    const fatal = groundNarrative({ ...base, headline: 'NVDA up 13.3%' }, ctx);
    expect(fatal.fatal).toBe(true);
    expect(tooUngrounded(fatal)).toBe(true);
    const mostly = groundNarrative(
      {
        ...base,
        insights: Array.from({ length: 8 }, () => ({
          text: 'Up 77%.',
          confidence: 'low' as const,
          facts: ['rsi14'],
        })),
      },
      ctx,
    );
    expect(mostly.fatal).toBe(false);
    expect(tooUngrounded(mostly)).toBe(true);
  });
});

describe('the offline narrative against the facts a model would get', () => {
  const cases = [
    ['twelvedata-ohlcv', plantedMarket({ seed: 2, symbols: 20, bars: 160 }).rows],
    ['smartphone-sales', plantedSales({ seed: 2, orders: 900 }).rows],
    ['health-vitals', plantedVitals({ seed: 2, users: 12, readingsPerUser: 60 }).rows],
  ] as const;

  it.each(cases)(
    '%s: cites only ids it could be given and every number it states is among the figures',
    (dataset, rows) => {
      const analysis = analyzeRows(dataset, rows, undefined, TOOLS);
      const found = analysisFindings(analysis, {
        name: 'inputs/x',
        ingest: { total: 0, rejected: 0, reasons: {} },
        fallbackAt: '2025-01-01T00:00:00.000Z',
      });
      const narrative = writeOfflineNarrative(analysis, found.findings);
      const ids = new Set(found.findings.map((f) => f.id));
      for (const r of narrative.recommendations ?? [])
        for (const id of r.findings) expect(ids.has(id)).toBe(true);
      const result = groundNarrative(narrative, groundingContext(factsForPrompt(analysis, found)));
      // Recommendations may cite findings beyond the 20 handed to a model; everything else must hold.
      expect(result.dropped.filter((d) => d.reason !== 'unknown_finding')).toEqual([]);
    },
  );
});
