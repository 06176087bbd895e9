/**
 * SVG charts for the report: a price chart (candlesticks or a close line,
 * with anomaly markers) and a horizontal bar chart. Each is self-contained
 * (no external reference, explicit size and fonts) because it is rasterized
 * to PNG by resvg, which sees nothing but the SVG text and the fonts it was
 * handed. Text from the data is escaped: SVG is XML.
 */
import type { AnomalyKind } from '../analyze/market/index.js';
import type { ChartBar } from '../analyze/stored-analysis.js';
import { escapeHtml } from './escape.js';
import { shortName } from './format.js';
import { REPORT_LIMITS } from './limits.js';

export const CHART_WIDTH = 600;
const PRICE_CHART_HEIGHT = 240;
const NO_DATA_CHART_HEIGHT = 120;
/** Up to this many bars a price chart draws candlesticks; past it a close line reads better. */
export const CANDLESTICK_MAX_BARS = 60;

/** Inter first (the font the rasterizer bundles when available), then the common system sans fonts. */
export const CHART_FONT_FAMILY = "Inter, 'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";

const CHART_COLORS = {
  background: '#ffffff',
  grid: '#e2e8f0',
  text: '#0f172a',
  muted: '#64748b',
  line: '#1d4ed8',
  area: '#dbeafe',
  up: '#059669',
  down: '#dc2626',
  bar: '#2563eb',
} as const;

const MARKER_COLORS: Readonly<Record<AnomalyKind, string>> = {
  split: '#7c3aed',
  move: '#dc2626',
  gap: '#ea580c',
  volume: '#0891b2',
  band: '#ca8a04',
};

export interface Svg {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

export interface PriceMarker {
  /** Datetime of the bar the anomaly happened on. */
  readonly t: string;
  readonly kind: AnomalyKind;
}

export interface PriceChartInput {
  readonly title: string;
  /** Oldest first. */
  readonly bars: readonly ChartBar[];
  readonly markers: readonly PriceMarker[];
}

export interface BarDatum {
  readonly label: string;
  readonly value: number;
  /** The value as printed at the end of its bar. */
  readonly valueLabel: string;
}

export interface BarChartInput {
  readonly title: string;
  readonly bars: readonly BarDatum[];
}

/** Coordinates with one decimal: sharp enough at 2×, and half the bytes of full precision. */
const at = (v: number): string => String(Math.round(v * 10) / 10);

const text = (
  x: number,
  y: number,
  content: string,
  attrs: { size?: number; anchor?: 'start' | 'middle' | 'end'; fill?: string; bold?: boolean } = {},
): string =>
  `<text x="${at(x)}" y="${at(y)}" font-size="${attrs.size ?? 11}"` +
  `${attrs.anchor && attrs.anchor !== 'start' ? ` text-anchor="${attrs.anchor}"` : ''}` +
  ` fill="${attrs.fill ?? CHART_COLORS.muted}"${attrs.bold ? ' font-weight="bold"' : ''}>${escapeHtml(content)}</text>`;

function frame(width: number, height: number, title: string, body: string): Svg {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${CHART_FONT_FAMILY}" role="img"><title>${escapeHtml(title)}</title>` +
    `<rect width="${width}" height="${height}" fill="${CHART_COLORS.background}"/>` +
    text(12, 22, shortName(title, 70), { size: 13, fill: CHART_COLORS.text, bold: true }) +
    `${body}</svg>`;
  return { svg, width, height };
}

/** A chart that says there is nothing to draw, rather than an empty or broken one. */
export function noDataChart(title: string): Svg {
  const h = NO_DATA_CHART_HEIGHT;
  return frame(
    CHART_WIDTH,
    h,
    title,
    text(CHART_WIDTH / 2, h / 2 + 12, 'No data to chart', { anchor: 'middle' }),
  );
}

/** A round step that cuts `span` into about `count` parts (1, 2, 2.5 or 5 times a power of ten). */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const nice = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 2.5 ? 2.5 : normalized <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** Enough decimals to tell ticks `step` apart. */
function tickFormat(step: number): (v: number) => string {
  const magnitude = Math.floor(Math.log10(step) + 1e-9);
  const quarter = Math.abs(step / 10 ** magnitude - 2.5) < 1e-6;
  const decimals = Math.min(8, Math.max(0, -magnitude + (quarter ? 1 : 0)));
  const format = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return (v) => format.format(v);
}

const isPlottable = (b: ChartBar): boolean =>
  [b.o, b.h, b.l, b.c].every((v) => Number.isFinite(v)) && typeof b.t === 'string';

/** Intraday bars of a single day are labelled by time, anything longer by date. */
function timeLabel(bars: readonly ChartBar[]): (t: string) => string {
  const first = bars[0]?.t ?? '';
  const oneDay = bars.every((b) => b.t.slice(0, 10) === first.slice(0, 10)) && first.length > 10;
  return oneDay ? (t) => t.slice(11, 16) : (t) => t.slice(0, 10);
}

export function priceChart(input: PriceChartInput): Svg {
  const bars = input.bars.filter(isPlottable);
  if (bars.length === 0) return noDataChart(input.title);
  const width = CHART_WIDTH;
  const height = PRICE_CHART_HEIGHT;
  const plot = { left: 12, right: width - 64, top: 40, bottom: height - 28 };
  const candles = bars.length <= CANDLESTICK_MAX_BARS;

  let lo = Math.min(...bars.map((b) => (candles ? b.l : b.c)));
  let hi = Math.max(...bars.map((b) => (candles ? b.h : b.c)));
  if (hi - lo <= Math.abs(hi) * 1e-9) {
    // A flat series still needs a span to draw against.
    const pad = Math.abs(hi) * 0.01 || 1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, 4);
  const low = Math.floor(lo / step) * step;
  const high = Math.ceil(hi / step) * step;
  const y = (v: number) => plot.bottom - ((v - low) / (high - low)) * (plot.bottom - plot.top);
  const slot = (plot.right - plot.left) / bars.length;
  const x = (i: number) => plot.left + (i + 0.5) * slot;

  const parts: string[] = [];
  const format = tickFormat(step);
  for (let i = 0, v = low; v <= high + step / 2 && i <= 12; i++, v = low + i * step) {
    parts.push(
      `<line x1="${plot.left}" y1="${at(y(v))}" x2="${plot.right}" y2="${at(y(v))}" stroke="${CHART_COLORS.grid}" shape-rendering="crispEdges"/>`,
      text(plot.right + 6, y(v) + 4, format(v)),
    );
  }
  const label = timeLabel(bars);
  const ticks = [...new Set([0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * (bars.length - 1))))];
  for (const i of ticks) {
    const anchor = ticks.length > 1 && i === 0 ? 'start' : i === bars.length - 1 && i > 0 ? 'end' : 'middle';
    const tx = anchor === 'start' ? plot.left : anchor === 'end' ? plot.right : x(i);
    parts.push(text(tx, height - 10, label((bars[i] as ChartBar).t), { anchor }));
  }

  if (candles) {
    const body = Math.max(1, Math.min(8, slot * 0.6));
    bars.forEach((b, i) => {
      const color = b.c >= b.o ? CHART_COLORS.up : CHART_COLORS.down;
      const top = y(Math.max(b.o, b.c));
      parts.push(
        `<line x1="${at(x(i))}" y1="${at(y(b.h))}" x2="${at(x(i))}" y2="${at(y(b.l))}" stroke="${color}"/>`,
        `<rect x="${at(x(i) - body / 2)}" y="${at(top)}" width="${at(body)}" height="${at(Math.max(1, y(Math.min(b.o, b.c)) - top))}" fill="${color}"/>`,
      );
    });
  } else {
    const line = bars.map((b, i) => `${i === 0 ? 'M' : 'L'}${at(x(i))} ${at(y(b.c))}`).join('');
    parts.push(
      `<path d="${line}L${at(x(bars.length - 1))} ${plot.bottom}L${at(x(0))} ${plot.bottom}Z" fill="${CHART_COLORS.area}"/>`,
      `<path d="${line}" fill="none" stroke="${CHART_COLORS.line}" stroke-width="1.5" stroke-linejoin="round"/>`,
    );
  }

  const index = new Map(bars.map((b, i) => [b.t, i]));
  const stacked = new Map<number, number>();
  const shown = new Map<AnomalyKind, number>();
  for (const marker of input.markers) {
    const i = index.get(marker.t);
    if (i === undefined) continue;
    const bar = bars[i] as ChartBar;
    const level = stacked.get(i) ?? 0;
    stacked.set(i, level + 1);
    shown.set(marker.kind, (shown.get(marker.kind) ?? 0) + 1);
    const tipY = y(candles ? bar.h : bar.c) - 4 - level * 8;
    const cx = x(i);
    parts.push(
      `<path d="M${at(cx)} ${at(tipY)}L${at(cx - 4)} ${at(tipY - 7)}L${at(cx + 4)} ${at(tipY - 7)}Z" fill="${MARKER_COLORS[marker.kind]}"/>`,
    );
  }
  let legendX = width - 12;
  for (const [kind, n] of [...shown].reverse()) {
    const words = `${kind} ${n}`;
    parts.push(text(legendX, 22, words, { anchor: 'end' }));
    legendX -= words.length * 6.8 + 4;
    parts.push(
      `<path d="M${at(legendX - 4)} 21L${at(legendX - 8)} 14L${at(legendX)} 14Z" fill="${MARKER_COLORS[kind]}"/>`,
    );
    legendX -= 16;
  }
  return frame(width, height, input.title, parts.join(''));
}

export function barChart(input: BarChartInput): Svg {
  const bars = input.bars.filter((b) => Number.isFinite(b.value));
  if (bars.length === 0) return noDataChart(input.title);
  const row = 22;
  const width = CHART_WIDTH;
  const height = 40 + bars.length * row + 8;
  const plot = { left: 156, right: width - 84, top: 40 };
  const low = Math.min(0, ...bars.map((b) => b.value));
  const high = Math.max(0, ...bars.map((b) => b.value));
  const scale = high > low ? (plot.right - plot.left) / (high - low) : 0;
  const x = (v: number) => plot.left + (v - low) * scale;
  const zero = x(0);
  const parts: string[] = [];
  bars.forEach((b, i) => {
    const top = plot.top + i * row;
    const end = x(b.value);
    const from = Math.min(zero, end);
    parts.push(
      text(plot.left - 8, top + 15, shortName(b.label, REPORT_LIMITS.chartLabelLength), {
        anchor: 'end',
        fill: CHART_COLORS.text,
      }),
      `<rect x="${at(from)}" y="${top + 4}" width="${at(Math.abs(end - zero))}" height="${row - 8}" rx="2" fill="${CHART_COLORS.bar}"/>`,
      b.value < 0
        ? text(from - 4, top + 15, b.valueLabel, { anchor: 'end' })
        : text(Math.max(end, zero) + 6, top + 15, b.valueLabel),
    );
  });
  parts.push(
    `<line x1="${at(zero)}" y1="${plot.top}" x2="${at(zero)}" y2="${plot.top + bars.length * row}" stroke="${CHART_COLORS.muted}" shape-rendering="crispEdges"/>`,
  );
  return frame(width, height, input.title, parts.join(''));
}

const SPARKLINE_HEIGHT = 72;

export const SEVERITY_COLORS = {
  info: '#64748b',
  low: '#0891b2',
  medium: '#ca8a04',
  high: '#ea580c',
  critical: '#dc2626',
} as const;

export interface SparklineInput {
  readonly title: string;
  /** Oldest first. */
  readonly bars: readonly ChartBar[];
  /** Bars to mark, with the severity of the finding on them. */
  readonly marks: ReadonlyArray<{ readonly t: string; readonly severity: keyof typeof SEVERITY_COLORS }>;
}

/** A symbol card's close line: no axes, the last close at the end, a dot on the bar of each finding. */
export function sparkline(input: SparklineInput): Svg {
  const bars = input.bars.filter(isPlottable);
  const width = CHART_WIDTH;
  const height = SPARKLINE_HEIGHT;
  if (bars.length < 2) {
    return frame(
      width,
      height,
      input.title,
      text(width / 2, height / 2 + 14, 'Too few bars to draw', { anchor: 'middle' }),
    );
  }
  const plot = { left: 12, right: width - 84, top: 32, bottom: height - 8 };
  let lo = Math.min(...bars.map((b) => b.c));
  let hi = Math.max(...bars.map((b) => b.c));
  if (hi - lo <= Math.abs(hi) * 1e-9) {
    const pad = Math.abs(hi) * 0.01 || 1;
    lo -= pad;
    hi += pad;
  }
  const x = (i: number) => plot.left + (i / (bars.length - 1)) * (plot.right - plot.left);
  const y = (v: number) => plot.bottom - ((v - lo) / (hi - lo)) * (plot.bottom - plot.top);
  const points = bars.map((b, i) => `${at(x(i))},${at(y(b.c))}`).join(' ');
  const index = new Map(bars.map((b, i) => [b.t, i]));
  const dots = input.marks
    .filter((m) => index.has(m.t))
    .map((m) => {
      const i = index.get(m.t) as number;
      return `<circle cx="${at(x(i))}" cy="${at(y((bars[i] as ChartBar).c))}" r="4" fill="${SEVERITY_COLORS[m.severity]}"/>`;
    })
    .join('');
  const last = bars[bars.length - 1] as ChartBar;
  const body =
    `<polyline points="${points}" fill="none" stroke="${CHART_COLORS.line}" stroke-width="1.6"/>` +
    dots +
    text(plot.right + 8, y(last.c) + 4, tickFormat(niceStep(hi - lo, 4) / 10)(last.c), {
      size: 12,
      fill: CHART_COLORS.text,
      bold: true,
    });
  return frame(width, height, input.title, body);
}
