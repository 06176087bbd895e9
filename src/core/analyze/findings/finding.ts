/**
 * Findings: what is unusual in a file, computed in code, each with a severity
 * set by one documented rule (how far past its threshold the measure went),
 * the subject and time it is about, and the figures that prove it. The
 * narrative's recommendations cite findings by id; the model never invents them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_KIND = {
  volumeSpike: 'volume_spike',
  largeMove: 'large_move',
  priceGap: 'price_gap',
  split: 'split',
  missingBar: 'missing_bar',
  bandClose: 'band_close',
  priceOutlier: 'price_outlier',
  duplicateOrder: 'duplicate_order',
  abnormalVital: 'abnormal_vital',
  dataQuality: 'data_quality',
  valueOutlier: 'value_outlier',
  timeGap: 'time_gap',
  nullRate: 'null_rate',
} as const;
export type FindingKind = (typeof FINDING_KIND)[keyof typeof FINDING_KIND];
export const FINDING_KINDS = Object.values(FINDING_KIND);

export const FindingSchema = z.object({
  /** `F` and 8 hex digits of SHA-256 over kind, subject and time: the same event keeps its id on every run. */
  id: z.string().regex(/^F[0-9a-f]{8}$/),
  kind: z.enum(FINDING_KINDS as [FindingKind, ...FindingKind[]]),
  severity: z.enum(SEVERITIES),
  /** Symbol, order id, brand and model, user id, or the file for data quality. */
  subject: z.string(),
  /** ISO date or datetime of the bar or row (the latest one for a grouped finding). */
  at: z.string(),
  /** One line with the figures, e.g. "volume 8.2× the mean of the previous 20 bars". */
  title: z.string(),
  evidence: z.object({
    /** The figure the severity rule reads, and the edge at which the kind starts to matter (`low`). */
    measure: z.number(),
    threshold: z.number(),
    figures: z.record(z.string(), z.number()),
    /** Row references: `<symbol> <datetime>`, `order <id>`, `<user> <event_time>`, a reason code. */
    rows: z.array(z.string()),
  }),
  /** Events folded into this finding (info-level events are grouped per subject and kind). */
  count: z.number().int().positive(),
});
export type Finding = z.infer<typeof FindingSchema>;

/** The measure at which each severity starts; below `low` a flagged event is `info`. */
export interface SeverityEdges {
  readonly measure: string;
  readonly low: number;
  readonly medium: number;
  readonly high: number;
  readonly critical: number;
}

export const SEVERITY_EDGES = {
  volume_spike: {
    measure: 'volume ÷ mean volume of the previous 20 bars',
    low: 3,
    medium: 4.5,
    high: 6,
    critical: 10,
  },
  large_move: { measure: '|close ÷ previous close − 1| in %', low: 5, medium: 7.5, high: 10, critical: 20 },
  price_gap: { measure: '|open ÷ previous close − 1| in %', low: 3, medium: 5, high: 8, critical: 15 },
  missing_bar: {
    measure: 'consecutive exchange trading days without a bar',
    low: 1,
    medium: 2,
    high: 3,
    critical: 5,
  },
  price_outlier: {
    measure: "distance past the brand's 1.5 × IQR fence, in IQRs of the brand's prices",
    low: 0,
    medium: 1.5,
    high: 3,
    critical: 6,
  },
  duplicate_order: { measure: 'rows with the same order id', low: 2, medium: 3, high: 5, critical: 10 },
  data_quality: {
    measure: '% of rows rejected at ingest or left out',
    low: 1,
    medium: 5,
    high: 20,
    critical: 50,
  },
  // Below low (past the 1.5·IQR fence, inside the 3·IQR one) a value is info: normal data has
  // about 0.7 % there by construction, and about one in 400,000 values past the 3·IQR fence.
  value_outlier: {
    measure: "distance past the column's 1.5 × IQR fence, in IQRs",
    low: 1.5,
    medium: 3,
    high: 6,
    critical: 12,
  },
  time_gap: {
    measure: 'step between consecutive instants ÷ the median step',
    low: 3,
    medium: 6,
    high: 12,
    critical: 48,
  },
  null_rate: { measure: '% of rows where the column is null', low: 5, medium: 20, high: 50, critical: 95 },
} as const satisfies Readonly<Record<string, SeverityEdges>>;

/** The highest severity whose edge `measure` reaches; `info` below `low`. */
export function severityFrom(edges: SeverityEdges, measure: number): Severity {
  if (measure >= edges.critical) return 'critical';
  if (measure >= edges.high) return 'high';
  if (measure >= edges.medium) return 'medium';
  return measure >= edges.low ? 'low' : 'info';
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};

/** Most severe first, then the larger measure past its threshold, then the latest, then by id. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    b.evidence.measure / (b.evidence.threshold || 1) - a.evidence.measure / (a.evidence.threshold || 1) ||
    (a.at < b.at ? 1 : a.at > b.at ? -1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export function findingId(kind: FindingKind, subject: string, at: string): string {
  return `F${createHash('sha256').update(`${kind}\u0000${subject}\u0000${at}`).digest('hex').slice(0, 8)}`;
}

export type FindingCounts = Partial<Record<FindingKind, Partial<Record<Severity, number>>>>;

export function countFindings(findings: readonly Finding[]): FindingCounts {
  const counts: Record<string, Record<string, number>> = {};
  for (const f of findings) {
    counts[f.kind] ??= {};
    const bySeverity = counts[f.kind] as Record<string, number>;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  }
  return counts as FindingCounts;
}

/** Findings a stored analysis keeps at top level, most severe first; every one is counted. */
export const MAX_LISTED_FINDINGS = 100;

export interface FindingList {
  readonly findings: readonly Finding[];
  readonly counts: FindingCounts;
  /** Findings counted but not listed. */
  readonly omitted: number;
}

export function listFindings(all: readonly Finding[]): FindingList {
  const sorted = [...all].sort(compareFindings);
  return {
    findings: sorted.slice(0, MAX_LISTED_FINDINGS),
    counts: countFindings(sorted),
    omitted: Math.max(0, sorted.length - MAX_LISTED_FINDINGS),
  };
}

/** The severity rule in words, for reports, the README and the model. */
export const SEVERITY_RULE =
  'severity is set by how far past its threshold the measure went: for each kind the measure at which low, ' +
  'medium, high and critical start is fixed (SEVERITY_EDGES); below low an event the detector flags is info. ' +
  'A probable split is medium (prices are not split-adjusted); closes outside the 2σ Bollinger bands are info ' +
  '(about 5 % of closes fall outside them by construction); abnormal vitals use clinical bands per measure. ' +
  'Profiles: a value past the 1.5·IQR fence but inside the 3·IQR one is info; a time gap counts in median steps.';
