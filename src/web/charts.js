/**
 * Charts on lightweight-charts 5, loaded as the classic script
 * `/vendor/lightweight-charts.js` (global `LightweightCharts`). Each function
 * draws into a container and returns the chart, whose `remove()` the caller
 * owes when the view goes away.
 */

const COLORS = {
  up: '#15803d',
  down: '#b91c1c',
  upVolume: 'rgba(21, 128, 61, 0.35)',
  downVolume: 'rgba(185, 28, 28, 0.35)',
  sma: '#d97706',
  band: '#2563eb',
  line: '#4f46e5',
  bars: 'rgba(79, 70, 229, 0.35)',
  anomaly: '#7c3aed',
};

const DAY_SECONDS = 86_400;
const DASHED = 2;

function library() {
  const lib = globalThis.LightweightCharts;
  if (!lib) throw new Error('the chart library did not load (/vendor/lightweight-charts.js)');
  return lib;
}

/**
 * The library throws on times out of order or repeated, so points are sorted
 * and the last value of a repeated time wins.
 * @template {{time: number}} T
 * @param {T[]} points
 * @returns {T[]}
 */
export function ascending(points) {
  const byTime = new Map();
  for (const point of points) byTime.set(point.time, point);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

/** Intraday data needs the clock on the time axis; daily data does not. */
function isIntraday(points) {
  for (let i = 1; i < points.length; i += 1) {
    if (points[i].time - points[i - 1].time < DAY_SECONDS) return true;
  }
  return false;
}

/** @param {HTMLElement} container @param {{time: number}[]} points */
function baseChart(container, points) {
  return library().createChart(container, {
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: '#1f2937', fontFamily: 'system-ui, sans-serif' },
    grid: { vertLines: { color: '#f1f5f9' }, horzLines: { color: '#f1f5f9' } },
    rightPriceScale: { borderColor: '#cbd5e1' },
    timeScale: { borderColor: '#cbd5e1', timeVisible: isIntraday(points), secondsVisible: false },
  });
}

const overlay = {
  lineWidth: 1,
  priceLineVisible: false,
  lastValueVisible: false,
  crosshairMarkerVisible: false,
};

/** @param {HTMLElement} container @param {any} view a `MarketView` */
export function marketChart(container, view) {
  const lib = library();
  const bars = ascending(view.bars);
  const chart = baseChart(container, bars);
  const candles = chart.addSeries(lib.CandlestickSeries, {
    upColor: COLORS.up,
    downColor: COLORS.down,
    borderUpColor: COLORS.up,
    borderDownColor: COLORS.down,
    wickUpColor: COLORS.up,
    wickDownColor: COLORS.down,
  });
  candles.setData(bars.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
  // Volume gets its own scale in the bottom fifth so it never squashes the candles.
  const volume = chart.addSeries(lib.HistogramSeries, {
    priceScaleId: 'volume',
    priceFormat: { type: 'volume' },
    lastValueVisible: false,
    priceLineVisible: false,
  });
  chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  candles.priceScale().applyOptions({ scaleMargins: { top: 0.05, bottom: 0.25 } });
  volume.setData(
    bars.map((b) => ({
      time: b.time,
      value: b.volume,
      color: b.close >= b.open ? COLORS.upVolume : COLORS.downVolume,
    })),
  );
  const band = { ...overlay, color: COLORS.band };
  const { bollinger } = view;
  chart.addSeries(lib.LineSeries, { ...band, lineStyle: DASHED }).setData(ascending(bollinger.upper));
  chart
    .addSeries(lib.LineSeries, { ...band, title: `BB ${bollinger.period}, ${bollinger.stdDev}σ` })
    .setData(ascending(bollinger.middle));
  chart.addSeries(lib.LineSeries, { ...band, lineStyle: DASHED }).setData(ascending(bollinger.lower));
  // Drawn after the bands: the SMA is often the very line of the middle band, and should stay visible.
  chart
    .addSeries(lib.LineSeries, {
      ...overlay,
      color: COLORS.sma,
      lineWidth: 2,
      title: `SMA ${view.sma.period}`,
    })
    .setData(ascending(view.sma.points));
  lib.createSeriesMarkers(
    candles,
    // Not `ascending`: two anomalies of one bar are two markers.
    [...view.anomalies]
      .sort((a, b) => a.time - b.time)
      .map((a) => ({
        time: a.time,
        position: 'aboveBar',
        shape: 'arrowDown',
        color: COLORS.anomaly,
        text: a.kind,
      })),
  );
  chart.timeScale().fitContent();
  return chart;
}

/** @param {HTMLElement} container @param {any} view a `SalesView` */
export function salesChart(container, view) {
  const lib = library();
  const daily = ascending(view.daily);
  const chart = baseChart(container, daily);
  chart
    .addSeries(lib.LineSeries, {
      color: COLORS.line,
      lineWidth: 2,
      title: 'revenue',
      priceLineVisible: false,
    })
    .setData(daily.map((d) => ({ time: d.time, value: d.revenue })));
  // Orders in a pane of their own: on one scale with revenue they would read as money.
  const ordersPane = 1;
  chart
    .addSeries(
      lib.HistogramSeries,
      { color: COLORS.bars, title: 'orders', priceLineVisible: false, priceFormat: { type: 'volume' } },
      ordersPane,
    )
    .setData(daily.map((d) => ({ time: d.time, value: d.orders })));
  chart.panes()[ordersPane]?.setStretchFactor(0.6);
  chart.timeScale().fitContent();
  return chart;
}

/** @param {HTMLElement} container @param {{time: number, value: number}[]} points @param {string} title */
export function lineChart(container, points, title) {
  const lib = library();
  const data = ascending(points);
  const chart = baseChart(container, data);
  chart
    .addSeries(lib.LineSeries, { color: COLORS.line, lineWidth: 2, title, priceLineVisible: false })
    .setData(data);
  chart.timeScale().fitContent();
  return chart;
}
