import { describe, expect, it } from 'vitest';
import { XSS_PAYLOADS } from '../../../test/helpers/analysis-fixtures.js';
import { plantedProfile } from '../../samples/planted/profile.js';
import { analyzeRows } from '../analyze/analysis.js';
import { analysisFindings } from '../analyze/findings/index.js';
import { writeOfflineNarrative } from '../analyze/offline-narrative.js';
import { type StoredAnalysis, StoredAnalysisSchema } from '../analyze/stored-analysis.js';
import type { AnalysisPlan } from '../datasets/analysis-plan.js';
import { renderReport } from './render.js';
import { DEFAULT_SUBJECT_TEMPLATE } from './subject.js';

const OPTIONS = { generatedAt: '2026-01-05T10:01:00.000Z', subjectTemplate: DEFAULT_SUBJECT_TEMPLATE };

/** A stored profile as the analyze stage builds it, checked against the stored schema. */
function storedProfile(rows: readonly unknown[], plan: AnalysisPlan): StoredAnalysis {
  const analysis = analyzeRows('custom-data', rows, plan);
  const found = analysisFindings(analysis, {
    name: 'inputs/custom.csv',
    ingest: { total: rows.length, rejected: 0, reasons: {} },
    fallbackAt: '2026-01-05T10:00:00.000Z',
  });
  const stored = {
    version: 1 as const,
    id: 'a'.repeat(64),
    correlationId: 'corr-1',
    dataset: 'custom-data',
    createdAt: '2026-01-05T10:00:00.000Z',
    input: { key: 'inputs/custom.csv', manifestKey: 'm', processedKey: 'p', rejectsKey: 'r' },
    ingest: { total: rows.length, valid: rows.length, rejected: 0, rejectPct: 0, reasons: {} },
    analysis,
    findings: [...found.findings],
    findingCounts: found.counts,
    findingsOmitted: found.omitted,
    narrative: writeOfflineNarrative(analysis, found.findings),
    analyst: {
      model: 'offline',
      attempts: 1,
      latencyMs: 0,
      usage: { inputTokens: 0, outputTokens: 0 },
      costUsd: 0,
    },
    totals: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  };
  StoredAnalysisSchema.parse(JSON.parse(JSON.stringify(stored)));
  return stored;
}

describe('the profile report', () => {
  it('tables every column with its figures, the time coverage, the gaps and the most extreme values', () => {
    const sample = plantedProfile({ seed: 4, rows: 1500 });
    const stored = storedProfile(sample.rows, sample.plan);
    const { text, html, charts } = renderReport(stored, OPTIONS);
    expect(text).toContain('DATA PROFILE');
    for (const heading of ['Numeric columns', 'Text, category and boolean columns', 'Date and time columns'])
      expect(text).toContain(heading);
    expect(text).toMatch(/amount \(number\) +0 +[\d,]+ +[\d.]+ +[\d.]+ +[\d.]+/);
    expect(text).toMatch(/note \(string\) +450 \(30\.0%\)/);
    expect(text).toContain('TIME COVERAGE');
    expect(text).toMatch(/Median step +15 min/);
    expect(text).toMatch(/Gaps +8 \(longer than 3 × the step\)/);
    expect(text).toContain('MOST EXTREME VALUES');
    expect(text).toContain('value outliers');
    // One histogram per numeric column, each described in words for clients that block images.
    expect(charts).toHaveLength(2);
    expect(charts[0]?.alt).toMatch(/^Histogram of amount: /);
    expect(html).toContain('cid:chart-1@sluice');
  });

  it('shows hostile column names and values as text, escaped, in the HTML and the chart SVGs', () => {
    const plan: AnalysisPlan = {
      kind: 'profile',
      columns: [
        { name: XSS_PAYLOADS.script, type: 'number' },
        { name: XSS_PAYLOADS.img, type: 'string' },
      ],
    };
    const rows = Array.from({ length: 30 }, (_, i) => ({
      [XSS_PAYLOADS.script]: i === 29 ? 10_000 : i,
      [XSS_PAYLOADS.img]: i % 2 === 0 ? XSS_PAYLOADS.js : `<b>${i % 3}</b>`,
    }));
    const { html, charts } = renderReport(storedProfile(rows, plan), OPTIONS);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; (number)');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; (string)');
    expect(html).toContain('&lt;b&gt;');
    for (const tag of html.match(/<[^>]*>/g) ?? []) {
      const markup = tag.replace(/"[^"]*"/g, '""');
      expect(markup).not.toMatch(/<script|<a\s|<b>|\son\w+=|javascript:/i);
    }
    const svgs = charts.map((c) => c.svg).join('');
    expect(svgs).toContain('&lt;script&gt;alert(1)&lt;/script&gt; · values per bin');
    for (const tag of svgs.match(/<[^>]*>/g) ?? []) expect(tag).not.toMatch(/<script|<img|\son\w+=/i);
    for (const chart of charts) expect(chart.filename).toMatch(/^chart-\d+(-[a-z0-9-]+)?\.png$/);
  });

  it('renders a profile without rows or a time column without NaN or undefined', () => {
    const plan: AnalysisPlan = { kind: 'profile', columns: [{ name: 'x', type: 'number' }] };
    for (const rows of [[], [{ x: null }], [{ x: 5 }]]) {
      const { html, text } = renderReport(storedProfile(rows, plan), OPTIONS);
      expect(html).not.toMatch(/NaN|undefined|Infinity/);
      expect(text).not.toMatch(/NaN|undefined|Infinity/);
    }
  });
});
