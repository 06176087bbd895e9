/**
 * One analysis type for every dataset, tagged by kind, and the dispatcher
 * that picks the analytics a dataset's contract says apply.
 */
import type { AnalysisPlan } from '../datasets/analysis-plan.js';
import type { OhlcvRow } from '../datasets/ohlcv.rules.js';
import { SluiceError } from '../errors.js';
import { analyzeMarket, type MarketAnalysis } from './market/index.js';
import { analyzeProfile, type ProfileAnalysis } from './profile.js';
import type { ReviewLexicon } from './review-sentiment.js';
import { analyzeSales, type SalesAnalysis, type SalesRow } from './sales.js';
import { analyzeVitals, type VitalsAnalysis, type VitalsRow } from './vitals.js';

export const MARKET_DATASETS = ['twelvedata-ohlcv', 'ohlcv-csv'] as const;
export type MarketDataset = (typeof MARKET_DATASETS)[number];

/** `dataset` is the contract's id: a plan may give any dataset the market, sales or vitals analytics. */
export type DatasetAnalysis =
  | { readonly kind: 'market'; readonly dataset: string; readonly market: MarketAnalysis }
  | { readonly kind: 'sales'; readonly dataset: string; readonly sales: SalesAnalysis }
  | { readonly kind: 'vitals'; readonly dataset: string; readonly vitals: VitalsAnalysis }
  | { readonly kind: 'profile'; readonly dataset: string; readonly profile: ProfileAnalysis };

export type AnalysisKind = DatasetAnalysis['kind'];

export class UnknownDatasetError extends SluiceError {
  constructor(dataset: string) {
    super('ANALYZE.UNKNOWN_DATASET', `no analytics for dataset ${JSON.stringify(dataset.slice(0, 100))}`);
  }
}

const isMarketDataset = (dataset: string): dataset is MarketDataset =>
  (MARKET_DATASETS as readonly string[]).includes(dataset);

/**
 * What an analysis needs besides its rows and is too heavy for every bundle to
 * carry: the sales analytics' review lexicon. `loadAnalysisTools` imports it
 * for the kind that needs it; a test can pass one directly.
 */
export interface AnalysisTools {
  readonly reviewLexicon?: ReviewLexicon;
}

export class MissingAnalysisToolError extends SluiceError {
  constructor(tool: keyof AnalysisTools, kind: AnalysisKind) {
    super('ANALYZE.MISSING_TOOL', `the ${kind} analytics need a ${tool}; load it with loadAnalysisTools`);
  }
}

/**
 * The analytics a dataset gets: with a plan its kind, whatever the dataset is
 * called; without one the built-in dataset ids decide.
 */
export function analysisKindOf(dataset: string, plan?: AnalysisPlan): AnalysisKind {
  if (plan !== undefined) return plan.kind;
  if (isMarketDataset(dataset)) return 'market';
  if (dataset === 'smartphone-sales') return 'sales';
  if (dataset === 'health-vitals') return 'vitals';
  throw new UnknownDatasetError(dataset);
}

export async function loadAnalysisTools(kind: AnalysisKind): Promise<AnalysisTools> {
  if (kind !== 'sales') return {};
  const { afinnLexicon } = await import('./review-lexicon.js');
  return { reviewLexicon: afinnLexicon };
}

/**
 * Analyzes the rows of `processed/<dataset>/...`. The rows were validated and
 * normalized by the dataset's contract at ingest, so they are taken as its row
 * type; the analytics still skip a row whose numbers are unusable.
 */
export function analyzeRows(
  dataset: string,
  rows: Iterable<unknown>,
  plan?: AnalysisPlan,
  tools: AnalysisTools = {},
): DatasetAnalysis {
  const kind = analysisKindOf(dataset, plan);
  switch (kind) {
    case 'market':
      return { kind, dataset, market: analyzeMarket(rows as Iterable<OhlcvRow>) };
    case 'sales': {
      if (tools.reviewLexicon === undefined) throw new MissingAnalysisToolError('reviewLexicon', kind);
      return { kind, dataset, sales: analyzeSales(rows as Iterable<SalesRow>, tools.reviewLexicon) };
    }
    case 'vitals':
      return { kind, dataset, vitals: analyzeVitals(rows as Iterable<VitalsRow>) };
    case 'profile':
      // analysisKindOf names profile only from a plan; the check tells the compiler so, without a cast.
      if (plan === undefined) throw new UnknownDatasetError(dataset);
      return { kind, dataset, profile: analyzeProfile(rows, plan) };
  }
}
