/** The market report: sentiment and movers, one row and one price chart per symbol (capped), anomalies. */
import { ANOMALY_KINDS, emptyAnomalyCounts } from '../analyze/market/anomalies.js';
import type { Anomaly, AnomalyKind, MarketAnalysis, Mover, SymbolAnalysis } from '../analyze/market/index.js';
import type { ChartBar } from '../analyze/stored-analysis.js';
import type { ChartSet } from './chart-set.js';
import { CANDLESTICK_MAX_BARS, priceChart } from './charts.js';
import { sentimentTone } from './common-sections.js';
import { count, decimal, MISSING, pct, period, plural, price, shortName } from './format.js';
import { REPORT_LIMITS } from './limits.js';
import { type Block, cell, type DatasetReport, type Section, TONE, toneOf } from './report-document.js';

const total = (counts: Readonly<Record<AnomalyKind, number>>): number =>
  ANOMALY_KINDS.reduce((sum, kind) => sum + counts[kind], 0);

const mover = (m: Mover | undefined): string =>
  m === undefined ? MISSING : `${shortName(m.symbol)} ${pct(m.changePct, true)}`;

const kindCounts = (counts: Readonly<Record<AnomalyKind, number>>): string =>
  ANOMALY_KINDS.filter((k) => counts[k] > 0)
    .map((k) => `${k} ${count(counts[k])}`)
    .join(', ') || 'none';

/** Largest by traded value first: the symbols a reader most likely holds or watches. */
const byTradedValue = (symbols: readonly SymbolAnalysis[]): SymbolAnalysis[] =>
  [...symbols].sort((a, b) => b.tradedValue - a.tradedValue || (a.symbol < b.symbol ? -1 : 1));

function glance(m: MarketAnalysis): Section {
  const s = m.sentiment;
  const t = m.turbulence;
  return {
    title: 'At a glance',
    blocks: [
      {
        kind: 'figures',
        figures: [
          {
            label: 'Sentiment',
            value: s.label,
            tone: sentimentTone(s.label),
            note: `${count(s.advancing)} up, ${count(s.declining)} down, ${count(s.unchanged)} flat`,
          },
          {
            label: 'Mean change',
            value: pct(s.meanChangePct, true),
            tone: toneOf(s.meanChangePct),
            note: `median ${pct(s.medianChangePct, true)}`,
          },
          {
            label: 'Turbulence',
            value: t.level ?? MISSING,
            note: `mean volatility ${pct(t.meanAnnualizedVolatilityPct)}`,
          },
          { label: 'Top gainer', value: mover(m.topGainers[0]), tone: TONE.positive },
          { label: 'Top loser', value: mover(m.topLosers[0]), tone: TONE.negative },
          {
            label: 'Trends',
            value: `${count(m.trendCounts.up)} up, ${count(m.trendCounts.down)} down`,
            note: `${count(m.trendCounts.sideways)} sideways, ${count(m.trendCounts.none)} too short`,
          },
          { label: 'Symbols', value: count(m.symbolCount), note: plural(m.barCount, 'bar') },
          { label: 'Window', value: period(m.start, m.end) },
          { label: 'Anomalies', value: count(total(m.anomalyCounts)), note: kindCounts(m.anomalyCounts) },
        ],
      },
    ],
  };
}

function symbolsSection(ranked: readonly SymbolAnalysis[]): Section {
  const shown = ranked.slice(0, REPORT_LIMITS.marketTableRows);
  const hidden = ranked.length - shown.length;
  return {
    title: 'Symbols',
    blocks: [
      {
        kind: 'paragraph',
        text:
          'Largest by traded value (close × volume) first. Change is over the whole window; volatility is the ' +
          'annualized standard deviation of bar returns.',
        tone: TONE.muted,
      },
      {
        kind: 'table',
        columns: [
          { label: 'Symbol' },
          { label: 'Last close', numeric: true },
          { label: 'Change', numeric: true },
          { label: 'Trend' },
          { label: 'RSI(14)', numeric: true },
          { label: 'Volatility', numeric: true },
          { label: 'Anomalies', numeric: true },
        ],
        rows: shown.map((s) => [
          cell(shortName(s.symbol)),
          cell(price(s.lastClose)),
          cell(pct(s.changePct, true), toneOf(s.changePct)),
          cell(s.trend.direction ?? MISSING),
          cell(decimal(s.rsi14)),
          cell(pct(s.volatility.annualizedPct)),
          cell(count(total(s.anomalyCounts))),
        ]),
        ...(hidden > 0
          ? {
              more: `…and ${plural(hidden, 'more symbol')}, smaller by traded value, in the stored analysis.`,
            }
          : {}),
      },
    ],
  };
}

function chartsSection(
  ranked: readonly SymbolAnalysis[],
  bars: Readonly<Record<string, readonly ChartBar[]>>,
  charts: ChartSet,
): Section {
  const charted = ranked.slice(0, REPORT_LIMITS.marketCharts);
  const which =
    ranked.length > charted.length
      ? `The ${charted.length} largest of ${count(ranked.length)} symbols by traded value.`
      : 'Every symbol, largest by traded value first.';
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text:
        `${which} Candlesticks up to ${CANDLESTICK_MAX_BARS} bars, the close line beyond; a triangle marks ` +
        'the bar of each anomaly listed for the symbol, colored by kind.',
      tone: TONE.muted,
    },
  ];
  for (const s of charted) {
    // Own keys only: a symbol named "constructor" must not read Object.prototype's.
    const series = (Object.hasOwn(bars, s.symbol) ? bars[s.symbol] : undefined) ?? [];
    const markers = s.anomalies.map((a) => ({ t: a.datetime, kind: a.kind }));
    const first = series[0]?.t ?? null;
    const last = series[series.length - 1]?.t ?? null;
    const shown = new Set(series.map((b) => b.t));
    const what =
      `${plural(series.length, 'bar')} ${period(first, last)}, last close ${price(s.lastClose)} ` +
      `(${pct(s.changePct, true)} over the window); anomalies marked: ${markedKinds(s.anomalies, shown)}`;
    const chart = charts.add(
      priceChart({ title: `${shortName(s.symbol)} · price`, bars: series, markers }),
      `Price chart of ${shortName(s.symbol)}: ${what}.`,
      `price-${s.symbol}`,
    );
    blocks.push({ kind: 'chart', chart, caption: `${shortName(s.symbol)}: ${what}.` });
  }
  return { title: 'Price charts', blocks };
}

/** Counts by kind of the anomalies whose bar is on the chart. */
const markedKinds = (anomalies: readonly Anomaly[], shown: ReadonlySet<string>): string => {
  const counts = emptyAnomalyCounts();
  for (const a of anomalies) if (shown.has(a.datetime)) counts[a.kind]++;
  return kindCounts(counts);
};

function anomaliesSection(m: MarketAnalysis): Section {
  const listed = m.notableAnomalies.slice(0, REPORT_LIMITS.anomalies);
  const found = total(m.anomalyCounts);
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text:
        found === 0
          ? 'No anomaly was found.'
          : `${plural(found, 'anomaly', 'anomalies')} over all symbols and bars (${kindCounts(m.anomalyCounts)}); ` +
            `the ${listed.length} most important, probable splits first, then by how far past their rule:`,
      tone: TONE.muted,
    },
  ];
  if (listed.length > 0) {
    blocks.push({
      kind: 'list',
      items: listed.map((a) => ({
        lead: `${shortName(a.symbol)} · ${a.datetime} · ${a.kind}:`,
        text: a.explanation,
      })),
    });
  }
  return { title: 'Anomalies', blocks };
}

export function marketReport(
  market: MarketAnalysis,
  bars: Readonly<Record<string, readonly ChartBar[]>>,
  charts: ChartSet,
): DatasetReport {
  const ranked = byTradedValue(market.symbols);
  const label = market.sentiment.label;
  return {
    title: 'Market report',
    badge: { text: label, tone: sentimentTone(label) },
    lead: `Top gainer ${mover(market.topGainers[0])} · Top loser ${mover(market.topLosers[0])}`,
    glance: glance(market),
    details: [symbolsSection(ranked), chartsSection(ranked, bars, charts), anomaliesSection(market)],
  };
}
