/**
 * `renderReport`: a stored analysis in, the email's subject, HTML and text
 * alternatives and chart SVGs out. Pure: the caller rasterizes the charts and
 * attaches them under their cid.
 */
import type { StoredAnalysis } from '../analyze/stored-analysis.js';
import { ChartSet } from './chart-set.js';
import { dataQualitySection, footerLines } from './common-sections.js';
import {
  executiveSummarySection,
  findingsSection,
  insightsSection,
  recommendationsSection,
} from './findings-sections.js';
import { reportHtml } from './html.js';
import { marketReport } from './market-report.js';
import { profileReport } from './profile-report.js';
import type { DatasetReport, ReportChart, ReportDocument } from './report-document.js';
import { salesReport } from './sales-report.js';
import { renderSubject } from './subject.js';
import { reportText } from './text.js';
import { vitalsReport } from './vitals-report.js';

export interface RenderOptions {
  /** ISO time of rendering, printed in the footer; its date fills `{date}` in the subject. */
  readonly generatedAt: string;
  /** With `{dataset}`, `{headline}`, `{sentiment}`, `{date}`; see `SubjectTemplateSchema`. */
  readonly subjectTemplate: string;
}

export interface RenderedReport {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** In the order the HTML shows them; each referenced there as `cid:<cid>`. */
  readonly charts: readonly ReportChart[];
}

function datasetReport(stored: StoredAnalysis, charts: ChartSet): DatasetReport {
  const { analysis, narrative } = stored;
  switch (analysis.kind) {
    case 'market':
      return marketReport(analysis.market, stored.charts ?? {}, charts);
    case 'sales':
      return salesReport(analysis.sales, charts, narrative.sentiment);
    case 'vitals':
      return vitalsReport(analysis.vitals, charts, narrative.sentiment);
    case 'profile':
      return profileReport(analysis.profile, charts, narrative.sentiment);
  }
}

export function renderReport(stored: StoredAnalysis, options: RenderOptions): RenderedReport {
  const charts = new ChartSet();
  // Sections in reading order: what to know, what to do, what was found, what it means, then the tables.
  const findings = findingsSection(stored, charts);
  const report = datasetReport(stored, charts);
  const doc: ReportDocument = {
    title: report.title,
    dataset: stored.dataset,
    headline: stored.narrative.headline,
    badge: report.badge,
    lead: report.lead,
    sections: [
      executiveSummarySection(stored.narrative),
      recommendationsSection(stored),
      findings,
      insightsSection(stored.narrative),
      report.glance,
      ...report.details,
      dataQualitySection(stored),
    ],
    footer: footerLines(stored, options.generatedAt),
  };
  const subject = renderSubject(options.subjectTemplate, {
    dataset: stored.dataset,
    headline: stored.narrative.headline,
    sentiment: stored.narrative.sentiment,
    date: options.generatedAt.slice(0, 10),
  });
  return { subject, html: reportHtml(doc, subject), text: reportText(doc), charts: charts.charts };
}
