/**
 * The offline analyst's prose: plain sentences built from the computed
 * figures, the same every time for the same analysis. It is the default
 * narrative without an LLM and the fallback when the LLM cannot deliver, so
 * it must satisfy `NarrativeSchema` for every analysis, empty ones included.
 * It writes the whole of narrative v2: insights citing the facts they rest on,
 * recommendations from a rule table keyed by finding kind and severity,
 * per-symbol outlooks, sales segment picks and review themes.
 */
import type { DatasetAnalysis } from './analysis.js';
import { clip, FACT_LIMITS, head, MEANINGFUL_CORRELATION, outlookSymbols } from './facts.js';
import {
  analysisFindings,
  type Finding,
  type FindingKind,
  SEVERITY_RANK,
  type Severity,
} from './findings/index.js';
import { formatCount, formatMoney, formatPct, formatPrice } from './market/format.js';
import { ANOMALY_KIND, type AnomalyKind, type MarketAnalysis, type SymbolAnalysis } from './market/index.js';
import type { Insight, Narrative, Priority, Recommendation, SymbolOutlook } from './narrative.js';
import {
  type ColumnProfile,
  formatDuration,
  formatValue,
  GAP_FACTOR,
  type ProfileAnalysis,
  readableInstant,
} from './profile.js';
import type { GroupTotals, SalesAnalysis } from './sales.js';
import { BANDED_MEASURES, type BandedMeasure, type Measure, type VitalsAnalysis } from './vitals.js';

const LIMITS = { headline: 160, summary: 1500, item: 300, items: 8, action: 200, rationale: 400 } as const;

/** Cuts at a word boundary with an ellipsis, so a long name can never break the schema. */
function fitLength(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = head(clean, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/** An insight: a sentence, how directly the figures state it, and the facts (paths into the prompt's data) it rests on. */
type Draft = readonly [text: string, facts: readonly string[], confidence?: Insight['confidence']];

interface Extras {
  readonly recommendations: readonly Recommendation[];
  readonly symbols?: readonly SymbolOutlook[];
  readonly segments?: Narrative['segments'];
  readonly reviewThemes?: Narrative['reviewThemes'];
}

function narrative(
  headline: string,
  summary: readonly string[],
  insights: readonly Draft[],
  sentiment: Narrative['sentiment'],
  extras: Extras,
): Narrative {
  const kept = insights
    .map(([text, facts, confidence]) => ({
      text: fitLength(text, LIMITS.item),
      confidence: confidence ?? 'high',
      facts: [...facts],
    }))
    .filter((i) => i.text.length > 0)
    .slice(0, LIMITS.items);
  const fitTexts = <T extends { text: string }>(list: readonly T[] | undefined): T[] | undefined =>
    list?.map((x) => ({ ...x, text: fitLength(x.text, LIMITS.item) }));
  return {
    headline: fitLength(headline, LIMITS.headline),
    executiveSummary: fitLength(summary.join(' '), LIMITS.summary),
    insights: kept,
    recommendations: extras.recommendations.slice(0, LIMITS.items),
    ...(extras.symbols ? { symbols: fitTexts(extras.symbols) } : {}),
    ...(extras.segments ? { segments: fitTexts(extras.segments) } : {}),
    ...(extras.reviewThemes ? { reviewThemes: fitTexts(extras.reviewThemes) } : {}),
    sentiment,
  };
}

const PRIORITY_OF: Readonly<Record<Severity, Priority | null>> = {
  info: null,
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'high',
};

interface Rule {
  /** For the findings of one subject. */
  readonly one: (subject: string, findings: readonly Finding[]) => string;
  /** For the findings of several subjects at once. */
  readonly many: (findings: readonly Finding[], subjects: readonly string[]) => string;
  /** Why it matters, after the figures. */
  readonly why: string;
}

const names = (subjects: readonly string[]) =>
  subjects.length <= 3
    ? subjects.map((s) => clip(s)).join(', ')
    : `${subjects
        .slice(0, 3)
        .map((s) => clip(s))
        .join(', ')} and ${formatCount(subjects.length - 3)} more`;
const dates = (findings: readonly Finding[]) =>
  [...new Set(findings.map((f) => f.at))].slice(0, 3).join(', ');

/** The recommendation table: one rule per finding kind; the severity sets the priority (critical and high → high). */
export const RECOMMENDATION_RULES: Readonly<Record<FindingKind, Rule | null>> = {
  volume_spike: {
    one: (s, f) => `Check the news and order flow behind ${clip(s)}'s volume on ${dates(f)}`,
    many: (f, s) => `Check the news behind the ${formatCount(f.length)} volume spikes in ${names(s)}`,
    why: 'A volume spike that far past the rule usually means news or a block trade worth knowing about.',
  },
  large_move: {
    one: (s, f) => `Review positions and stops in ${clip(s)} after its move on ${dates(f)}`,
    many: (f, s) => `Review positions in the ${formatCount(f.length)} large one-day moves in ${names(s)}`,
    why: 'A one-day move past the rule changes risk at once.',
  },
  price_gap: {
    one: (s, f) => `Look into ${clip(s)}'s opening gap on ${dates(f)}`,
    many: (f, s) => `Look into the ${formatCount(f.length)} opening gaps in ${names(s)}`,
    why: 'A gap at the open means news outside trading hours.',
  },
  split: {
    one: (s, f) =>
      `Adjust ${clip(s)}'s prices for the probable split on ${dates(f)} before comparing returns`,
    many: (f, s) => `Adjust prices for the ${formatCount(f.length)} probable splits in ${names(s)}`,
    why: 'Prices are not split-adjusted, so change, drawdown and volatility include the jump.',
  },
  missing_bar: {
    one: (s, f) => `Re-fetch ${clip(s)} for ${dates(f)}: trading days without a bar`,
    many: (f, s) => `Re-fetch the ${formatCount(f.length)} missing bar runs of ${names(s)}`,
    why: 'A trading day without a bar hides its move and skews every rolling figure.',
  },
  band_close: null,
  price_outlier: {
    one: (s) => `Investigate order ${clip(s)}, priced outside its brand's range`,
    many: (f) => `Investigate the ${formatCount(f.length)} orders priced outside their brand's range`,
    why: 'A price that far from its brand is a typo, a bundle or a fraud, and it moves revenue figures.',
  },
  duplicate_order: {
    one: (s) => `Deduplicate order ${clip(s)}, which appears on several rows`,
    many: (f) => `Deduplicate the ${formatCount(f.length)} order ids that appear on several rows`,
    why: 'Repeated order ids count the same revenue more than once.',
  },
  abnormal_vital: {
    one: (s, f) => `Follow up ${clip(s)}: ${f[0]?.title ?? ''}`,
    many: (_f, s) => `Follow up the ${formatCount(s.length)} users with abnormal readings: ${names(s)}`,
    why: 'Readings that far outside the comfort band call for a clinical look.',
  },
  data_quality: {
    one: () => 'Review the rows rejected at ingest and fix the export that produced them',
    many: () => 'Review the rows rejected at ingest and fix the export that produced them',
    why: 'Rejected rows are left out of every figure.',
  },
  value_outlier: {
    one: (s, f) => `Check the ${plural(f.length, 'extreme value')} of ${clip(s)}: ${f[0]?.title ?? ''}`,
    many: (f, s) => `Check the ${formatCount(f.length)} far outliers in ${names(s)}`,
    why: 'A value that far past the IQR fences is a unit or entry error, or an event worth knowing about, and it moves every mean.',
  },
  time_gap: {
    one: (s, f) =>
      `Find out why ${clip(s)} has no rows in ${plural(f.length, 'gap')}, the largest from ${f[0]?.at ?? ''}`,
    many: (f, s) => `Find out why ${names(s)} have ${formatCount(f.length)} gaps`,
    why: 'A gap that long in a regular series is a feed or export that stopped, and totals over the period miss it.',
  },
  null_rate: {
    one: (s, f) => `Fill or drop ${clip(s)}: ${f[0]?.title ?? ''}`,
    many: (f, s) => `Fill or drop the ${formatCount(f.length)} sparse columns ${names(s)}`,
    why: 'Figures of a mostly empty column describe only the rows that have it; a column null everywhere is often a header the export renamed.',
  },
};

/** Subjects of one kind named one by one up to this many; more share one recommendation. A person to follow up is named alone. */
const SUBJECTS_ONE_BY_ONE: Readonly<Partial<Record<FindingKind, number>>> = { abnormal_vital: 5 };

/** Recommendations from the findings above info, by the rule table, high priority first. */
export function recommend(findings: readonly Finding[]): Recommendation[] {
  const notable = findings.filter((f) => f.severity !== 'info');
  const byKind = new Map<FindingKind, Finding[]>();
  for (const f of notable) {
    const list = byKind.get(f.kind) ?? [];
    list.push(f);
    byKind.set(f.kind, list);
  }
  const drafts: Array<{ rec: Recommendation; rank: number }> = [];
  const add = (rule: Rule, action: string, cited: readonly Finding[]) => {
    const worst = cited.reduce((w, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[w.severity] ? f : w));
    const priority = PRIORITY_OF[worst.severity] as Priority;
    // A title that already names its day needs no second date in front of it.
    const evidence = cited
      .slice(0, 2)
      .map((f) => `${clip(f.subject)}${f.title.includes(f.at.slice(0, 10)) ? '' : ` ${f.at}`}: ${f.title}`)
      .join('; ');
    drafts.push({
      rec: {
        action: fitLength(action, LIMITS.action),
        priority,
        rationale: fitLength(
          `${evidence}${cited.length > 2 ? `; and ${formatCount(cited.length - 2)} more` : ''}. Severity ${worst.severity}. ${rule.why}`,
          LIMITS.rationale,
        ),
        findings: cited.slice(0, 50).map((f) => f.id),
      },
      rank: SEVERITY_RANK[worst.severity],
    });
  };
  for (const [kind, list] of byKind) {
    const rule = RECOMMENDATION_RULES[kind];
    if (rule === null) continue;
    const subjects = [...new Set(list.map((f) => f.subject))];
    if (subjects.length <= (SUBJECTS_ONE_BY_ONE[kind] ?? 2)) {
      for (const subject of subjects) {
        const cited = list.filter((f) => f.subject === subject);
        add(rule, rule.one(subject, cited), cited);
      }
    } else {
      add(rule, rule.many(list, subjects), list);
    }
  }
  return drafts.sort((a, b) => b.rank - a.rank).map((d) => d.rec);
}

/** One sentence on the findings: how many, how bad, or that there is nothing unusual. */
function findingsSentence(findings: readonly Finding[]): string {
  const notable = findings.filter((f) => f.severity !== 'info');
  if (notable.length === 0) return 'Nothing unusual: no finding above info.';
  const levels = (['critical', 'high', 'medium', 'low'] as const)
    .map((level) => [level, notable.filter((f) => f.severity === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${formatCount(n)} ${level}`);
  return `${plural(notable.length, 'finding needs', 'findings need')} attention (${levels.join(', ')}).`;
}

export interface OfflineOptions {
  /** Symbols given an outlook in a large file. @default FACT_LIMITS.outlookSymbols */
  readonly outlookSymbols?: number;
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
const signedPct = (v: number) => formatPct(v, true);
const period = (start: string | null, end: string | null) =>
  start === null || end === null ? '' : start === end ? ` on ${start}` : ` from ${start} to ${end}`;

export function writeOfflineNarrative(
  analysis: DatasetAnalysis,
  findings: readonly Finding[] = analysisFindings(analysis, {
    name: analysis.dataset,
    ingest: { total: 0, rejected: 0, reasons: {} },
    fallbackAt: '',
  }).findings,
  options: OfflineOptions = {},
): Narrative {
  switch (analysis.kind) {
    case 'market':
      return marketNarrative(analysis.market, findings, options.outlookSymbols ?? FACT_LIMITS.outlookSymbols);
    case 'sales':
      return salesNarrative(analysis.sales, findings);
    case 'vitals':
      return vitalsNarrative(analysis.vitals, findings);
    case 'profile':
      return profileNarrative(analysis.profile, findings);
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
  return parts.length === 0
    ? null
    : `Detector events, most of them info rather than findings: ${parts.join(', ')}.`;
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

function outlookOf(s: SymbolAnalysis): SymbolOutlook['outlook'] {
  const change = s.changePct ?? 0;
  if (s.trend.direction === 'up' && change > 0) return 'bullish';
  if (s.trend.direction === 'down' && change < 0) return 'bearish';
  if (s.trend.direction === null && Math.abs(change) >= 5) return change > 0 ? 'bullish' : 'bearish';
  return 'neutral';
}

function symbolOutlook(s: SymbolAnalysis): SymbolOutlook {
  const notable = s.findings.filter((f) => f.severity !== 'info');
  const parts = [symbolSentence(s)];
  if (s.changePct !== null) parts.push(`Over the window it changed ${signedPct(s.changePct)}.`);
  const [worst] = notable;
  parts.push(
    worst === undefined
      ? 'No finding above info.'
      : `${plural(notable.length, 'finding')}, the worst ${worst.severity}: ${worst.title} on ${worst.at}.`,
  );
  return { symbol: clip(s.symbol), outlook: outlookOf(s), text: parts.join(' ') };
}

function marketNarrative(m: MarketAnalysis, findings: readonly Finding[], budget: number): Narrative {
  const recommendations = recommend(findings);
  if (m.symbolCount === 0) {
    return narrative(
      'No market bars to analyze',
      [
        'The input held no usable bars, so there are no market figures to report.',
        findingsSentence(findings),
      ],
      [['0 symbols and 0 bars were analyzed.', ['symbols', 'bars']]],
      'neutral',
      { recommendations, symbols: [] },
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
  const summary = [
    ...(only === null ? marketSummary(m) : symbolSummary(only, m)),
    findingsSentence(findings),
  ];
  const insights: Draft[] = [];
  const movers = (list: MarketAnalysis['topGainers']) =>
    list.map((x) => `${clip(x.symbol)} ${signedPct(x.changePct)}`).join(', ');
  if (only !== null) {
    insights.push([symbolSentence(only), ['largestSymbols.0']]);
    const indicators = indicatorSentence(only);
    if (indicators !== null) insights.push([indicators, ['largestSymbols.0'], 'medium']);
  }
  if (only === null && m.topGainers.length > 0)
    insights.push([`Top gainers: ${movers(m.topGainers)}.`, ['topGainers']]);
  if (only === null && m.topLosers.length > 0)
    insights.push([`Top losers: ${movers(m.topLosers)}.`, ['topLosers']]);
  if (only === null) {
    const largest = [...m.symbols].sort((a, b) => b.tradedValue - a.tradedValue)[0] as SymbolAnalysis;
    insights.push([`Largest by traded value: ${symbolSentence(largest)}`, ['largestSymbols.0']]);
  }
  const turbulence = turbulenceSentence(m);
  if (turbulence !== null) insights.push([turbulence, ['turbulence'], 'medium']);
  // A pair whose returns barely move together says nothing worth a line.
  const [best] = m.correlation.pairs.filter((p) => Math.abs(p.r) >= MEANINGFUL_CORRELATION);
  if (best !== undefined) {
    insights.push([
      `Most correlated pair among the ${formatCount(m.correlation.symbols.length)} largest symbols: ` +
        `${clip(best.a)} and ${clip(best.b)} (r = ${best.r.toFixed(2)}).`,
      ['correlation.mostCorrelated.0'],
      'medium',
    ]);
  }
  const rsi = m.symbols.map((x) => x.rsi14).filter((r): r is number => r !== null);
  const extremes = [
    [rsi.filter((r) => r > 70).length, 'above 70 (overbought)'],
    [rsi.filter((r) => r < 30).length, 'below 30 (oversold)'],
  ] as const;
  const rsiParts = extremes.filter(([n]) => n > 0).map(([n, what]) => `${what} for ${plural(n, 'symbol')}`);
  if (rsiParts.length > 0) insights.push([`RSI(14) is ${rsiParts.join(' and ')}.`, ['rsi'], 'medium']);
  const tally = anomalyTally(m.anomalyCounts);
  if (tally !== null) insights.push([tally, ['anomalyCounts'], 'high']);
  return narrative(headline, summary, insights, s.label, {
    recommendations,
    // A symbol that is blank after trimming cannot be named in an outlook.
    symbols: outlookSymbols(m, budget)
      .filter((x) => x.symbol.trim() !== '')
      .map(symbolOutlook),
  });
}

const share = (g: GroupTotals) => `${clip(g.key)} (${formatPct(g.revenueSharePct)} of revenue)`;

function salesNarrative(s: SalesAnalysis, findings: readonly Finding[]): Narrative {
  const recommendations = recommend(findings);
  if (s.orders === 0) {
    return narrative(
      'No sales to analyze',
      [
        'The input held no usable orders, so there are no sales figures to report.',
        findingsSentence(findings),
      ],
      [['0 orders were analyzed.', ['orders']]],
      'neutral',
      { recommendations, segments: [], reviewThemes: [] },
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
  const overall = s.reviewSentiment.overall;
  if (overall.reviews > 0) {
    summary.push(
      `Of ${plural(overall.reviews, 'review')}, ${formatCount(overall.positive)} read positive and ${formatCount(overall.negative)} negative.`,
    );
  }
  summary.push(findingsSentence(findings));
  const insights: Draft[] = [];
  const [byUnits] = s.topModelsByUnits;
  const [byRevenue] = s.topModelsByRevenue;
  if (byUnits !== undefined) {
    insights.push([
      `Best seller by units: ${clip(byUnits.key, 64)} with ${plural(byUnits.orders, 'order')}.`,
      ['topModelsByUnits.0'],
    ]);
  }
  if (byRevenue !== undefined) {
    insights.push([
      `Best seller by revenue: ${clip(byRevenue.key, 64)} with ${formatMoney(byRevenue.revenue)}.`,
      ['topModelsByRevenue.0'],
    ]);
  }
  insights.push([`Top brands by revenue: ${s.byBrand.slice(0, 5).map(share).join(', ')}.`, ['brands']]);
  insights.push([
    `Revenue by segment: ${s.bySegment.map((g) => `${g.key} ${formatMoney(g.revenue)} (${formatPct(g.revenueSharePct)})`).join(', ')}.`,
    ['segments'],
  ]);
  const d = s.priceDistribution;
  if (d !== null) {
    insights.push([
      `Prices ran from ${formatMoney(d.min)} to ${formatMoney(d.max)}, median ${formatMoney(d.median)}, middle half ${formatMoney(d.q1)} to ${formatMoney(d.q3)}.`,
      ['priceDistribution'],
    ]);
  }
  const toned = s.reviewSentiment.byModel.slice(0, FACT_LIMITS.toneGroups).filter((g) => g.reviews >= 5);
  const worst = [...toned].sort((a, b) => (a.meanScore ?? 0) - (b.meanScore ?? 0))[0];
  if (worst !== undefined && worst.tone === 'negative') {
    insights.push([
      `${clip(worst.key, 64)} has the most negative reviews: ${formatCount(worst.negative)} of ${formatCount(worst.reviews)} read negative.`,
      ['reviews.byModel'],
      'medium',
    ]);
  }
  const segments = s.segmentPicks
    .slice(0, 18)
    .filter((p) => `${p.brand} ${p.model}`.trim() !== '')
    .map((p) => ({
      segment: p.segment,
      region: p.region,
      model: clip(`${p.brand} ${p.model}`, 64),
      text: `${clip(`${p.brand} ${p.model}`, 64)} sold most in ${p.segment} in ${p.region}: ${formatCount(p.orders)} of ${formatCount(p.ofOrders)} orders.`,
    }));
  const reviewThemes = s.reviewSentiment.themes.slice(0, 5).map((t) => ({
    theme: clip(t.word),
    sentiment: t.tone,
    text: `"${clip(t.word)}" comes up in ${plural(t.count, 'review')}, ${t.tone} on the whole.`,
  }));
  const sentiment = overall.reviews === 0 ? 'neutral' : overall.tone;
  return narrative(headline, summary, insights, sentiment, { recommendations, segments, reviewThemes });
}

const MEASURE_WORDS: Readonly<Record<Measure, string>> = {
  heart_rate: 'heart rate',
  spo2: 'SpO2',
  steps: 'steps',
  temp_c: 'temperature',
  systolic_bp: 'systolic pressure',
  diastolic_bp: 'diastolic pressure',
};

function vitalsNarrative(v: VitalsAnalysis, findings: readonly Finding[]): Narrative {
  const recommendations = recommend(findings);
  if (v.readings === 0) {
    return narrative(
      'No vitals readings to analyze',
      [
        'The input held no usable readings, so there are no vitals figures to report.',
        findingsSentence(findings),
      ],
      [['0 readings were analyzed.', ['readings']]],
      'neutral',
      { recommendations },
    );
  }
  const abnormal = findings.filter((f) => f.kind === 'abnormal_vital' && f.severity !== 'info');
  const users = new Set(abnormal.map((f) => f.subject)).size;
  const headline = `${plural(v.readings, 'reading')} from ${plural(v.users, 'user')}; ${formatCount(users)} with abnormal readings`;
  const byShare = [...BANDED_MEASURES].sort(
    (a, b) => (v.outOfBand[b].sharePct ?? 0) - (v.outOfBand[a].sharePct ?? 0),
  );
  const outside = (m: BandedMeasure) => `${MEASURE_WORDS[m]} ${formatPct(v.outOfBand[m].sharePct ?? 0)}`;
  const summary = [
    `${plural(v.readings, 'reading')} from ${plural(v.users, 'user')}${period(v.start, v.end)} were analyzed.`,
    `Share of readings outside the comfort bands: ${byShare.map(outside).join(', ')}.`,
    findingsSentence(findings),
  ];
  const range = (m: Measure) => {
    const x = v.measures[m];
    return x === null ? null : `${MEASURE_WORDS[m]} ${x.min}–${x.max} (mean ${x.mean.toFixed(1)})`;
  };
  const insights: Draft[] = [
    [
      `Ranges: ${(['heart_rate', 'spo2', 'temp_c'] as const).map(range).filter(Boolean).join('; ')}.`,
      ['measures'],
    ],
    [
      `Blood pressure: ${(['systolic_bp', 'diastolic_bp'] as const).map(range).filter(Boolean).join('; ')}; ${range('steps')}.`,
      ['measures'],
    ],
    [
      `${formatCount(v.usersWithAnyStreak)} of ${plural(v.users, 'user')} had a streak of ${formatCount(3)} or more readings outside a band.`,
      ['usersWithAnyStreak', 'users'],
    ],
  ];
  const [longest] = v.longestStreaks;
  if (longest !== undefined) {
    insights.push([
      `Longest streak: ${clip(longest.userId)}, ${plural(longest.length, 'consecutive reading')} with ${MEASURE_WORDS[longest.measure]} out of range, ${longest.start} to ${longest.end}.`,
      ['longestStreaks.0'],
    ]);
  }
  const worst = abnormal[0]?.severity;
  const sentiment =
    abnormal.length === 0 ? 'positive' : worst === 'critical' || worst === 'high' ? 'negative' : 'mixed';
  return narrative(headline, summary, insights, sentiment, { recommendations });
}

/** One sentence on a column's values, quoting the figures its facts hold. */
function columnSentence(c: ColumnProfile): string {
  const name = clip(c.name);
  const nulls = c.nulls > 0 ? `, null on ${formatPct(c.nullRate * 100)} of rows` : '';
  const distinct = `${c.distinctAtLeast ? 'at least ' : ''}${formatCount(c.distinct)} distinct`;
  const n = c.numeric;
  if (n !== null) {
    const o = n.outliers;
    const outliers =
      o === null
        ? ''
        : o.low + o.high === 0
          ? '; no value outside the IQR fences'
          : `; ${formatCount(o.low + o.high)} outside the IQR fences (${formatCount(o.far)} far)`;
    return (
      `${name} (${c.type}): ${formatValue(n.min)} to ${formatValue(n.max)}, median ${formatValue(n.p50)}, ` +
      `middle half ${formatValue(n.p25)} to ${formatValue(n.p75)}, mean ${formatValue(n.mean)}${nulls}${outliers}.`
    );
  }
  const [top] = c.top ?? [];
  if (top !== undefined) {
    const share = c.values > 0 ? ` (${formatPct((top.count / c.values) * 100)})` : '';
    return `${name} (${c.type}): ${distinct} values, most often "${clip(top.value)}"${share}${nulls}.`;
  }
  if (c.range !== null)
    return `${name} (${c.type}): from ${readableInstant(c.range.first)} to ${readableInstant(c.range.last)}${nulls}.`;
  return `${name} (${c.type}): no value in any row.`;
}

function timeSentence(p: ProfileAnalysis): string | null {
  const t = p.time;
  if (t === null) return null;
  const base = `${clip(t.column)} runs from ${readableInstant(t.first)} to ${readableInstant(t.last)} over ${plural(t.instants, 'distinct instant')}`;
  if (t.medianStepMs === null) return `${base}, too few for a typical step.`;
  const coverage = t.coveragePct === null ? '' : `, ${formatPct(t.coveragePct)} covered at that step`;
  const [largest] = t.largestGaps;
  const gaps = !t.regular
    ? `; its steps are irregular (${formatPct(t.regularPct ?? 0)} near the median), so gaps are not judged`
    : largest === undefined
      ? `; no gap longer than ${formatCount(GAP_FACTOR)} steps`
      : `; ${plural(t.gapCount, 'gap')} longer than ${formatCount(GAP_FACTOR)} steps, the largest ${formatDuration(largest.ms)} from ${readableInstant(largest.start)}`;
  return `${base}, a median step of ${formatDuration(t.medianStepMs)}${coverage}${gaps}.`;
}

function profileNarrative(p: ProfileAnalysis, findings: readonly Finding[]): Narrative {
  const recommendations = recommend(findings);
  if (p.rows === 0) {
    return narrative(
      'No rows to analyze',
      ['The input held no usable rows, so there is nothing to profile.', findingsSentence(findings)],
      [['0 rows were analyzed.', ['rows']]],
      'neutral',
      { recommendations },
    );
  }
  const notable = findings.filter((f) => f.severity !== 'info');
  const headline =
    `${plural(p.rows, 'row')} and ${plural(p.columns.length, 'column')} profiled; ` +
    (notable.length === 0 ? 'nothing unusual' : `${plural(notable.length, 'finding')} above info`);
  const sparse = p.columns
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.nulls > 0)
    .sort((a, b) => b.c.nullRate - a.c.nullRate || a.i - b.i);
  const summary = [
    `${plural(p.rows, 'row')} with ${plural(p.columns.length, 'column')}${period(p.start, p.end)} were profiled.`,
  ];
  const time = timeSentence(p);
  if (time !== null) summary.push(time);
  summary.push(
    sparse.length === 0
      ? 'No column has a null value.'
      : `Columns with nulls: ${sparse
          .slice(0, 3)
          .map(({ c }) => `${clip(c.name)} ${formatPct(c.nullRate * 100)}`)
          .join(', ')}${sparse.length > 3 ? ` and ${formatCount(sparse.length - 3)} more` : ''}.`,
  );
  summary.push(findingsSentence(findings));
  const insights: Draft[] = [];
  if (time !== null) insights.push([time, ['time']]);
  // Columns with findings first, then the others in declaration order, within the facts' columns.
  const flagged = new Set(notable.map((f) => f.subject));
  const described = p.columns
    .slice(0, FACT_LIMITS.profileColumns)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Number(flagged.has(b.c.name)) - Number(flagged.has(a.c.name)) || a.i - b.i);
  for (const { c, i } of described) {
    if (p.time !== null && c.name === p.time.column) continue;
    insights.push([columnSentence(c), [`columns.${i}`]]);
  }
  const worst = notable[0]?.severity;
  const sentiment =
    notable.length === 0 ? 'positive' : worst === 'critical' || worst === 'high' ? 'negative' : 'mixed';
  return narrative(headline, summary, insights, sentiment, { recommendations });
}
