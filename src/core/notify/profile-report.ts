/**
 * The profile report, for a dataset of any columns: a table of the numeric,
 * the text and the date columns (nulls, distinct, quantiles or top values),
 * the time column's coverage and gaps, the most extreme values and a
 * histogram of the first numeric columns.
 */
import { SEVERITY_EDGES } from '../analyze/findings/finding.js';
import type { Narrative } from '../analyze/narrative.js';
import {
  type ColumnProfile,
  formatDuration,
  formatValue,
  GAP_FACTOR,
  type NumericProfile,
  type ProfileAnalysis,
  readableInstant,
  TIME_TYPES,
} from '../analyze/profile.js';
import type { ChartSet } from './chart-set.js';
import { barChart } from './charts.js';
import { sentimentTone } from './common-sections.js';
import { count, MISSING, pct, period, plural, shortName } from './format.js';
import { REPORT_LIMITS } from './limits.js';
import { type Block, type Cell, cell, type DatasetReport, type Section, TONE } from './report-document.js';

const value = (v: number | null | undefined): string =>
  typeof v === 'number' && Number.isFinite(v) ? formatValue(v) : MISSING;

const distinct = (c: ColumnProfile): string => `${c.distinctAtLeast ? '≥ ' : ''}${count(c.distinct)}`;

/** `12 (3.0%)`, red from the null-rate finding's threshold up. */
const nulls = (c: ColumnProfile): Cell =>
  c.nulls === 0
    ? cell('0')
    : cell(
        `${count(c.nulls)} (${pct(c.nullRate * 100)})`,
        c.nullRate * 100 >= SEVERITY_EDGES.null_rate.low ? TONE.negative : undefined,
      );

/** Table rows past the cap, said in one line. */
function capped(columns: readonly ColumnProfile[]): { shown: readonly ColumnProfile[]; more?: string } {
  const shown = columns.slice(0, REPORT_LIMITS.profileColumns);
  const hidden = columns.length - shown.length;
  return hidden > 0
    ? { shown, more: `…and ${plural(hidden, 'more column')} in the stored analysis.` }
    : { shown };
}

function numericTable(columns: readonly ColumnProfile[]): Block[] {
  if (columns.length === 0) return [];
  const { shown, more } = capped(columns);
  return [
    { kind: 'subheading', text: 'Numeric columns' },
    {
      kind: 'table',
      columns: [
        { label: 'Column' },
        { label: 'Nulls', numeric: true },
        { label: 'Distinct', numeric: true },
        { label: 'Min', numeric: true },
        { label: 'P25', numeric: true },
        { label: 'Median', numeric: true },
        { label: 'P75', numeric: true },
        { label: 'Max', numeric: true },
        { label: 'Mean', numeric: true },
        { label: 'Std dev', numeric: true },
        { label: 'Outliers (far)', numeric: true },
      ],
      rows: shown.map((c) => {
        const n = c.numeric;
        const o = n?.outliers;
        return [
          cell(`${shortName(c.name)} (${c.type})`),
          nulls(c),
          cell(distinct(c)),
          cell(value(n?.min)),
          cell(value(n?.p25)),
          cell(value(n?.p50)),
          cell(value(n?.p75)),
          cell(value(n?.max)),
          cell(value(n?.mean)),
          cell(value(n?.stddev)),
          o === null || o === undefined
            ? cell(MISSING)
            : cell(`${count(o.low + o.high)} (${count(o.far)})`, o.far > 0 ? TONE.negative : undefined),
        ];
      }),
      ...(more ? { more } : {}),
    },
  ];
}

function categoricalTable(columns: readonly ColumnProfile[]): Block[] {
  if (columns.length === 0) return [];
  const { shown, more } = capped(columns);
  return [
    { kind: 'subheading', text: 'Text, category and boolean columns' },
    {
      kind: 'table',
      columns: [
        { label: 'Column' },
        { label: 'Nulls', numeric: true },
        { label: 'Distinct', numeric: true },
        { label: 'Most common (share of values)' },
      ],
      rows: shown.map((c) => [
        cell(`${shortName(c.name)} (${c.type})`),
        nulls(c),
        cell(distinct(c)),
        cell(
          (c.top ?? []).length === 0
            ? MISSING
            : (c.top ?? [])
                .map((t) => `${shortName(t.value)} ${pct(c.values > 0 ? (t.count / c.values) * 100 : null)}`)
                .join(' · '),
        ),
      ]),
      ...(more ? { more } : {}),
    },
  ];
}

function timeTable(columns: readonly ColumnProfile[]): Block[] {
  if (columns.length === 0) return [];
  const { shown, more } = capped(columns);
  return [
    { kind: 'subheading', text: 'Date and time columns' },
    {
      kind: 'table',
      columns: [
        { label: 'Column' },
        { label: 'Nulls', numeric: true },
        { label: 'Distinct', numeric: true },
        { label: 'First' },
        { label: 'Last' },
      ],
      rows: shown.map((c) => [
        cell(`${shortName(c.name)} (${c.type})`),
        nulls(c),
        cell(distinct(c)),
        cell(c.range ? readableInstant(c.range.first) : MISSING),
        cell(c.range ? readableInstant(c.range.last) : MISSING),
      ]),
      ...(more ? { more } : {}),
    },
  ];
}

function columnsSection(p: ProfileAnalysis): Section {
  const numeric = p.columns.filter((c) => c.type === 'integer' || c.type === 'number');
  const times = p.columns.filter((c) => TIME_TYPES.has(c.type));
  const rest = p.columns.filter((c) => !numeric.includes(c) && !times.includes(c));
  const invalid = p.columns.filter((c) => c.invalid > 0);
  return {
    title: 'Columns',
    blocks: [
      ...numericTable(numeric),
      ...categoricalTable(rest),
      ...timeTable(times),
      ...(invalid.length > 0
        ? [
            {
              kind: 'paragraph' as const,
              text: `Values of another type than declared, left out of the figures: ${invalid
                .map((c) => `${shortName(c.name)} ${count(c.invalid)}`)
                .join(', ')}.`,
              tone: TONE.negative,
            },
          ]
        : []),
      {
        kind: 'paragraph',
        text: `Outliers: ${p.rules.outliers}. Distinct: ${p.rules.distinct}.`,
        tone: TONE.muted,
      },
    ],
  };
}

function timeSection(p: ProfileAnalysis): Section | null {
  const t = p.time;
  if (t === null) return null;
  const blocks: Block[] = [
    {
      kind: 'figures',
      figures: [
        { label: 'Time column', value: shortName(t.column) },
        { label: 'Median step', value: t.medianStepMs === null ? MISSING : formatDuration(t.medianStepMs) },
        { label: 'Coverage', value: pct(t.coveragePct), note: 'of instants at the median step' },
        { label: 'Rows with a time', value: count(t.points), note: `${count(t.instants)} distinct instants` },
        {
          label: 'Gaps',
          value: t.regular ? count(t.gapCount) : MISSING,
          note: t.regular
            ? `longer than ${GAP_FACTOR} × the step`
            : `irregular steps (${pct(t.regularPct)} near the median): not judged`,
          tone: t.regular && t.gapCount > 0 ? TONE.negative : TONE.plain,
        },
        { label: 'Period', value: period(readableInstant(t.first), readableInstant(t.last)) },
      ],
    },
  ];
  if (t.largestGaps.length > 0) {
    blocks.push({
      kind: 'table',
      columns: [
        { label: 'Gap from' },
        { label: 'To' },
        { label: 'Length', numeric: true },
        { label: 'Median steps', numeric: true },
      ],
      rows: t.largestGaps.map((g) => [
        cell(readableInstant(g.start)),
        cell(readableInstant(g.end)),
        cell(formatDuration(g.ms)),
        cell(g.steps.toFixed(1), t.regular ? TONE.negative : undefined),
      ]),
      ...(t.gapCount > t.largestGaps.length
        ? { more: `…and ${plural(t.gapCount - t.largestGaps.length, 'smaller gap')}.` }
        : {}),
    });
  }
  blocks.push({ kind: 'paragraph', text: `Gaps: ${p.rules.gaps}.`, tone: TONE.muted });
  return { title: 'Time coverage', blocks };
}

function extremesSection(p: ProfileAnalysis): Section | null {
  const all = p.columns
    .flatMap((c) => (c.numeric?.outliers?.extremes ?? []).map((e) => ({ c, e })))
    .sort((a, b) => b.e.iqrsPast - a.e.iqrsPast || a.e.row - b.e.row)
    .slice(0, REPORT_LIMITS.outliers);
  if (all.length === 0) return null;
  return {
    title: 'Most extreme values',
    blocks: [
      {
        kind: 'table',
        columns: [
          { label: 'Column' },
          { label: 'Row', numeric: true },
          { label: 'Value', numeric: true },
          { label: 'IQRs past fence', numeric: true },
          { label: 'At' },
        ],
        rows: all.map(({ c, e }) => [
          cell(shortName(c.name)),
          cell(count(e.row)),
          cell(value(e.value)),
          cell(
            `${e.iqrsPast.toFixed(1)} ${e.side === 'high' ? 'above' : 'below'}`,
            e.iqrsPast >= SEVERITY_EDGES.value_outlier.low ? TONE.negative : undefined,
          ),
          cell(e.at === null ? MISSING : readableInstant(e.at)),
        ]),
      },
      { kind: 'paragraph', text: p.rules.rows, tone: TONE.muted },
    ],
  };
}

const histogramBars = (n: NumericProfile) =>
  n.histogram.counts.map((c, i) => {
    const from = n.histogram.from + i * n.histogram.width;
    return {
      label:
        n.histogram.width === 0
          ? formatValue(from)
          : `${formatValue(from)} – ${formatValue(from + n.histogram.width)}`,
      value: c,
      valueLabel: count(c),
    };
  });

function histogramsSection(p: ProfileAnalysis, charts: ChartSet): Section | null {
  const drawn = p.columns.filter((c) => c.numeric !== null).slice(0, REPORT_LIMITS.profileHistograms);
  if (drawn.length === 0) return null;
  return {
    title: 'Distributions',
    blocks: drawn.map((c) => {
      const n = c.numeric as NumericProfile;
      const bars = histogramBars(n);
      const chart = charts.add(
        barChart({ title: `${shortName(c.name)} · values per bin`, bars }),
        `Histogram of ${shortName(c.name)}: ${bars.map((b) => `${b.label}: ${b.valueLabel}`).join(', ')}.`,
        `histogram-${c.name}`,
      );
      return {
        kind: 'chart' as const,
        chart,
        caption: `${shortName(c.name)}: ${count(c.values)} values in ${plural(n.histogram.counts.length, 'equal-width bin')} from min to max.`,
      };
    }),
  };
}

export function profileReport(
  p: ProfileAnalysis,
  charts: ChartSet,
  sentiment: Narrative['sentiment'],
): DatasetReport {
  const numeric = p.columns.filter((c) => c.numeric !== null).length;
  const withNulls = p.columns.filter((c) => c.nulls > 0).length;
  const far = p.columns.reduce((n, c) => n + (c.numeric?.outliers?.far ?? 0), 0);
  return {
    title: 'Data profile',
    badge: { text: sentiment, tone: sentimentTone(sentiment) },
    lead: `${plural(p.rows, 'row')} · ${plural(p.columns.length, 'column')}${p.start && p.end ? ` · ${period(readableInstant(p.start), readableInstant(p.end))}` : ''}`,
    glance: {
      title: 'At a glance',
      blocks: [
        {
          kind: 'figures',
          figures: [
            { label: 'Rows', value: count(p.rows) },
            { label: 'Columns', value: count(p.columns.length), note: `${count(numeric)} numeric` },
            {
              label: 'Period',
              value: p.start && p.end ? period(readableInstant(p.start), readableInstant(p.end)) : MISSING,
            },
            {
              label: 'Columns with nulls',
              value: count(withNulls),
              tone: withNulls > 0 ? TONE.warning : TONE.plain,
            },
            { label: 'Far outliers', value: count(far), tone: far > 0 ? TONE.negative : TONE.plain },
            {
              label: 'Time gaps',
              value: p.time?.regular ? count(p.time.gapCount) : MISSING,
              tone: p.time?.regular && p.time.gapCount > 0 ? TONE.negative : TONE.plain,
            },
          ],
        },
      ],
    },
    details: [
      columnsSection(p),
      ...[timeSection(p), extremesSection(p), histogramsSection(p, charts)].filter(
        (s): s is Section => s !== null,
      ),
    ],
  };
}
