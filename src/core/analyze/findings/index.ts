/** Every finding of an analysis, whatever its kind, plus the input's data quality. */
import type { DatasetAnalysis } from '../analysis.js';
import { formatCount, formatPct } from '../market/format.js';
import {
  FINDING_KIND,
  type Finding,
  type FindingList,
  findingId,
  listFindings,
  SEVERITY_EDGES,
  severityFrom,
} from './finding.js';

export * from './finding.js';

export interface IngestQuality {
  readonly total: number;
  readonly rejected: number;
  readonly reasons: Readonly<Record<string, number>>;
}

/**
 * Rows rejected at ingest or left out by the analytics, as a share of the
 * rows read: one finding for the file, `at` the end of the data's period.
 */
export function dataQualityFinding(
  subject: string,
  at: string,
  ingest: IngestQuality,
  skippedRows: number,
): Finding | null {
  const lost = ingest.rejected + skippedRows;
  if (ingest.total === 0 || lost === 0) return null;
  const pct = (lost / ingest.total) * 100;
  const reasons = Object.entries(ingest.reasons).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = reasons
    .slice(0, 3)
    .map(([code, n]) => `${code} ${formatCount(n)}`)
    .join(', ');
  return {
    id: findingId(FINDING_KIND.dataQuality, subject, 'file'),
    kind: FINDING_KIND.dataQuality,
    severity: severityFrom(SEVERITY_EDGES.data_quality, pct),
    subject,
    at,
    title:
      `${formatCount(lost)} of ${formatCount(ingest.total)} rows (${formatPct(pct)}) rejected or left out` +
      (top ? `; top reasons: ${top}` : ''),
    evidence: {
      measure: pct,
      threshold: SEVERITY_EDGES.data_quality.low,
      figures: { rows: ingest.total, rejected: ingest.rejected, skipped: skippedRows, pct },
      rows: reasons.slice(0, 5).map(([code]) => code),
    },
    count: lost,
  };
}

function kindFindings(analysis: DatasetAnalysis): {
  findings: Finding[];
  end: string | null;
  skipped: number;
} {
  switch (analysis.kind) {
    case 'market':
      return {
        findings: analysis.market.symbols.flatMap((s) => s.findings),
        end: analysis.market.end,
        skipped: analysis.market.skippedRows,
      };
    case 'sales':
      return { findings: [...analysis.sales.findings], end: analysis.sales.end, skipped: 0 };
    case 'vitals':
      return { findings: [...analysis.vitals.findings], end: analysis.vitals.end, skipped: 0 };
    case 'profile':
      return {
        findings: [...analysis.profile.findings],
        end: analysis.profile.end,
        skipped: analysis.profile.skippedRows,
      };
  }
}

function omittedOf(analysis: DatasetAnalysis): number {
  switch (analysis.kind) {
    case 'market':
      return analysis.market.symbols.reduce((n, s) => n + s.findingsOmitted, 0);
    case 'sales':
      return analysis.sales.findingsOmitted;
    case 'vitals':
      return analysis.vitals.findingsOmitted;
    case 'profile':
      return analysis.profile.findingsOmitted;
  }
}

/** The analysis' findings and the file's data quality, most severe first, listed up to the cap. */
export function analysisFindings(
  analysis: DatasetAnalysis,
  input: { readonly name: string; readonly ingest: IngestQuality; readonly fallbackAt: string },
): FindingList {
  const { findings, end, skipped } = kindFindings(analysis);
  const quality = dataQualityFinding(input.name, end ?? input.fallbackAt, input.ingest, skipped);
  const omitted = omittedOf(analysis);
  const list = listFindings(quality ? [...findings, quality] : findings);
  return { ...list, omitted: list.omitted + omitted };
}
