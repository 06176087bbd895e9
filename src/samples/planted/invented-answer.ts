/**
 * What a careless model answers: a narrative v2 that mixes grounded items
 * (citing ids and figures it was given) with invented ones (a symbol not in
 * the file, figures it made up, ids that do not exist). The eval and the
 * tests feed it through a scripted OpenAI-compatible server to prove that
 * nothing invented is ever stored.
 */

interface Facts {
  readonly findings?: { readonly notable?: ReadonlyArray<{ readonly id: string }> };
  readonly outlookSymbols?: ReadonlyArray<{ readonly symbol: string }>;
}

export type InventedVariant = 'mixed' | 'invented-headline';

/** Items planted as invented, by variant: what the grounding check must drop. */
export const INVENTED_ITEMS = { mixed: 5, 'invented-headline': 6 } as const;

export function inventedAnswer(facts: unknown, variant: InventedVariant = 'mixed'): Record<string, unknown> {
  const f = (facts ?? {}) as Facts;
  const finding = f.findings?.notable?.[0]?.id;
  const symbol = f.outlookSymbols?.[0]?.symbol;
  return {
    headline:
      variant === 'invented-headline'
        ? 'NVDA soared 913.7% on record volume'
        : 'What the figures in this file show',
    executiveSummary: 'The file was analyzed; the findings and the figures below say what stands out.',
    insights: [
      {
        text: 'The findings are listed with their severity.',
        confidence: 'high',
        facts: ['findings.counts'],
      },
      { text: 'NVDA gained 913.7% and leads every symbol.', confidence: 'high', facts: ['findings'] },
      { text: 'Breadth is the best in years.', confidence: 'medium', facts: ['breadth.score'] },
    ],
    recommendations: [
      ...(finding
        ? [
            {
              action: 'Look into the most severe finding',
              priority: 'high',
              rationale: 'It is the worst one.',
              findings: [finding],
            },
          ]
        : []),
      {
        action: 'Sell NVDA before the close',
        priority: 'high',
        rationale: 'It fell 77.31% on 2031-02-30.',
        findings: [],
      },
      {
        action: 'Hedge the book',
        priority: 'medium',
        rationale: 'Risk is elevated.',
        findings: ['Fdeadbeef'],
      },
    ],
    symbols: [
      ...(symbol ? [{ symbol, outlook: 'neutral', text: 'See its figures and findings.' }] : []),
      { symbol: 'NVDA', outlook: 'bullish', text: 'Momentum is strong at 881.9.' },
    ],
    sentiment: 'neutral',
  };
}
