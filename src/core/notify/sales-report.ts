/** The sales report: totals, brand/region/segment breakdowns, best sellers, price outliers, review keywords. */
import type { Narrative } from '../analyze/narrative.js';
import type { GroupTotals, ModelTotals, SalesAnalysis } from '../analyze/sales.js';
import type { ChartSet } from './chart-set.js';
import { barChart } from './charts.js';
import { sentimentTone } from './common-sections.js';
import { count, MISSING, money, pct, period, plural, shortName } from './format.js';
import { REPORT_LIMITS } from './limits.js';
import { type Block, type Cell, cell, type DatasetReport, type Section, TONE } from './report-document.js';

function groupTable(groups: readonly GroupTotals[], keyLabel: string, noun: string): Block {
  const shown = groups.slice(0, REPORT_LIMITS.groupRows);
  const hidden = groups.length - shown.length;
  return {
    kind: 'table',
    columns: [
      { label: keyLabel },
      { label: 'Orders', numeric: true },
      { label: 'Revenue', numeric: true },
      { label: 'Share', numeric: true },
      { label: 'Mean price', numeric: true },
    ],
    rows: shown.map((g) => [
      cell(shortName(g.key)),
      cell(count(g.orders)),
      cell(money(g.revenue)),
      cell(pct(g.revenueSharePct)),
      cell(money(g.meanPrice)),
    ]),
    ...(hidden > 0 ? { more: `…and ${plural(hidden, `more ${noun}`)} with less revenue.` } : {}),
  };
}

const sellerRow = (m: ModelTotals): Cell[] => [
  cell(shortName(m.model)),
  cell(shortName(m.brand)),
  cell(count(m.orders)),
  cell(money(m.revenue)),
];

const sellerColumns = [
  { label: 'Model' },
  { label: 'Brand' },
  { label: 'Orders', numeric: true },
  { label: 'Revenue', numeric: true },
] as const;

/** A bar chart of groups by revenue or orders; the caption quotes the largest shares. */
function groupChart(
  charts: ChartSet,
  title: string,
  about: string,
  groups: readonly GroupTotals[],
  by: 'revenue' | 'orders',
): Block {
  const shown = groups.slice(0, REPORT_LIMITS.chartBars);
  const value = (g: GroupTotals) => (by === 'revenue' ? money(g.revenue) : count(g.orders));
  const share = (g: GroupTotals) => pct(by === 'revenue' ? g.revenueSharePct : g.ordersSharePct);
  const hidden = groups.length - shown.length;
  const chart = charts.add(
    barChart({ title, bars: shown.map((g) => ({ label: g.key, value: g[by], valueLabel: value(g) })) }),
    `${title}: ${shown.map((g) => `${shortName(g.key)} ${value(g)}`).join(', ')}` +
      `${hidden > 0 ? ` and ${count(hidden)} more` : ''}.`,
    about,
  );
  const leaders = shown.slice(0, 3).map((g) => `${shortName(g.key)} ${share(g)}`);
  return {
    kind: 'chart',
    chart,
    caption:
      `${title}: ${leaders.join(', ')} of ${by}` +
      `${hidden > 0 ? `; the ${shown.length} largest of ${count(groups.length)} are drawn` : ''}.`,
  };
}

const chartsSection = (sales: SalesAnalysis, charts: ChartSet): Section => ({
  title: 'Revenue and orders',
  blocks: [
    groupChart(charts, 'Revenue by brand', 'revenue-by-brand', sales.byBrand, 'revenue'),
    groupChart(charts, 'Orders by price segment', 'orders-by-segment', sales.bySegment, 'orders'),
    groupChart(charts, 'Revenue by region', 'revenue-by-region', sales.byRegion, 'revenue'),
  ],
});

function outliersSection(sales: SalesAnalysis): Section {
  const listed = sales.outliers.slice(0, REPORT_LIMITS.outliers);
  const blocks: Block[] = [
    { kind: 'paragraph', text: `An outlier is ${sales.rules.outliers}.`, tone: TONE.muted },
  ];
  if (listed.length === 0) {
    blocks.push({ kind: 'paragraph', text: 'No price outlier was found.' });
  } else {
    blocks.push({
      kind: 'table',
      columns: [
        { label: 'Order' },
        { label: 'Brand' },
        { label: 'Model' },
        { label: 'Price', numeric: true },
        { label: 'Fence', numeric: true },
      ],
      rows: listed.map((o) => [
        cell(shortName(o.orderId)),
        cell(shortName(o.brand)),
        cell(shortName(o.model)),
        cell(money(o.price)),
        cell(
          `${o.direction === 'high' ? 'above' : 'below'} ${money(o.direction === 'high' ? o.highFence : o.lowFence)}`,
        ),
      ]),
      ...(sales.outlierCount > listed.length
        ? {
            more: `${plural(sales.outlierCount, 'outlier')} found; the ${listed.length} farthest from their fence are listed.`,
          }
        : {}),
    });
  }
  return { title: 'Price outliers', blocks };
}

export function salesReport(
  sales: SalesAnalysis,
  charts: ChartSet,
  sentiment: Narrative['sentiment'],
): DatasetReport {
  const top = sales.byBrand[0];
  const d = sales.priceDistribution;
  return {
    title: 'Sales report',
    badge: { text: sentiment, tone: sentimentTone(sentiment) },
    lead:
      `${plural(sales.orders, 'order')} · revenue ${money(sales.revenue)}` +
      (top ? ` · top brand ${shortName(top.key)} (${pct(top.revenueSharePct)} of revenue)` : ''),
    glance: {
      title: 'At a glance',
      blocks: [
        {
          kind: 'figures',
          figures: [
            { label: 'Orders', value: count(sales.orders) },
            { label: 'Revenue', value: money(sales.revenue) },
            { label: 'Mean price', value: money(sales.meanPrice) },
            {
              label: 'Median price',
              value: money(d?.median),
              note: d ? `middle half ${money(d.q1)}–${money(d.q3)}` : undefined,
            },
            { label: 'Price range', value: d ? `${money(d.min)}–${money(d.max)}` : MISSING },
            { label: 'Period', value: period(sales.start, sales.end) },
            {
              label: 'Brands',
              value: count(sales.byBrand.length),
              note: top ? `led by ${shortName(top.key)}` : undefined,
            },
            { label: 'Models', value: count(sales.modelCount) },
            {
              label: 'Price outliers',
              value: count(sales.outlierCount),
              tone: sales.outlierCount > 0 ? TONE.negative : TONE.plain,
            },
          ],
        },
      ],
    },
    details: [
      chartsSection(sales, charts),
      { title: 'By brand', blocks: [groupTable(sales.byBrand, 'Brand', 'brand')] },
      { title: 'By region', blocks: [groupTable(sales.byRegion, 'Region', 'region')] },
      {
        title: 'By price segment',
        blocks: [
          { kind: 'paragraph', text: sales.rules.segments, tone: TONE.muted },
          groupTable(sales.bySegment, 'Segment', 'segment'),
        ],
      },
      {
        title: 'Top sellers',
        blocks: [
          { kind: 'subheading', text: 'By units' },
          { kind: 'table', columns: sellerColumns, rows: sales.topModelsByUnits.map(sellerRow) },
          { kind: 'subheading', text: 'By revenue' },
          { kind: 'table', columns: sellerColumns, rows: sales.topModelsByRevenue.map(sellerRow) },
        ],
      },
      outliersSection(sales),
      {
        title: 'What reviews mention',
        blocks: [
          {
            kind: 'paragraph',
            text:
              sales.reviewKeywords.length > 0
                ? sales.reviewKeywords.map((k) => `${shortName(k.word)} (${count(k.count)})`).join(' · ')
                : 'No review text.',
          },
          { kind: 'paragraph', text: `Counted as ${sales.rules.keywords}.`, tone: TONE.muted },
        ],
      },
    ],
  };
}
