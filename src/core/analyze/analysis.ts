/**
 * One analysis type for every dataset, tagged by kind, and the dispatcher
 * that picks the analytics a dataset's contract says apply.
 */
import type { AnalysisPlan } from '../datasets/analysis-plan.js';
import type { OhlcvRow } from '../datasets/ohlcv.rules.js';
import { SluiceError } from '../errors.js';
import { analyzeMarket, type MarketAnalysis } from './market/index.js';
import { analyzeProfile, type ProfileAnalysis } from './profile.js';
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
 * Analyzes the rows of `processed/<dataset>/...`. The rows were validated and
 * normalized by the dataset's contract at ingest, so they are taken as its row
 * type; the analytics still skip a row whose numbers are unusable. With a plan
 * its kind picks the analytics, whatever the dataset is called; without one
 * the built-in dataset ids do.
 */
export function analyzeRows(dataset: string, rows: Iterable<unknown>, plan?: AnalysisPlan): DatasetAnalysis {
  if (plan !== undefined) {
    switch (plan.kind) {
      case 'market':
        return { kind: 'market', dataset, market: analyzeMarket(rows as Iterable<OhlcvRow>) };
      case 'sales':
        return { kind: 'sales', dataset, sales: analyzeSales(rows as Iterable<SalesRow>) };
      case 'vitals':
        return { kind: 'vitals', dataset, vitals: analyzeVitals(rows as Iterable<VitalsRow>) };
      case 'profile':
        return { kind: 'profile', dataset, profile: analyzeProfile(rows, plan) };
    }
  }
  if (isMarketDataset(dataset)) {
    return { kind: 'market', dataset, market: analyzeMarket(rows as Iterable<OhlcvRow>) };
  }
  if (dataset === 'smartphone-sales') {
    return { kind: 'sales', dataset, sales: analyzeSales(rows as Iterable<SalesRow>) };
  }
  if (dataset === 'health-vitals') {
    return { kind: 'vitals', dataset, vitals: analyzeVitals(rows as Iterable<VitalsRow>) };
  }
  throw new UnknownDatasetError(dataset);
}
