/**
 * The facts an LLM analyst receives: the only numbers it may write about.
 * Bounded whatever the input (about 12 KB of JSON for 500 symbols), rounded so
 * that quoting them reads naturally, ranked and shared out already so the
 * model never has to compute, and with text from the data clipped short
 * because a symbol, brand or user id is data, not room for instructions.
 */
import type { DatasetAnalysis } from './analysis.js';
import { type Finding, type FindingCounts, SEVERITY_RULE } from './findings/finding.js';
import { formatCount, formatMultiple, formatPct, formatPrice } from './market/format.js';
import type { Anomaly, MarketAnalysis, SymbolAnalysis } from './market/index.js';
import { type ColumnProfile, formatDuration, type ProfileAnalysis, significant } from './profile.js';
import type { GroupTone, GroupTotals, ModelTotals, SalesAnalysis } from './sales.js';
import { BANDED_MEASURES, MEASURES, type MeasureStats, type VitalsAnalysis } from './vitals.js';

export const FACT_LIMITS = {
  /** Characters kept of any text that comes from the data. */
  text: 32,
  movers: 5,
  /** Symbols described in detail: all of them up to this many, else the largest by traded value. */
  detailedSymbols: 5,
  anomalies: 8,
  correlationPairs: 3,
  brands: 8,
  models: 5,
  outliers: 3,
  keywords: 15,
  streaks: 5,
  /** Findings handed over with their id, most severe first (info ones only counted). */
  findings: 20,
  /** Symbols the model writes an outlook for: all of a small file, else those with findings, then the top movers. */
  outlookSymbols: 12,
  /** Review texts a model reads to name themes, and their length. */
  reviews: 12,
  reviewChars: 120,
  toneGroups: 6,
  /** Columns of a profile described, in declaration order; the rest are counted. */
  profileColumns: 40,
  /** Most common values per column, and time gaps, handed over. */
  topValues: 3,
  gaps: 5,
} as const;

/** Below this |r| a "most correlated pair" says nothing, so it is not handed over. */
export const MEANINGFUL_CORRELATION = 0.3;

export interface FactOptions {
  /** Symbols with an outlook (see FACT_LIMITS.outlookSymbols); the config sets it. */
  readonly outlookSymbols?: number;
}

/** The findings as the model sees them: notable ones by id, all of them counted. */
function findingFacts(findings: readonly Finding[], counts: FindingCounts) {
  const bySeverity: Record<string, number> = {};
  for (const kind of Object.values(counts)) {
    for (const [severity, n] of Object.entries(kind ?? {}))
      bySeverity[severity] = (bySeverity[severity] ?? 0) + n;
  }
  return {
    rule: SEVERITY_RULE,
    total: Object.values(bySeverity).reduce((a, b) => a + b, 0),
    aboveInfo: Object.entries(bySeverity).reduce((a, [k, n]) => a + (k === 'info' ? 0 : n), 0),
    bySeverity,
    counts,
    notable: findings
      .filter((f) => f.severity !== 'info')
      .slice(0, FACT_LIMITS.findings)
      .map((f) => ({
        id: f.id,
        kind: f.kind,
        severity: f.severity,
        subject: clip(f.subject),
        at: f.at,
        what: clip(f.title, 200),
      })),
  };
}

/** `value` rounded to `decimals` places; null stays null. */
export function round(value: number, decimals: number): number;
export function round(value: number | null, decimals: number): number | null;
export function round(value: number | null, decimals: number): number | null {
  if (value === null) return null;
  // toFixed rounds the exact decimal, as the report's formatters do; scaling by 10^decimals is off
  // once the scaled value passes 2^53.
  const rounded = Number(value.toFixed(decimals));
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** Prices: cents from 1 up, four significant digits below. */
export function roundPrice(value: number): number;
export function roundPrice(value: number | null): number | null;
export function roundPrice(value: number | null): number | null {
  if (value === null) return null;
  return Math.abs(value) >= 1 || value === 0 ? round(value, 2) : Number(value.toPrecision(4));
}

const pct = (value: number | null) => round(value, 1);

/** The first `length` UTF-16 units of `text`, one fewer if the cut would split a surrogate pair. */
export function head(text: string, length: number): string {
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}

/** Text from the data, clipped to a length that can carry a name but not a paragraph. */
export function clip(text: string, max: number = FACT_LIMITS.text): string {
  return text.length <= max ? text : `${head(text, max - 1)}…`;
}

export function factsForPrompt(
  analysis: DatasetAnalysis,
  findings: { readonly findings: readonly Finding[]; readonly counts: FindingCounts } = {
    findings: [],
    counts: {},
  },
  options: FactOptions = {},
): Record<string, unknown> {
  const base = (() => {
    switch (analysis.kind) {
      case 'market':
        return marketFacts(analysis.market, options.outlookSymbols ?? FACT_LIMITS.outlookSymbols);
      case 'sales':
        return salesFacts(analysis.sales);
      case 'vitals':
        return vitalsFacts(analysis.vitals);
      case 'profile':
        return profileFacts(analysis.profile);
    }
  })();
  return { ...base, findings: findingFacts(findings.findings, findings.counts) };
}

/** The symbols worth an outlook: every one of a small file; else those with findings above info, then the biggest movers. */
export function outlookSymbols(m: MarketAnalysis, budget: number): SymbolAnalysis[] {
  if (m.symbols.length <= budget) return [...m.symbols];
  const notable = (s: SymbolAnalysis) => s.findings.some((f) => f.severity !== 'info');
  const chosen = new Map<string, SymbolAnalysis>();
  for (const s of m.symbols.filter(notable).sort((a, b) => b.tradedValue - a.tradedValue)) {
    if (chosen.size >= budget) break;
    chosen.set(s.symbol, s);
  }
  const bySymbol = new Map(m.symbols.map((s) => [s.symbol, s]));
  for (const mover of [...m.topGainers, ...m.topLosers]) {
    if (chosen.size >= budget) break;
    const s = bySymbol.get(mover.symbol);
    if (s !== undefined) chosen.set(s.symbol, s);
  }
  return [...chosen.values()];
}

/** One line with the numbers of an anomaly, shorter than its full explanation. */
export function describeAnomaly(a: Anomaly): string {
  const f = a.figures;
  const price = (key: string) => formatPrice(f[key] ?? 0);
  const signed = (v: number) => formatPct(v, true);
  switch (a.kind) {
    case 'split': {
      const factor = f.factor ?? 0;
      const label = factor > 0 ? `${factor}-for-1 split` : `1-for-${-factor} reverse split`;
      return `probable ${label}: close ${price('previousClose')} → ${price('close')}, volume ${formatMultiple(f.volumeRatio ?? 0)}`;
    }
    case 'move':
      return `close ${signed(f.pct ?? 0)} in one bar (${price('previousClose')} → ${price('close')})`;
    case 'gap':
      return `opened ${signed(f.pct ?? 0)} from the previous close (${price('previousClose')} → ${price('open')})`;
    case 'volume':
      return `volume ${formatMultiple(f.multiple ?? 0)} its 20-bar average (${formatCount(f.volume ?? 0)} vs ${formatCount(f.average ?? 0)})`;
    case 'band': {
      const sigmas = f.sigmas ?? 0;
      return `close ${Math.abs(sigmas).toFixed(1)}σ ${sigmas > 0 ? 'above' : 'below'} its 20-bar mean (${price('close')} vs ${price('middle')})`;
    }
  }
}

/** A symbol's worst finding in full (its outlook names it) and the ids of the next few. */
function symbolFindingFacts(s: SymbolAnalysis) {
  const notable = s.findings.filter((f) => f.severity !== 'info');
  const [worst] = notable;
  return {
    worstFinding:
      worst === undefined
        ? null
        : { id: worst.id, severity: worst.severity, at: worst.at, what: clip(worst.title, 200) },
    findings: notable.slice(0, 5).map((f) => f.id),
  };
}

const drawdown = (s: SymbolAnalysis) =>
  s.maxDrawdown === null
    ? null
    : { pct: pct(s.maxDrawdown.pct), peak: s.maxDrawdown.peak, trough: s.maxDrawdown.trough };

function symbolDetail(s: SymbolAnalysis) {
  return {
    symbol: clip(s.symbol),
    bars: s.bars,
    lastClose: roundPrice(s.lastClose),
    changePct: pct(s.changePct),
    trend: s.trend.direction,
    rsi14: round(s.rsi14, 1),
    macdHistogram: s.macd.histogram === null ? null : Number(s.macd.histogram.toPrecision(3)),
    annualizedVolatilityPct: pct(s.volatility.annualizedPct),
    maxDrawdown: drawdown(s),
    atr14Pct: round(s.atr14Pct, 2),
    anomalies: Object.values(s.anomalyCounts).reduce((sum, n) => sum + n, 0),
  };
}

function marketFacts(m: MarketAnalysis, budget: number) {
  const detailed =
    m.symbols.length <= FACT_LIMITS.detailedSymbols
      ? m.symbols
      : [...m.symbols].sort((a, b) => b.tradedValue - a.tradedValue).slice(0, FACT_LIMITS.detailedSymbols);
  const mover = (x: { symbol: string; changePct: number; lastClose: number }) => ({
    symbol: clip(x.symbol),
    changePct: pct(x.changePct),
    lastClose: roundPrice(x.lastClose),
  });
  const pair = (p: { a: string; b: string; r: number }) => ({ a: clip(p.a), b: clip(p.b), r: round(p.r, 2) });
  const pairs = m.correlation.pairs.filter((p) => Math.abs(p.r) >= MEANINGFUL_CORRELATION);
  const rsiValues = m.symbols.map((s) => s.rsi14).filter((r): r is number => r !== null);
  return {
    kind: 'market',
    period: { start: m.start, end: m.end },
    symbols: m.symbolCount,
    bars: m.barCount,
    skippedRows: m.skippedRows,
    sentiment: {
      label: m.sentiment.label,
      advancing: m.sentiment.advancing,
      declining: m.sentiment.declining,
      unchanged: m.sentiment.unchanged,
      advancingPct: pct(m.sentiment.advancingPct),
      meanChangePct: pct(m.sentiment.meanChangePct),
      medianChangePct: pct(m.sentiment.medianChangePct),
      rule: m.rules.sentiment,
    },
    turbulence: {
      level: m.turbulence.level,
      meanAnnualizedVolatilityPct: pct(m.turbulence.meanAnnualizedVolatilityPct),
      symbolsWithRecentPriceAnomalies: m.turbulence.symbolsWithRecentAnomalies,
      recentPriceAnomalySharePct: pct(m.turbulence.recentAnomalySharePct),
      rule: m.rules.turbulence,
    },
    trends: {
      up: m.trendCounts.up,
      down: m.trendCounts.down,
      sideways: m.trendCounts.sideways,
      tooShortForACall: m.trendCounts.none,
      rule: m.rules.trend,
    },
    rsi: {
      overbought: rsiValues.filter((r) => r > 70).length,
      oversold: rsiValues.filter((r) => r < 30).length,
      rule: 'overbought: RSI(14) above 70; oversold: below 30',
    },
    topGainers: m.topGainers.slice(0, FACT_LIMITS.movers).map(mover),
    topLosers: m.topLosers.slice(0, FACT_LIMITS.movers).map(mover),
    largestSymbols: detailed.map(symbolDetail),
    anomalyCounts: m.anomalyCounts,
    notableAnomalies: m.notableAnomalies.slice(0, FACT_LIMITS.anomalies).map((a) => ({
      symbol: clip(a.symbol),
      datetime: a.datetime,
      kind: a.kind,
      what: describeAnomaly(a),
    })),
    correlation: {
      symbols: m.correlation.symbols.length,
      basis: `largest symbols by traded value; pairs with |r| below ${MEANINGFUL_CORRELATION} are left out`,
      mostCorrelated: pairs.slice(0, FACT_LIMITS.correlationPairs).map(pair),
    },
    indicators: 'RSI(14), MACD(12,26,9), Bollinger(20, 2σ), SMA20/SMA50 trend, ATR(14), 5-bar momentum',
    outlookSymbols: outlookSymbols(m, budget).map((s) => ({
      symbol: clip(s.symbol),
      lastClose: roundPrice(s.lastClose),
      changePct: pct(s.changePct),
      trend: s.trend.direction,
      rsi14: round(s.rsi14, 1),
      annualizedVolatilityPct: pct(s.volatility.annualizedPct),
      maxDrawdown: drawdown(s),
      ...symbolFindingFacts(s),
    })),
  };
}

function group(g: GroupTotals) {
  return {
    name: clip(g.key),
    orders: g.orders,
    revenue: round(g.revenue, 0),
    ordersSharePct: pct(g.ordersSharePct),
    revenueSharePct: pct(g.revenueSharePct),
    meanPrice: roundPrice(g.meanPrice),
  };
}

const model = (m: ModelTotals) => ({
  model: clip(`${m.brand} ${m.model}`, FACT_LIMITS.text * 2),
  units: m.orders,
  revenue: round(m.revenue, 0),
});

function salesFacts(s: SalesAnalysis) {
  const dist = s.priceDistribution;
  return {
    kind: 'sales',
    period: { start: s.start, end: s.end },
    orders: s.orders,
    revenue: round(s.revenue, 0),
    meanPrice: roundPrice(s.meanPrice),
    segments: s.bySegment.map(group),
    segmentRule: s.rules.segments,
    brands: s.byBrand.slice(0, FACT_LIMITS.brands).map(group),
    brandCount: s.byBrand.length,
    regions: s.byRegion.slice(0, FACT_LIMITS.brands).map(group),
    modelCount: s.modelCount,
    topModelsByUnits: s.topModelsByUnits.slice(0, FACT_LIMITS.models).map(model),
    topModelsByRevenue: s.topModelsByRevenue.slice(0, FACT_LIMITS.models).map(model),
    priceDistribution:
      dist === null
        ? null
        : {
            min: roundPrice(dist.min),
            q1: roundPrice(dist.q1),
            median: roundPrice(dist.median),
            q3: roundPrice(dist.q3),
            max: roundPrice(dist.max),
            mean: roundPrice(dist.mean),
          },
    priceOutliers: {
      count: s.outlierCount,
      rule: s.rules.outliers,
      examples: s.outliers.slice(0, FACT_LIMITS.outliers).map((o) => ({
        orderId: clip(o.orderId),
        model: clip(`${o.brand} ${o.model}`, FACT_LIMITS.text * 2),
        price: roundPrice(o.price),
        direction: o.direction,
      })),
    },
    reviewKeywords: s.reviewKeywords
      .slice(0, FACT_LIMITS.keywords)
      .map((k) => ({ word: clip(k.word), count: k.count })),
    segmentPicks: s.segmentPicks.map((p) => ({
      segment: p.segment,
      region: p.region,
      model: clip(`${p.brand} ${p.model}`, FACT_LIMITS.text * 2),
      orders: p.orders,
      ofOrders: p.ofOrders,
    })),
    reviews: {
      rule: s.reviewSentiment.rule,
      overall: tone(s.reviewSentiment.overall),
      byBrand: s.reviewSentiment.byBrand.slice(0, FACT_LIMITS.toneGroups).map(tone),
      byModel: s.reviewSentiment.byModel.slice(0, FACT_LIMITS.toneGroups).map(tone),
      themes: s.reviewSentiment.themes.slice(0, 8).map((t) => ({
        word: clip(t.word),
        reviews: t.count,
        tone: t.tone,
        meanScore: round(t.meanScore, 2),
      })),
      // Review texts are data written by anyone: clipped, and like all data shown between the markers.
      sample: s.reviewSample.slice(0, FACT_LIMITS.reviews).map((r) => clip(r, FACT_LIMITS.reviewChars)),
    },
  };
}

const tone = (g: GroupTone) => ({
  name: clip(g.key, FACT_LIMITS.text * 2),
  reviews: g.reviews,
  tone: g.tone,
  meanScore: round(g.meanScore, 2),
  positive: g.positive,
  negative: g.negative,
});

const stats = (x: MeasureStats | null) =>
  x === null ? null : { min: round(x.min, 1), mean: round(x.mean, 1), max: round(x.max, 1) };

function vitalsFacts(v: VitalsAnalysis) {
  return {
    kind: 'vitals',
    period: { start: v.start, end: v.end },
    readings: v.readings,
    users: v.users,
    measures: Object.fromEntries(MEASURES.map((m) => [m, stats(v.measures[m])])),
    outsideComfortBand: Object.fromEntries(
      BANDED_MEASURES.map((m) => [
        m,
        {
          band: v.rules.comfortBands[m],
          readings: v.outOfBand[m].readings,
          sharePct: pct(v.outOfBand[m].sharePct),
        },
      ]),
    ),
    streakRule: v.rules.streak,
    usersWithStreaks: v.usersWithStreaks,
    usersWithAnyStreak: v.usersWithAnyStreak,
    longestStreaks: v.longestStreaks.slice(0, FACT_LIMITS.streaks).map((s) => ({
      userId: clip(s.userId),
      measure: s.measure,
      readings: s.length,
      start: s.start,
      end: s.end,
    })),
    severityRule: v.rules.severity,
  };
}

function columnFacts(c: ColumnProfile) {
  const n = c.numeric;
  const o = n?.outliers;
  return {
    name: clip(c.name),
    type: c.type,
    nulls: c.nulls,
    nullPct: pct(c.nullRate * 100),
    distinct: c.distinct,
    ...(c.distinctAtLeast ? { distinctAtLeast: true } : {}),
    ...(c.invalid > 0 ? { invalid: c.invalid } : {}),
    ...(n
      ? {
          min: significant(n.min),
          p25: significant(n.p25),
          median: significant(n.p50),
          p75: significant(n.p75),
          max: significant(n.max),
          mean: significant(n.mean),
          stddev: n.stddev === null ? null : significant(n.stddev),
          outliers:
            o === null || o === undefined
              ? null
              : {
                  outside: o.low + o.high,
                  far: o.far,
                  lowerFence: significant(o.lowerFence),
                  upperFence: significant(o.upperFence),
                },
        }
      : {}),
    ...(c.top
      ? {
          top: c.top.slice(0, FACT_LIMITS.topValues).map((t) => ({
            value: clip(t.value),
            count: t.count,
            sharePct: pct(c.values > 0 ? (t.count / c.values) * 100 : null),
          })),
        }
      : {}),
    ...(c.range ? { first: c.range.first, last: c.range.last } : {}),
  };
}

function profileFacts(p: ProfileAnalysis) {
  const t = p.time;
  return {
    kind: 'profile',
    period: { start: p.start, end: p.end },
    rows: p.rows,
    skippedRows: p.skippedRows,
    columnCount: p.columns.length,
    columns: p.columns.slice(0, FACT_LIMITS.profileColumns).map(columnFacts),
    columnsLeftOut: Math.max(0, p.columns.length - FACT_LIMITS.profileColumns),
    time:
      t === null
        ? null
        : {
            column: clip(t.column),
            first: t.first,
            last: t.last,
            points: t.points,
            instants: t.instants,
            medianStep: t.medianStepMs === null ? null : formatDuration(t.medianStepMs),
            regularStepsPct: pct(t.regularPct),
            regular: t.regular,
            coveragePct: pct(t.coveragePct),
            gaps: t.gapCount,
            largestGaps: t.largestGaps.slice(0, FACT_LIMITS.gaps).map((g) => ({
              start: g.start,
              end: g.end,
              length: formatDuration(g.ms),
              medianSteps: round(g.steps, 1),
            })),
          },
    rules: {
      outliers: p.rules.outliers,
      gaps: p.rules.gaps,
      nulls: p.rules.nulls,
      distinct: p.rules.distinct,
    },
  };
}
