/**
 * The offline analyst's prose: plain sentences built from the computed
 * figures, the same every time for the same analysis. It is the default
 * narrative without an LLM and the fallback when the LLM cannot deliver, so
 * it must satisfy `NarrativeSchema` for every analysis, empty ones included.
 */
import type { DatasetAnalysis } from './analysis.js';
import { clip, describeAnomaly, head } from './facts.js';
import { formatCount, formatMoney, formatPct, formatPrice } from './market/format.js';
import { ANOMALY_KIND, type AnomalyKind, type MarketAnalysis, type SymbolAnalysis } from './market/index.js';
import type { Narrative } from './narrative.js';
import type { GroupTotals, SalesAnalysis } from './sales.js';
import { BANDED_MEASURES, type BandedMeasure, type Measure, type VitalsAnalysis } from './vitals.js';

const LIMITS = { headline: 160, summary: 1500, item: 300, items: 8 } as const;

/** Cuts at a word boundary with an ellipsis, so a long name can never break the schema. */
function fitLength(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = head(clean, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

function narrative(
  headline: string,
  summary: readonly string[],
  highlights: readonly string[],
  concerns: readonly string[],
  sentiment: Narrative['sentiment'],
): Narrative {
  const items = (list: readonly string[]) =>
    list
      .map((s) => fitLength(s, LIMITS.item))
      .filter((s) => s.length > 0)
      .slice(0, LIMITS.items);
  const kept = items(highlights);
  return {
    headline: fitLength(headline, LIMITS.headline),
    summary: fitLength(summary.join(' '), LIMITS.summary),
    highlights: kept.length > 0 ? kept : ['No figure stands out.'],
    concerns: items(concerns),
    sentiment,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
const signedPct = (v: number) => formatPct(v, true);
const period = (start: string | null, end: string | null) =>
  start === null || end === null ? '' : start === end ? ` on ${start}` : ` from ${start} to ${end}`;

export function writeOfflineNarrative(analysis: DatasetAnalysis): Narrative {
  switch (analysis.kind) {
    case 'market':
      return marketNarrative(analysis.market);
    case 'sales':
      return salesNarrative(analysis.sales);
    case 'vitals':
      return vitalsNarrative(analysis.vitals);
  }
}

const ANOMALY_WORDS: Readonly<Record<AnomalyKind, [string, string]>> = {
  split: ['probable split', 'probable splits'],
  move: ['big move', 'big moves'],
  gap: ['gap', 'gaps'],
  volume: ['volume spike', 'volume spikes'],
  band: ['close outside its Bollinger band', 'closes outside their Bollinger bands'],
};

function anomalyTally(counts: Readonly<Record<AnomalyKind, number>>): string | null {
  const parts = Object.values(ANOMALY_KIND)
    .filter((k) => counts[k] > 0)
    .map((k) => plural(counts[k], ...ANOMALY_WORDS[k]));
  return parts.length === 0 ? null : `Anomalies found: ${parts.join(', ')}.`;
}

function symbolSentence(s: SymbolAnalysis): string {
  const parts: string[] = [`${clip(s.symbol)} last closed at ${formatPrice(s.lastClose)}`];
  if (s.trend.direction !== null) parts.push(`trend ${s.trend.direction}`);
  if (s.rsi14 !== null) parts.push(`RSI(14) ${s.rsi14.toFixed(1)}`);
  if (s.volatility.annualizedPct !== null)
    parts.push(`annualized volatility ${formatPct(s.volatility.annualizedPct)}`);
  if (s.maxDrawdown !== null && s.maxDrawdown.pct > 0) {
    parts.push(
      `max drawdown ${formatPct(s.maxDrawdown.pct)} (${s.maxDrawdown.peak} to ${s.maxDrawdown.trough})`,
    );
  }
  return `${parts.join(', ')}.`;
}

const capitalized = (word: string) => `${word.slice(0, 1).toUpperCase()}${word.slice(1)}`;

function turbulenceSentence(m: MarketAnalysis): string | null {
  const t = m.turbulence;
  if (t.level === null || t.meanAnnualizedVolatilityPct === null) return null;
  const recent =
    m.symbolCount === 1
      ? `${t.symbolsWithRecentAnomalies > 0 ? 'a' : 'no'} big move, gap or split in the last 20 bars`
      : `${formatPct(t.recentAnomalySharePct ?? 0)} of symbols had a big move, gap or split in their last 20 bars`;
  const volatility =
    m.symbolCount === 1
      ? `annualized volatility ${formatPct(t.meanAnnualizedVolatilityPct)}`
      : `annualized volatility averages ${formatPct(t.meanAnnualizedVolatilityPct)}`;
  return `Turbulence is ${t.level}: ${volatility}, and ${recent}.`;
}

/** The oscillators of one symbol, for a report on a single symbol; null when it is too short for any. */
function indicatorSentence(s: SymbolAnalysis): string | null {
  const parts: string[] = [];
  const { macd, bollinger } = s;
  if (macd.histogram !== null && macd.macd !== null && macd.signal !== null) {
    parts.push(
      `MACD ${macd.macd.toPrecision(3)} against a signal of ${macd.signal.toPrecision(3)} (histogram ${macd.histogram.toPrecision(3)})`,
    );
  }
  if (bollinger.percentB !== null)
    parts.push(`close at ${bollinger.percentB.toFixed(2)} of its Bollinger band width (%B)`);
  if (s.atr14 !== null && s.atr14Pct !== null)
    parts.push(`ATR(14) ${formatPrice(s.atr14)} (${formatPct(s.atr14Pct)} of the close)`);
  if (s.momentum5Pct !== null) parts.push(`5-bar momentum ${signedPct(s.momentum5Pct)}`);
  return parts.length === 0 ? null : `${capitalized(parts.join('; '))}.`;
}

function marketSummary(m: MarketAnalysis): string[] {
  const s = m.sentiment;
  const summary = [
    `Across ${plural(m.symbolCount, 'symbol')} and ${plural(m.barCount, 'bar')}${period(m.start, m.end)}, ` +
      `${formatCount(s.advancing)} rose, ${formatCount(s.declining)} fell and ${formatCount(s.unchanged)} were unchanged` +
      (s.meanChangePct === null || s.medianChangePct === null
        ? '.'
        : `; the mean change was ${signedPct(s.meanChangePct)} and the median ${signedPct(s.medianChangePct)}.`),
    `By the sentiment rule that reads as ${s.label}.`,
  ];
  const turbulence = turbulenceSentence(m);
  if (turbulence !== null) summary.push(turbulence);
  const { up, down, sideways, none } = m.trendCounts;
  if (none < m.symbolCount) {
    summary.push(
      `Trends: ${formatCount(up)} up, ${formatCount(down)} down, ${formatCount(sideways)} sideways.`,
    );
  }
  return summary;
}

function symbolSummary(only: SymbolAnalysis, m: MarketAnalysis): string[] {
  const change =
    only.changePct === null
      ? `${clip(only.symbol)} has ${plural(only.bars, 'bar')}${period(m.start, m.end)}, too few or too close to zero for a change.`
      : `${clip(only.symbol)} went from ${formatPrice(only.firstClose)} to ${formatPrice(only.lastClose)} ` +
        `(${signedPct(only.changePct)}) over ${plural(only.bars, 'bar')}${period(m.start, m.end)}, ` +
        `which the sentiment rule reads as ${m.sentiment.label}.`;
  const summary = [change];
  const turbulence = turbulenceSentence(m);
  if (turbulence !== null) summary.push(turbulence);
  if (only.trend.direction !== null)
    summary.push(`Its trend is ${only.trend.direction} by the SMA20/SMA50 rule.`);
  return summary;
}

function marketNarrative(m: MarketAnalysis): Narrative {
  const skipped =
    m.skippedRows > 0 ? [`${plural(m.skippedRows, 'row was', 'rows were')} left out as implausible.`] : [];
  if (m.symbolCount === 0) {
    return narrative(
      'No market bars to analyze',
      ['The input held no usable bars, so there are no market figures to report.'],
      ['0 symbols and 0 bars were analyzed.'],
      skipped,
      'neutral',
    );
  }
  const s = m.sentiment;
  const only = m.symbols.length === 1 ? (m.symbols[0] as SymbolAnalysis) : null;
  const headline =
    only === null
      ? `${capitalized(s.label)} market: ${formatCount(s.advancing)} of ${formatCount(m.symbolCount)} symbols rose` +
        (s.meanChangePct === null ? '' : `, mean change ${signedPct(s.meanChangePct)}`)
      : only.changePct === null
        ? `${clip(only.symbol)}: ${plural(only.bars, 'bar')}, no change to report`
        : `${clip(only.symbol)} ${only.changePct >= 0 ? 'rose' : 'fell'} ${formatPct(Math.abs(only.changePct))} over ${plural(only.bars, 'bar')}`;
  const summary = only === null ? marketSummary(m) : symbolSummary(only, m);
  const highlights: string[] = [];
  const movers = (list: MarketAnalysis['topGainers']) =>
    list.map((x) => `${clip(x.symbol)} ${signedPct(x.changePct)}`).join(', ');
  if (only !== null) {
    highlights.push(symbolSentence(only));
    const indicators = indicatorSentence(only);
    if (indicators !== null) highlights.push(indicators);
  }
  if (only === null && m.topGainers.length > 0) highlights.push(`Top gainers: ${movers(m.topGainers)}.`);
  if (only === null && m.topLosers.length > 0) highlights.push(`Top losers: ${movers(m.topLosers)}.`);
  if (only === null) {
    const largest = [...m.symbols].sort((a, b) => b.tradedValue - a.tradedValue)[0] as SymbolAnalysis;
    highlights.push(`Largest by traded value: ${symbolSentence(largest)}`);
  }
  const [best] = m.correlation.pairs;
  if (best !== undefined) {
    highlights.push(
      `Most correlated pair among the ${formatCount(m.correlation.symbols.length)} largest symbols: ` +
        `${clip(best.a)} and ${clip(best.b)} (r = ${best.r.toFixed(2)}).`,
    );
  }
  const tally = anomalyTally(m.anomalyCounts);
  if (tally !== null) highlights.push(tally);

  const concerns = [
    ...m.notableAnomalies
      .slice(0, 4)
      .map((a) => `${clip(a.symbol)} on ${a.datetime}: ${describeAnomaly(a)}.`),
    ...skipped,
  ];
  const rsi = m.symbols.map((x) => x.rsi14).filter((r): r is number => r !== null);
  const extremes = [
    [rsi.filter((r) => r > 70).length, 'above 70 (overbought)'],
    [rsi.filter((r) => r < 30).length, 'below 30 (oversold)'],
  ] as const;
  const rsiParts = extremes.filter(([n]) => n > 0).map(([n, what]) => `${what} for ${plural(n, 'symbol')}`);
  if (rsiParts.length > 0) concerns.push(`RSI(14) is ${rsiParts.join(' and ')}.`);
  return narrative(headline, summary, highlights, concerns, s.label);
}

const share = (g: GroupTotals) => `${clip(g.key)} (${formatPct(g.revenueSharePct)} of revenue)`;

function salesNarrative(s: SalesAnalysis): Narrative {
  if (s.orders === 0) {
    return narrative(
      'No sales to analyze',
      ['The input held no usable orders, so there are no sales figures to report.'],
      ['0 orders were analyzed.'],
      [],
      'neutral',
    );
  }
  const [brand] = s.byBrand;
  const [region] = s.byRegion;
  const segmentText = s.bySegment.map((g) => `${g.key} ${formatPct(g.ordersSharePct)}`).join(', ');
  const headline =
    `${plural(s.orders, 'order')} worth ${formatMoney(s.revenue)}` +
    (brand === undefined
      ? ''
      : `; ${clip(brand.key)} leads with ${formatPct(brand.revenueSharePct)} of revenue`);
  const summary = [
    `${plural(s.orders, 'order')}${period(s.start, s.end)} brought in ${formatMoney(s.revenue)} of revenue at a mean price of ${formatMoney(s.meanPrice ?? 0)}.`,
    `By price segment the orders split ${segmentText}.`,
  ];
  if (brand !== undefined && region !== undefined) {
    summary.push(`The leading brand was ${share(brand)} and the leading region ${share(region)}.`);
  }
  const highlights: string[] = [];
  const [byUnits] = s.topModelsByUnits;
  const [byRevenue] = s.topModelsByRevenue;
  if (byUnits !== undefined) {
    highlights.push(
      `Best seller by units: ${clip(byUnits.key, 64)} with ${plural(byUnits.orders, 'order')}.`,
    );
  }
  if (byRevenue !== undefined) {
    highlights.push(
      `Best seller by revenue: ${clip(byRevenue.key, 64)} with ${formatMoney(byRevenue.revenue)}.`,
    );
  }
  highlights.push(`Top brands by revenue: ${s.byBrand.slice(0, 5).map(share).join(', ')}.`);
  highlights.push(
    `Revenue by segment: ${s.bySegment.map((g) => `${g.key} ${formatMoney(g.revenue)} (${formatPct(g.revenueSharePct)})`).join(', ')}.`,
  );
  const d = s.priceDistribution;
  if (d !== null) {
    highlights.push(
      `Prices ran from ${formatMoney(d.min)} to ${formatMoney(d.max)}, median ${formatMoney(d.median)}, middle half ${formatMoney(d.q1)} to ${formatMoney(d.q3)}.`,
    );
  }
  if (s.reviewKeywords.length > 0) {
    highlights.push(
      `Reviews mention most: ${s.reviewKeywords
        .slice(0, 8)
        .map((k) => `${clip(k.word)} (${formatCount(k.count)})`)
        .join(', ')}.`,
    );
  }
  const concerns: string[] = [];
  if (s.outlierCount > 0) {
    concerns.push(
      `${plural(s.outlierCount, 'order has a price', 'orders have prices')} far outside the usual range of ${s.outlierCount === 1 ? 'its' : 'their'} brand.`,
    );
    for (const o of s.outliers.slice(0, 3)) {
      const fence =
        o.direction === 'high'
          ? `above its brand's upper fence of ${formatMoney(o.highFence)}`
          : `below its brand's lower fence of ${formatMoney(o.lowFence)}`;
      concerns.push(
        `Order ${clip(o.orderId)}: ${clip(`${o.brand} ${o.model}`, 64)} at ${formatMoney(o.price)}, ${fence}.`,
      );
    }
  }
  return narrative(headline, summary, highlights, concerns, 'neutral');
}

const MEASURE_WORDS: Readonly<Record<Measure, string>> = {
  heart_rate: 'heart rate',
  spo2: 'SpO2',
  steps: 'steps',
  temp_c: 'temperature',
  systolic_bp: 'systolic pressure',
  diastolic_bp: 'diastolic pressure',
};

function vitalsNarrative(v: VitalsAnalysis): Narrative {
  if (v.readings === 0) {
    return narrative(
      'No vitals readings to analyze',
      ['The input held no usable readings, so there are no vitals figures to report.'],
      ['0 readings were analyzed.'],
      [],
      'neutral',
    );
  }
  const headline = `${plural(v.readings, 'reading')} from ${plural(v.users, 'user')}; ${formatCount(v.usersWithAnyStreak)} with out-of-range streaks`;
  const byShare = [...BANDED_MEASURES].sort(
    (a, b) => (v.outOfBand[b].sharePct ?? 0) - (v.outOfBand[a].sharePct ?? 0),
  );
  const outside = (m: BandedMeasure) => `${MEASURE_WORDS[m]} ${formatPct(v.outOfBand[m].sharePct ?? 0)}`;
  const summary = [
    `${plural(v.readings, 'reading')} from ${plural(v.users, 'user')}${period(v.start, v.end)} were analyzed.`,
    `Share of readings outside the comfort bands: ${byShare.map(outside).join(', ')}.`,
    `${formatCount(v.usersWithAnyStreak)} of ${plural(v.users, 'user')} had at least one streak of consecutive readings outside a band.`,
  ];
  const range = (m: Measure) => {
    const x = v.measures[m];
    return x === null ? null : `${MEASURE_WORDS[m]} ${x.min}–${x.max} (mean ${x.mean.toFixed(1)})`;
  };
  const highlights = [
    `Ranges: ${(['heart_rate', 'spo2', 'temp_c'] as const).map(range).filter(Boolean).join('; ')}.`,
    `Blood pressure: ${(['systolic_bp', 'diastolic_bp'] as const).map(range).filter(Boolean).join('; ')}; ${range('steps')}.`,
    `Users with streaks by measure: ${BANDED_MEASURES.map((m) => `${MEASURE_WORDS[m]} ${formatCount(v.usersWithStreaks[m])}`).join(', ')}.`,
  ];
  const concerns = v.longestStreaks
    .slice(0, 4)
    .map(
      (s) =>
        `${clip(s.userId)}: ${plural(s.length, 'consecutive reading')} with ${MEASURE_WORDS[s.measure]} out of range, ${s.start} to ${s.end}.`,
    );
  const near = Object.entries(v.nearLimits).filter(([, c]) => c.low + c.high > 0);
  if (near.length > 0) {
    const total = near.reduce((sum, [, c]) => sum + c.low + c.high, 0);
    concerns.push(
      `${plural(total, 'value')} sit near the validation limits, which can mean a sensor at its edge: ` +
        `${near.map(([m, c]) => `${MEASURE_WORDS[m as Measure]} ${formatCount(c.low + c.high)}`).join(', ')}.`,
    );
  }
  const sentiment =
    v.usersWithAnyStreak === 0 ? 'positive' : v.usersWithAnyStreak * 2 > v.users ? 'negative' : 'mixed';
  return narrative(headline, summary, highlights, concerns, sentiment);
}
