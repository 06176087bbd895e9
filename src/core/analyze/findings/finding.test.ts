import { describe, expect, it } from 'vitest';
import { vitalSeverity } from '../vitals.js';
import { findingId, SEVERITY_EDGES, type Severity, severityFrom } from './finding.js';
import { dataQualityFinding } from './index.js';

const LEVELS = ['low', 'medium', 'high', 'critical'] as const;
const below: Readonly<Record<(typeof LEVELS)[number], Severity>> = {
  low: 'info',
  medium: 'low',
  high: 'medium',
  critical: 'high',
};

describe('severityFrom', () => {
  it.each(Object.entries(SEVERITY_EDGES))(
    '%s: each edge starts its level and just under it is the level below',
    (_kind, edges) => {
      for (const level of LEVELS) {
        expect(severityFrom(edges, edges[level])).toBe(level);
        expect(severityFrom(edges, edges[level] - 1e-9)).toBe(below[level]);
      }
      expect(severityFrom(edges, edges.critical * 100)).toBe('critical');
    },
  );

  it('reads a volume 2.9× its mean as info, 3× as low and 10× as critical', () => {
    const edges = SEVERITY_EDGES.volume_spike;
    expect([2.9, 3, 4.5, 6, 10].map((m) => severityFrom(edges, m))).toEqual([
      'info',
      'low',
      'medium',
      'high',
      'critical',
    ]);
  });
});

describe('vitalSeverity', () => {
  it.each([
    ['spo2', 96, null],
    ['spo2', 94, 'info'],
    ['spo2', 93, 'low'],
    ['spo2', 92, 'medium'],
    ['spo2', 90, 'high'],
    ['spo2', 85, 'critical'],
    ['heart_rate', 100, null],
    ['heart_rate', 101, 'info'],
    ['heart_rate', 110, 'low'],
    ['heart_rate', 139, 'medium'],
    ['heart_rate', 140, 'high'],
    ['heart_rate', 160, 'critical'],
    ['heart_rate', 59, 'info'],
    ['heart_rate', 55, 'low'],
    ['heart_rate', 50, 'medium'],
    ['temp_c', 37.9, null],
    ['temp_c', 38, 'info'],
    ['temp_c', 38.5, 'low'],
    ['temp_c', 39.5, 'high'],
    ['systolic_bp', 149, 'info'],
    ['systolic_bp', 180, 'critical'],
    ['diastolic_bp', 89, null],
    ['diastolic_bp', 110, 'high'],
  ] as const)('%s %d is %s', (measure, value, expected) => {
    expect(vitalSeverity(measure, value)).toBe(expected);
  });
});

describe('findingId', () => {
  it('is stable for the same kind, subject and time and differs otherwise', () => {
    const id = findingId('volume_spike', 'AAPL', '2024-05-14');
    expect(id).toMatch(/^F[0-9a-f]{8}$/);
    expect(findingId('volume_spike', 'AAPL', '2024-05-14')).toBe(id);
    expect(findingId('volume_spike', 'AAPL', '2024-05-15')).not.toBe(id);
    expect(findingId('large_move', 'AAPL', '2024-05-14')).not.toBe(id);
  });
});

describe('dataQualityFinding', () => {
  const ingest = (total: number, rejected: number) => ({
    total,
    rejected,
    reasons: { invalid_date: rejected },
  });

  it('says nothing when no row was lost', () => {
    expect(dataQualityFinding('inputs/a.csv', '2024-01-01', ingest(100, 0), 0)).toBeNull();
  });

  it.each([
    [1000, 9, 'info'],
    [1000, 10, 'low'],
    [1000, 50, 'medium'],
    [1000, 200, 'high'],
    [1000, 500, 'critical'],
  ] as const)('%d rows with %d rejected is %s', (total, rejected, severity) => {
    const finding = dataQualityFinding('inputs/a.csv', '2024-01-01', ingest(total, rejected), 0);
    expect(finding?.severity).toBe(severity);
    expect(finding?.evidence.rows).toEqual(['invalid_date']);
  });
});
