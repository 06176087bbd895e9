/** The parts every report has, whatever the dataset: the narrative, the input's data quality, the footer. */
import type { Narrative } from '../analyze/narrative.js';
import type { StoredAnalysis } from '../analyze/stored-analysis.js';
import { count, pct, plural } from './format.js';
import { type Block, cell, type ReportDocument, type Section, TONE, type Tone } from './report-document.js';

export function dataQualitySection(stored: StoredAnalysis): Section {
  const { ingest, input } = stored;
  const reasons = Object.entries(ingest.reasons).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const blocks: Block[] = [
    {
      kind: 'figures',
      figures: [
        { label: 'Rows read', value: count(ingest.total) },
        { label: 'Valid', value: count(ingest.valid) },
        {
          label: 'Rejected',
          value: count(ingest.rejected),
          note: `${pct(ingest.rejectPct)} of rows`,
          tone: ingest.rejected > 0 ? TONE.negative : TONE.plain,
        },
      ],
    },
  ];
  if (reasons.length > 0) {
    blocks.push(
      {
        kind: 'table',
        columns: [
          { label: 'Reason code' },
          { label: 'Rows', numeric: true },
          { label: 'Share', numeric: true },
        ],
        rows: reasons.map(([code, n]) => [
          cell(code),
          cell(count(n)),
          cell(pct(ingest.rejected > 0 ? (n / ingest.rejected) * 100 : null)),
        ]),
      },
      {
        kind: 'paragraph',
        text: `Each rejected row is kept with its row number and reasons in ${input.rejectsKey}`,
        tone: TONE.muted,
      },
    );
  } else {
    blocks.push({ kind: 'paragraph', text: 'No row was rejected.', tone: TONE.muted });
  }
  return { title: 'Input and data quality', blocks };
}

export function footerLines(stored: StoredAnalysis, generatedAt: string): ReportDocument['footer'] {
  const { analyst } = stored;
  const fallback = analyst.fallback
    ? ` (fallback: ${analyst.fallback.code}, after ${analyst.fallback.model} failed)`
    : '';
  const tokens = stored.totals.inputTokens + stored.totals.outputTokens;
  const cost =
    tokens === 0
      ? ''
      : stored.totals.costUsd === null
        ? ', cost unknown'
        : `, $${stored.totals.costUsd.toFixed(6)}`;
  const dropped =
    analyst.grounding && analyst.grounding.dropped > 0
      ? `; ${plural(analyst.grounding.dropped, 'ungrounded item')} dropped`
      : '';
  return [
    { label: 'Correlation id', value: stored.correlationId },
    { label: 'Dataset', value: stored.dataset },
    { label: 'Input', value: stored.input.key },
    { label: 'Analyzed', value: stored.createdAt },
    { label: 'Generated', value: generatedAt },
    {
      label: 'Narrative',
      value:
        `${analyst.model}${fallback}` +
        (tokens > 0
          ? `, ${plural(tokens, 'token')} (${count(stored.totals.inputTokens)} in, ${count(stored.totals.outputTokens)} out)${cost}`
          : '') +
        dropped,
    },
  ];
}

/** A narrative's sentiment as a badge tone. */
export function sentimentTone(sentiment: Narrative['sentiment']): Tone {
  if (sentiment === 'bullish' || sentiment === 'positive') return TONE.positive;
  return sentiment === 'bearish' || sentiment === 'negative' ? TONE.negative : TONE.plain;
}
