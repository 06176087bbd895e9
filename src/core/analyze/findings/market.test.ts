import { describe, expect, it } from 'vitest';
import { plantedMarket } from '../../../samples/planted/market.js';
import { scoreFindings } from '../../../samples/planted/score.js';
import { analyzeRows } from '../analysis.js';
import { missingTradingDays } from '../market/calendar.js';
import { analysisFindings } from './index.js';

const findingsOf = (rows: Parameters<typeof analyzeRows>[1]) =>
  analysisFindings(analyzeRows('twelvedata-ohlcv', rows), {
    name: 'inputs/t.json',
    ingest: { total: 1, rejected: 0, reasons: {} },
    fallbackAt: '2025-01-01T00:00:00.000Z',
  }).findings;

describe('market findings', () => {
  it('finds every planted event with its symbol, date and severity', () => {
    const market = plantedMarket({ seed: 11, symbols: 6, bars: 250 });
    const scores = scoreFindings(findingsOf(market.rows), market.truth);
    for (const s of scores) {
      expect(s, s.kind).toMatchObject({ found: s.planted, matched: s.reported, sameSeverity: s.planted });
      expect(s.planted, s.kind).toBeGreaterThan(0);
    }
  });

  it('finds nothing above info in a calm file, and groups its band closes per symbol', () => {
    const market = plantedMarket({ seed: 11, symbols: 6, bars: 250, plant: false });
    const findings = findingsOf(market.rows);
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const bands = findings.filter((f) => f.kind === 'band_close');
    expect(bands).toHaveLength(6);
    expect(bands.every((f) => f.count > 1 && f.title.includes('by construction'))).toBe(true);
  });

  it('keeps the same finding ids when the same file is analyzed again', () => {
    const market = plantedMarket({ seed: 5, symbols: 2, bars: 120 });
    expect(findingsOf(market.rows).map((f) => f.id)).toEqual(findingsOf(market.rows).map((f) => f.id));
  });
});

describe('missingTradingDays', () => {
  it('does not count weekends and exchange holidays as missing', () => {
    // 2024-07-04 (Independence Day) is a Thursday; the weekend follows the Friday.
    expect(missingTradingDays(['2024-07-03', '2024-07-05', '2024-07-08'])).toEqual([]);
    // Good Friday 2024-03-29.
    expect(missingTradingDays(['2024-03-28', '2024-04-01'])).toEqual([]);
  });

  it('reports a run of trading days without a bar, holidays skipped', () => {
    expect(missingTradingDays(['2024-07-02', '2024-07-08'])).toEqual([
      { from: '2024-07-03', to: '2024-07-05', days: 2, after: '2024-07-02', before: '2024-07-08' },
    ]);
  });
});
