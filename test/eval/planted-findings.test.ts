/**
 * A small evaluation, run with the suite: planted samples of every kind go
 * through the real ingest and analyze stages with the offline analyst, and
 * their findings are scored against the truth (`npm run eval` runs the full one).
 */
import { describe, expect, it } from 'vitest';
import { plantedMarket, plantedMarketJson } from '../../src/samples/planted/market.js';
import { plantedSales } from '../../src/samples/planted/sales.js';
import { precision, recall, scoreFindings } from '../../src/samples/planted/score.js';
import type { Truth } from '../../src/samples/planted/truth.js';
import { plantedVitals } from '../../src/samples/planted/vitals.js';
import { storedAnalysisOf } from '../helpers/analysis-fixtures.js';

const samples = (plant: boolean): Array<[string, string, () => { body: string; truth: Truth }]> => [
  [
    'market',
    'inputs/planted.json',
    () => {
      const market = plantedMarket({ seed: 3, symbols: 5, bars: 200, plant });
      return { body: plantedMarketJson(market), truth: market.truth };
    },
  ],
  [
    'sales',
    'inputs/planted-sales.csv',
    () => {
      const sales = plantedSales({ seed: 3, orders: 1200, plant });
      return { body: sales.csv, truth: sales.truth };
    },
  ],
  [
    'vitals',
    'inputs/planted-vitals.csv',
    () => {
      const vitals = plantedVitals({ seed: 3, users: 15, readingsPerUser: 96, plant });
      return { body: vitals.csv, truth: vitals.truth };
    },
  ],
];

describe('findings scored against planted truth', () => {
  it.each(samples(true))(
    '%s: every planted kind has recall >= 0.95, precision >= 0.90',
    async (_n, key, make) => {
      const { body, truth } = make();
      const stored = await storedAnalysisOf(key, body);
      for (const score of scoreFindings(stored.findings, truth)) {
        expect(score.planted, score.kind).toBeGreaterThan(0);
        expect(recall(score), score.kind).toBeGreaterThanOrEqual(0.95);
        expect(precision(score), score.kind).toBeGreaterThanOrEqual(0.9);
        expect(score.sameSeverity, score.kind).toBe(score.found);
      }
    },
  );

  it.each(samples(false))(
    '%s: a file with nothing planted has no finding above info',
    async (_n, key, make) => {
      const stored = await storedAnalysisOf(key, make().body);
      expect(stored.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    },
  );
});
