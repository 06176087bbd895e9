/**
 * The analyze stage's options and their defaults, apart from the stage: every
 * Lambda handler builds them at cold start, and importing the stage for them
 * put the whole analysis (sentiment lexicon, narrative guard) into every bundle.
 */
import { DEFAULT_PRICES, type PriceTable } from './cost.js';

export interface AnalyzeOptions {
  /** Claim lease, renewed every third of it while the stage works. @default 120_000 */
  readonly claimTtlMs: number;
  /** @default 604_800_000 (7 days) */
  readonly retainMs: number;
  /** Dollars per 1K tokens by model. @default DEFAULT_PRICES (Nova Lite on-demand) */
  readonly prices: PriceTable;
  /** Write one history item per symbol and bar (market datasets). @default true */
  readonly history: boolean;
  /** Symbols of a large market file that get an outlook (prompt budget). @default FACT_LIMITS.outlookSymbols (12) */
  readonly outlookSymbols?: number;
  /** Share of a model's narrative items the grounding check may drop before the offline narrative replaces it. @default 0.5 */
  readonly maxDroppedShare?: number;
}

export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = {
  claimTtlMs: 2 * 60 * 1000,
  retainMs: 7 * 24 * 3600 * 1000,
  prices: DEFAULT_PRICES,
  history: true,
};
