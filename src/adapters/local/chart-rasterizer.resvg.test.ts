import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { barChart, CHART_FONT_FAMILY, priceChart } from '../../core/notify/charts.js';
import { randomWalkBars } from '../../samples/random-walk.js';
import { BUNDLED_FONT, bundledFontFiles, ResvgRasterizer } from './chart-rasterizer.resvg.js';

/** Debian's fonts-dejavu-core, present wherever Chromium is installed; the test font when Inter is not. */
const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const testFont = bundledFontFiles()[0] ?? (existsSync(DEJAVU) ? DEJAVU : undefined);

interface Png {
  readonly width: number;
  readonly height: number;
  readonly colorType: number;
  readonly chunks: ReadonlyMap<string, Buffer>;
}

function readPng(bytes: Uint8Array): Png {
  const buffer = Buffer.from(bytes);
  expect([...buffer.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks = new Map<string, Buffer>();
  for (let at = 8; at < buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    chunks.set(
      type,
      Buffer.concat([chunks.get(type) ?? Buffer.alloc(0), buffer.subarray(at + 8, at + 8 + length)]),
    );
    at += 12 + length;
  }
  const header = chunks.get('IHDR') as Buffer;
  return {
    width: header.readUInt32BE(0),
    height: header.readUInt32BE(4),
    colorType: header[9] as number,
    chunks,
  };
}

/** RGB of every pixel of a palette PNG whose rows all use filter 0, as the rasterizer writes them. */
function paletteRgb(png: Png): Uint8Array {
  const palette = png.chunks.get('PLTE') as Buffer;
  const rows = inflateSync(png.chunks.get('IDAT') as Buffer);
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let y = 0; y < png.height; y++) {
    expect(rows[y * (png.width + 1)]).toBe(0);
    for (let x = 0; x < png.width; x++) {
      const i = rows[y * (png.width + 1) + 1 + x] as number;
      rgb.set(palette.subarray(i * 3, i * 3 + 3), (y * png.width + x) * 3);
    }
  }
  return rgb;
}

const rgbOf = (rgba: Uint8Array) => rgba.filter((_, i) => i % 4 !== 3);

const priceSvg = (bars: number) =>
  priceChart({
    title: 'AAPL · price',
    bars: randomWalkBars({ seed: 7, bars, symbol: 'AAPL' }).map((r) => ({
      t: r.datetime,
      o: r.open,
      h: r.high,
      l: r.low,
      c: r.close,
      v: r.volume ?? 0,
    })),
    markers: [],
  }).svg;

const textSvg = (content: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="#fff"/>` +
  `<text x="10" y="28" font-size="20" font-family="${BUNDLED_FONT.family}, 'DejaVu Sans', sans-serif">${content}</text></svg>`;

describe('ResvgRasterizer', () => {
  const rasterizer = new ResvgRasterizer();

  it('draws at twice the SVG size for sharp images on dense screens', () => {
    const png = readPng(rasterizer.toPng(priceSvg(60)));
    expect([png.width, png.height]).toEqual([1200, 480]);
  });

  it('keeps chart PNGs small: under 40 KB for candlesticks, a close line and a bar chart', () => {
    const bars = barChart({
      title: 'Revenue by brand',
      bars: ['Apple', 'Samsung', 'Xiaomi', 'Oppo', 'Vivo'].map((b, i) => ({
        label: b,
        value: 5 - i,
        valueLabel: `${5 - i}`,
      })),
    }).svg;
    for (const svg of [priceSvg(60), priceSvg(120), bars]) {
      expect(rasterizer.toPng(svg).length).toBeLessThan(40 * 1024);
    }
  });

  it('writes a chart as a palette PNG with exactly the pixels resvg drew', () => {
    // Shapes only: the comparison must not depend on which fonts this machine has.
    const svg = priceSvg(90).replace(/<text[^>]*>[^<]*<\/text>/g, '');
    const png = readPng(rasterizer.toPng(svg));
    expect(png.colorType).toBe(3);
    const drawn = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: '#ffffff' }).render();
    expect(Buffer.from(paletteRgb(png)).equals(Buffer.from(rgbOf(drawn.pixels)))).toBe(true);
  });

  it("keeps resvg's full-color PNG for an image a palette cannot hold, such as gradients", () => {
    const gradients =
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><defs>' +
      '<linearGradient id="a"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#f00"/></linearGradient>' +
      '<linearGradient id="b"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#00f"/></linearGradient>' +
      '</defs><rect width="300" height="50" fill="url(#a)"/><rect y="50" width="300" height="50" fill="url(#b)"/></svg>';
    expect(readPng(rasterizer.toPng(gradients)).colorType).toBe(6);
  });

  it.runIf(testFont)('draws text with the font files it is given, without any system font', () => {
    const withFiles = new ResvgRasterizer({ fontFiles: [testFont as string] });
    expect(withFiles.fonts).toEqual({ source: 'files', files: [testFont] });
    // The same picture with and without the word: identical bytes would mean no glyph was drawn.
    expect(
      Buffer.from(withFiles.toPng(textSvg('Sluice 123'))).equals(Buffer.from(withFiles.toPng(textSvg('')))),
    ).toBe(false);
  });

  it('is handed the family the chart SVGs ask for first', () => {
    expect(CHART_FONT_FAMILY.split(',')[0]).toBe(BUNDLED_FONT.family);
  });

  it('falls back to system fonts when the bundled font package is not installed', () => {
    expect(rasterizer.fonts.source).toBe(bundledFontFiles().length > 0 ? 'files' : 'system');
  });

  it('refuses a scale outside 0.5 to 4, saying what it was given', () => {
    expect(() => new ResvgRasterizer({ scale: 8 })).toThrow(
      'scale must be between 0.5 and 4 inclusive (given 8)',
    );
  });
});
