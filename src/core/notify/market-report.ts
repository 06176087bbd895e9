/** The market report: sentiment and movers, one row and one price chart per symbol (capped), anomalies. */
import type { Finding, FindingKind } from '../analyze/findings/finding.js';
import type { AnomalyKind, MarketAnalysis, Mover, SymbolAnalysis } from '../analyze/market/index.js';
import type { ChartBar } from '../analyze/stored-analysis.js';
import type { ChartSet } from './chart-set.js';
import { CANDLESTICK_MAX_BARS, priceChart } from './charts.js';
import { sentimentTone } from './common-sections.js';
import { count, decimal, MISSING, pct, period, plural, price, shortName } from './format.js';
import { REPORT_LIMITS } from './limits.js';
import { type Block, cell, type DatasetReport, type Section, TONE, toneOf } from './report-document.js';

/** Findings a reader should look at: the ones above info. */
const notable = (s: SymbolAnalysis): Finding[] => s.findings.filter((f) => f.severity !== 'info');

/** The bar-event findings a price chart can mark (a missing bar has no bar to mark). */
const MARKER_OF: Readonly<Partial<Record<FindingKind, AnomalyKind>>> = {
  volume_spike: 'volume',
  large_move: 'move',
  price_gap: 'gap',
  split: 'split',
};

const mover = (m: Mover | undefined): string =>
  m === undefined ? MISSING : `${shortName(m.symbol)} ${pct(m.changePct, true)}`;

const kindCounts = (findings: readonly Finding[]): string => {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k.replace('_', ' ')} ${count(n)}`).join(', ') || 'none';
};

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
          {
            label: 'Findings',
            value: count(m.symbols.reduce((n, s) => n + notable(s).length, 0)),
            note: `above info: ${kindCounts(m.symbols.flatMap(notable))}`,
          },
        ],
      },
    ],
  };
}

/** One line per symbol that went without some analytics (no volume), so no gap is silent. */
function skippedNote(ranked: readonly SymbolAnalysis[]): Block[] {
  const skipped = ranked.filter((s) => s.skipped !== undefined && s.skipped.length > 0);
  if (skipped.length === 0) return [];
  return [
    {
      kind: 'paragraph',
      text: skipped.map((s) => `${shortName(s.symbol)}: ${(s.skipped ?? []).join('; ')}.`).join(' '),
      tone: TONE.muted,
    },
  ];
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
          { label: 'Findings', numeric: true },
        ],
        rows: shown.map((s) => [
          cell(shortName(s.symbol)),
          cell(price(s.lastClose)),
          cell(pct(s.changePct, true), toneOf(s.changePct)),
          cell(s.trend.direction ?? MISSING),
          cell(decimal(s.rsi14)),
          cell(pct(s.volatility.annualizedPct)),
          cell(count(notable(s).length)),
        ]),
        ...(hidden > 0
          ? {
              more: `…and ${plural(hidden, 'more symbol')}, smaller by traded value, in the stored analysis.`,
            }
          : {}),
      },
      ...skippedNote(ranked),
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
        'the bar of each finding above info (the Findings column of the table), colored by kind.',
      tone: TONE.muted,
    },
  ];
  for (const s of charted) {
    // Own keys only: a symbol named "constructor" must not read Object.prototype's.
    const series = (Object.hasOwn(bars, s.symbol) ? bars[s.symbol] : undefined) ?? [];
    const shown = new Set(series.map((b) => b.t));
    const found = notable(s);
    const markers = found.flatMap((f) => {
      const kind = MARKER_OF[f.kind];
      return kind !== undefined && shown.has(f.at) ? [{ t: f.at, kind }] : [];
    });
    const first = series[0]?.t ?? null;
    const last = series[series.length - 1]?.t ?? null;
    const unmarked = found.length - markers.length;
    const what =
      `${plural(series.length, 'bar')} ${period(first, last)}, last close ${price(s.lastClose)} ` +
      `(${pct(s.changePct, true)} over the window); ${plural(markers.length, 'finding')} marked` +
      (unmarked > 0 ? `, ${count(unmarked)} more off the chart or without a bar (missing bars)` : '');
    const chart = charts.add(
      priceChart({ title: `${shortName(s.symbol)} · price`, bars: series, markers }),
      `Price chart of ${shortName(s.symbol)}: ${what}.`,
      `price-${s.symbol}`,
    );
    blocks.push({ kind: 'chart', chart, caption: `${shortName(s.symbol)}: ${what}.` });
  }
  return { title: 'Price charts', blocks };
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
    details: [symbolsSection(ranked), chartsSection(ranked, bars, charts)],
  };
}
