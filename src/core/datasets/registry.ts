/** The one place datasets are registered. Order matters only for sniffing: first match wins. */
import type { DatasetContract, DatasetId } from './contract.js';
import { healthVitals } from './health-vitals.js';
import { ohlcvCsv } from './ohlcv-csv.js';
import { smartphoneSales } from './smartphone-sales.js';
import { twelvedataOhlcv } from './twelvedata-ohlcv.js';

export const DATASETS: readonly DatasetContract[] = [
  twelvedataOhlcv as DatasetContract,
  ohlcvCsv as DatasetContract,
  smartphoneSales as DatasetContract,
  healthVitals as DatasetContract,
];

export function datasetById(id: string): DatasetContract | undefined {
  return DATASETS.find((d) => d.id === id);
}

export function isDatasetId(id: string): id is DatasetId {
  return DATASETS.some((d) => d.id === id);
}
