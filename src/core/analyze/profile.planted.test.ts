/** Profile findings scored against a planted truth: outliers, gaps and a sparse column at known places and sizes. */
import { describe, expect, it } from 'vitest';
import { plantedProfile } from '../../samples/planted/profile.js';
import { precision, recall, scoreFindings } from '../../samples/planted/score.js';
import { analyzeRows } from './analysis.js';
import { analysisFindings } from './findings/index.js';

function findingsOf(seed: number, plant: boolean) {
  const sample = plantedProfile({ seed, rows: 3000, plant });
  const analysis = analyzeRows('planted-profile', sample.rows, sample.plan);
  const { findings } = analysisFindings(analysis, {
    name: 'planted.csv',
    ingest: { total: sample.rows.length, rejected: 0, reasons: {} },
    fallbackAt: '',
  });
  return { findings, truth: sample.truth };
}

describe('profile findings against planted truth', () => {
  it.each([1, 2, 3])('seed %i: recall and precision of every planted kind are at least 0.9', (seed) => {
    const { findings, truth } = findingsOf(seed, true);
    for (const score of scoreFindings(findings, truth)) {
      expect(score.planted, score.kind).toBeGreaterThan(0);
      expect(recall(score), score.kind).toBeGreaterThanOrEqual(0.9);
      expect(precision(score), score.kind).toBeGreaterThanOrEqual(0.9);
      expect(score.sameSeverity, score.kind).toBe(score.found);
    }
  });

  it('finds nothing above info when nothing was planted', () => {
    for (const seed of [1, 2, 3]) {
      expect(findingsOf(seed, false).findings.filter((f) => f.severity !== 'info')).toEqual([]);
    }
  });
});
