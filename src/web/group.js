/** One symbol, brand, user or profiled column of a run, with its charts and tables. */
import { lineChart, marketChart, salesChart } from './charts.js';
import { el, replace, route } from './dom.js';
import * as fmt from './format.js';

const dayFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
const minuteFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** Daily bars sit at midnight UTC, where a clock time would only mislead. */
function chartDate(seconds) {
  const date = new Date(seconds * 1000);
  return seconds % 86_400 === 0 ? dayFormat.format(date) : `${minuteFormat.format(date)} UTC`;
}

/**
 * @param {string[]} headings
 * @param {unknown[][]} rows
 * @param {{testid?: string, numeric?: number[]}} [options] `numeric`: columns aligned as figures
 */
function table(headings, rows, { testid, numeric = [] } = {}) {
  const align = (i) => (numeric.includes(i) ? 'num' : null);
  return el('table', { 'data-testid': testid }, [
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headings.map((h, i) => el('th', { scope: 'col', class: align(i) }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((cells) =>
        el(
          'tr',
          {},
          cells.map((c, i) => el('td', { class: align(i) }, c)),
        ),
      ),
    ),
  ]);
}

function chartBox(label) {
  return el('div', { class: 'chart', role: 'img', 'aria-label': label, 'data-testid': 'chart' });
}

/** @param {any} view @param {(chart: {remove(): void}) => void} keep */
function market(view, keep) {
  const box = chartBox(`Daily candles of ${view.symbol} with volume, SMA and Bollinger bands`);
  const legend = el('p', { class: 'legend muted' }, [
    `Candles and volume; SMA ${view.sma.period} in orange; Bollinger ${view.bollinger.period}, `,
    `${view.bollinger.stdDev}σ in blue; anomalies marked with arrows.`,
  ]);
  const anomalies =
    view.anomalies.length === 0
      ? el('p', { class: 'muted' }, 'No anomaly found.')
      : table(
          ['Date', 'Kind', 'What'],
          view.anomalies.map((a) => [chartDate(a.time), a.kind, a.text]),
          { testid: 'anomalies' },
        );
  const last = view.bars.reduce((a, b) => (a && a.time > b.time ? a : b), null);
  return {
    nodes: [
      el(
        'p',
        {},
        `${fmt.count(view.bars.length)} bars`,
        last ? `, last close ${fmt.number(last.close)}` : '',
      ),
      box,
      legend,
      el('h3', {}, `Anomalies (${view.anomalies.length})`),
      anomalies,
    ],
    draw: () => keep(marketChart(box, view)),
  };
}

const totalsTable = (title, rows) => [
  el('h3', {}, title),
  table(
    ['Key', 'Orders', 'Revenue'],
    rows.map((r) => [r.key, fmt.count(r.orders), fmt.number(r.revenue)]),
    { numeric: [1, 2] },
  ),
];

/** @param {any} view @param {(chart: {remove(): void}) => void} keep */
function sales(view, keep) {
  const box = chartBox(`Daily revenue and orders of ${view.brand}`);
  return {
    nodes: [
      el('p', { class: 'legend muted' }, 'Revenue per day (line, top) and orders per day (bars, bottom).'),
      box,
      el('div', { class: 'tables' }, [
        el('div', {}, totalsTable('By model', view.byModel)),
        el('div', {}, totalsTable('By region', view.byRegion)),
        el('div', {}, totalsTable('By segment', view.bySegment)),
      ]),
    ],
    draw: () => keep(salesChart(box, view)),
  };
}

/** @param {any} view @param {(chart: {remove(): void}) => void} keep */
function vitals(view, keep) {
  const measures = Object.keys(view.series);
  const box = chartBox(`Readings of ${view.userId}`);
  let chart = null;
  const show = (measure) => {
    chart?.remove();
    chart = lineChart(box, view.series[measure] ?? [], measure);
  };
  const select = el(
    'select',
    { id: 'measure', 'data-testid': 'measure-select' },
    measures.map((m) => el('option', { value: m }, m)),
  );
  select.addEventListener('change', () => show(select.value));
  const bands = Object.entries(view.bands).map(([measure, band]) => [
    measure,
    band.rule,
    fmt.count(band.outside),
  ]);
  return {
    nodes: [
      el('p', {}, el('label', { for: 'measure' }, 'Measure '), select),
      box,
      el('h3', {}, 'Comfort bands'),
      bands.length === 0
        ? el('p', { class: 'muted' }, 'No banded measure.')
        : table(['Measure', 'Rule', 'Readings outside'], bands, { testid: 'bands', numeric: [2] }),
    ],
    draw: () => {
      if (measures.length === 0) return;
      show(select.value);
      keep({
        remove() {
          chart?.remove();
          chart = null;
        },
      });
    },
  };
}

/** @param {any} view a profile view @param {string} runId */
function columnTable(view, runId) {
  const rows = view.columns.map((c) => [
    c.name === view.column
      ? el('strong', {}, c.name)
      : el('a', { href: route('runs', runId, 'groups', c.name), 'data-testid': 'column-link' }, c.name),
    c.type,
    `${fmt.count(c.nulls)} (${fmt.percent(c.nullRate * 100)})`,
    `${c.distinctAtLeast ? '≥ ' : ''}${fmt.count(c.distinct)}`,
    fmt.number(c.min),
    fmt.number(c.median),
    fmt.number(c.max),
    fmt.number(c.mean),
    c.outliers ? `${fmt.count(c.outliers.outside)} (${fmt.count(c.outliers.far)})` : fmt.DASH,
    c.top ? `${c.top.value} (${fmt.count(c.top.count)})` : c.first ? `${c.first} to ${c.last}` : fmt.DASH,
  ]);
  return table(
    [
      'Column',
      'Type',
      'Nulls',
      'Distinct',
      'Min',
      'Median',
      'Max',
      'Mean',
      'Outliers (far)',
      'Most common / range',
    ],
    rows,
    { testid: 'profile-columns', numeric: [2, 3, 4, 5, 6, 7, 8] },
  );
}

/** @param {any} view @param {(chart: {remove(): void}) => void} _keep @param {string} runId */
function profile(view, _keep, runId) {
  const q = view.quantiles;
  const t = view.time;
  return {
    nodes: [
      el('p', {}, `${fmt.count(view.rows)} rows, ${fmt.count(view.columns.length)} columns.`),
      t
        ? el(
            'p',
            { 'data-testid': 'profile-time' },
            `${t.column} from ${t.first} to ${t.last}, median step ${fmt.duration(t.medianStepMs)}, ` +
              `coverage ${fmt.percent(t.coveragePct)}, ` +
              (t.regular ? `${fmt.count(t.gapCount)} gaps.` : 'irregular steps: gaps not judged.'),
          )
        : null,
      q
        ? table(
            ['P25', 'Median', 'P75', 'Std dev'],
            [[fmt.number(q.p25), fmt.number(q.p50), fmt.number(q.p75), fmt.number(q.stddev)]],
            { testid: 'profile-quantiles', numeric: [0, 1, 2, 3] },
          )
        : null,
      view.topValues.length > 0
        ? [
            el('h3', {}, 'Most common values'),
            table(
              ['Value', 'Rows'],
              view.topValues.map((v) => [v.value, fmt.count(v.count)]),
              { testid: 'profile-top', numeric: [1] },
            ),
          ]
        : null,
      view.extremes.length > 0
        ? [
            el('h3', {}, 'Most extreme values'),
            table(
              ['Row', 'Value', 'IQRs past the fence', 'At'],
              view.extremes.map((e) => [
                fmt.count(e.row),
                fmt.number(e.value),
                fmt.number(e.iqrsPast),
                e.at ?? fmt.DASH,
              ]),
              { testid: 'profile-extremes', numeric: [0, 1, 2] },
            ),
          ]
        : null,
      el('h3', {}, 'All columns'),
      columnTable(view, runId),
    ],
    draw: () => {},
  };
}

const VIEWS = { market, sales, vitals, profile };
const NAME_OF = {
  market: (v) => v.symbol,
  sales: (v) => v.brand,
  vitals: (v) => v.userId,
  profile: (v) => v.column,
};

/**
 * Fills `target` with the group view and draws its charts once they are in the
 * page (the chart sizes itself from its container).
 * @param {HTMLElement} target
 * @param {string} runId
 * @param {any} view a `GroupView`
 * @param {(chart: {remove(): void}) => void} keep receives every chart drawn
 */
export function renderGroupView(target, runId, view, keep) {
  const build = VIEWS[view.kind];
  if (!build) throw new Error(`unknown view kind ${String(view.kind)}`);
  const { nodes, draw } = build(view, keep, runId);
  replace(
    target,
    el('article', { class: 'group', 'data-testid': 'group-view', dataset: { kind: view.kind } }, [
      el(
        'nav',
        { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        el('a', { href: '#/' }, 'All runs'),
        ' / ',
        el('a', { href: route('runs', runId), 'data-testid': 'back-to-run' }, `Run ${fmt.shortId(runId)}`),
      ),
      el('h2', { 'data-testid': 'group-name' }, NAME_OF[view.kind](view)),
      el('section', { class: 'panel' }, nodes),
    ]),
  );
  draw();
}
