import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChartBar } from '../analyze/stored-analysis.js';
import { barChart, CANDLESTICK_MAX_BARS, CHART_WIDTH, noDataChart, priceChart, type Svg } from './charts.js';

const day = (i: number) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);

const bars = (closes: readonly number[]): ChartBar[] =>
  closes.map((c, i) => ({ t: day(i), o: c * 0.99, h: c * 1.02, l: c * 0.98, c, v: 1000 + i }));

const walk = (n: number) => bars(Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin(i / 5)));

/** The SVG parses as XML-ish text: one root, sized, nothing fetched from outside. */
function expectSelfContained(chart: Svg): void {
  expect(chart.svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
  expect(chart.svg.endsWith('</svg>')).toBe(true);
  expect(chart.svg).not.toMatch(/href|url\(|<image|<script|@import/i);
  expect(chart.svg).not.toMatch(/NaN|Infinity|undefined/);
  expect(chart.width).toBe(CHART_WIDTH);
}

const count = (svg: string, pattern: RegExp) => svg.match(pattern)?.length ?? 0;

describe('priceChart', () => {
  it('draws candlesticks, one body per bar, up to the candlestick limit', () => {
    const chart = priceChart({ title: 'AAA · price', bars: walk(CANDLESTICK_MAX_BARS), markers: [] });
    expectSelfContained(chart);
    expect(count(chart.svg, /<rect /g) - 1).toBe(CANDLESTICK_MAX_BARS);
  });

  it('draws a close line with an area past the candlestick limit', () => {
    const chart = priceChart({ title: 'AAA · price', bars: walk(120), markers: [] });
    expectSelfContained(chart);
    expect(count(chart.svg, /<rect /g)).toBe(1);
    expect(chart.svg).toContain('stroke-width="1.5"');
  });

  it('marks the bars of anomalies and names their kinds in a legend, skipping dates outside the chart', () => {
    const chart = priceChart({
      title: 'AAA · price',
      bars: walk(30),
      markers: [
        { t: day(3), kind: 'gap' },
        { t: day(3), kind: 'volume' },
        { t: day(10), kind: 'gap' },
        { t: '1999-01-01', kind: 'split' },
      ],
    });
    expect(count(chart.svg, /fill="#ea580c"/g)).toBe(3);
    expect(count(chart.svg, /fill="#0891b2"/g)).toBe(2);
    expect(chart.svg).not.toContain('#7c3aed');
    expect(chart.svg).toContain('>gap 2</text>');
    expect(chart.svg).toContain('>volume 1</text>');
  });

  it('labels the price axis and the first and last dates', () => {
    const chart = priceChart({ title: 'AAA · price', bars: walk(40), markers: [] });
    expect(chart.svg).toContain(`>${day(0)}</text>`);
    expect(chart.svg).toContain(`>${day(39)}</text>`);
    expect(chart.svg).toMatch(/>1[01]\d<\/text>/);
  });

  it('labels intraday bars of one day by time', () => {
    const intraday = walk(10).map((b, i) => ({ ...b, t: `2024-01-02 09:${String(30 + i)}:00` }));
    const chart = priceChart({ title: 'AAA · price', bars: intraday, markers: [] });
    expect(chart.svg).toContain('>09:30</text>');
  });

  it('draws flat prices around their level instead of dividing by a zero span', () => {
    const flat = Array.from({ length: 30 }, (_, i) => ({ t: day(i), o: 5, h: 5, l: 5, c: 5, v: 0 }));
    const chart = priceChart({ title: 'FLAT', bars: flat, markers: [] });
    expectSelfContained(chart);
    expect(chart.svg).toMatch(/>5\.0+<\/text>/);
  });

  it('draws a single bar', () => {
    expectSelfContained(priceChart({ title: 'ONE', bars: walk(1), markers: [{ t: day(0), kind: 'move' }] }));
  });

  it('says there is no data for an empty series or one whose numbers are unusable', () => {
    for (const series of [[], [{ t: day(0), o: Number.NaN, h: 1, l: 1, c: 1, v: 1 }]]) {
      const chart = priceChart({ title: 'NONE', bars: series, markers: [] });
      expectSelfContained(chart);
      expect(chart.svg).toContain('No data to chart');
    }
  });

  it('escapes the title, which comes from the data, in the drawn text and the <title>', () => {
    const chart = priceChart({ title: '<script>alert(1)</script> & co', bars: walk(5), markers: [] });
    expect(chart.svg).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>');
    expect(chart.svg).not.toContain('<script');
  });

  it('never writes NaN or Infinity for any finite prices, however extreme', () => {
    const price = fc.double({ min: 1e-8, max: 1e9, noNaN: true, noDefaultInfinity: true });
    const bar = fc.tuple(price, price, price, price).map(([a, b, c, d]) => {
      const sorted = [a, b, c, d].sort((x, y) => x - y);
      return {
        o: sorted[1] as number,
        c: sorted[2] as number,
        l: sorted[0] as number,
        h: sorted[3] as number,
      };
    });
    fc.assert(
      fc.property(fc.array(bar, { maxLength: 130 }), (ohlc) => {
        const series = ohlc.map((b, i) => ({ ...b, t: day(i), v: 1 }));
        const { svg } = priceChart({
          title: 'P',
          bars: series,
          markers: series.map((b) => ({ t: b.t, kind: 'move' })),
        });
        return !/NaN|Infinity/.test(svg);
      }),
      { numRuns: 200 },
    );
  });
});

describe('barChart', () => {
  const datum = (label: string, value: number) => ({ label, value, valueLabel: String(value) });

  it('draws one bar per datum with its label and value, height growing with the count', () => {
    const three = barChart({ title: 'Revenue', bars: [datum('A', 3), datum('B', 2), datum('C', 1)] });
    const one = barChart({ title: 'Revenue', bars: [datum('A', 3)] });
    expectSelfContained(three);
    expectSelfContained(one);
    expect(count(three.svg, /rx="2"/g)).toBe(3);
    expect(three.height).toBeGreaterThan(one.height);
    expect(three.svg).toContain('>B</text>');
  });

  it('draws zero bars without dividing by a zero range', () => {
    expectSelfContained(barChart({ title: 'Zero', bars: [datum('A', 0), datum('B', 0)] }));
  });

  it('draws negative values to the left of zero', () => {
    expectSelfContained(barChart({ title: 'Signed', bars: [datum('up', 5), datum('down', -5)] }));
  });

  it('says there is no data when no value is a finite number', () => {
    expect(barChart({ title: 'None', bars: [datum('A', Number.NaN)] }).svg).toContain('No data to chart');
    expect(barChart({ title: 'None', bars: [] }).svg).toContain('No data to chart');
  });

  it('escapes and shortens labels from the data', () => {
    const chart = barChart({ title: 'Brands', bars: [datum('<img src=x onerror=alert(1)>', 1)] });
    expect(chart.svg).toContain('&lt;img src=x onerro…');
    expect(chart.svg).not.toContain('<img');
  });
});

describe('noDataChart', () => {
  it('is a small self-contained chart with its title', () => {
    const chart = noDataChart('Nothing here');
    expectSelfContained(chart);
    expect(chart.svg).toContain('>Nothing here</text>');
  });
});
