/**
 * Chart SVG to PNG with resvg (Rust, no browser, no native build step). Mail
 * clients do not show SVG, so charts travel as PNG. resvg draws text only
 * with fonts it is handed, and AWS Lambda has no system fonts: the bundled
 * font files come from an npm package when it is installed, and system fonts
 * are the fallback until it is.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import type { ChartRasterizer } from '../../core/ports.js';

/** Inter (OFL), the first family the chart SVGs ask for. */
export const BUNDLED_FONT = {
  packageName: '@expo-google-fonts/inter',
  files: ['400Regular/Inter_400Regular.ttf', '700Bold/Inter_700Bold.ttf'],
  family: 'Inter',
} as const;

/** What the charts fall back to with system fonts: Debian's fonts-dejavu-core, which Chromium pulls in. */
const SYSTEM_SANS_FAMILY = 'DejaVu Sans';

/**
 * Paths of the font files: a `fonts/` folder beside the running module first (a
 * Lambda bundle ships them there, with no node_modules), else the npm package;
 * none when neither exists.
 */
export function bundledFontFiles(): string[] {
  const beside = BUNDLED_FONT.files.map((file) =>
    fileURLToPath(new URL(`./fonts/${path.basename(file)}`, import.meta.url)),
  );
  if (beside.every((file) => existsSync(file))) return beside;
  const require = createRequire(import.meta.url);
  try {
    return BUNDLED_FONT.files.map((file) => require.resolve(`${BUNDLED_FONT.packageName}/${file}`));
  } catch {
    return [];
  }
}

export interface ResvgRasterizerOptions {
  /** TTF/OTF files to draw text with; system fonts are not loaded when there are any. @default bundledFontFiles() */
  readonly fontFiles?: readonly string[];
  /** Family that generic `sans-serif` resolves to. @default 'Inter' with font files, else 'DejaVu Sans' */
  readonly sansSerifFamily?: string;
  /** Pixels per SVG unit: 2 keeps charts sharp on high-density screens. @default 2 (0.5 to 4) */
  readonly scale?: number;
}

export class ResvgRasterizer implements ChartRasterizer {
  /** Where text glyphs come from, for logs and tests. */
  readonly fonts: { readonly source: 'files' | 'system'; readonly files: readonly string[] };
  private readonly renderOptions: ResvgRenderOptions;

  constructor(options: ResvgRasterizerOptions = {}) {
    const scale = options.scale ?? 2;
    if (!(scale >= 0.5 && scale <= 4)) {
      throw new RangeError(`scale must be between 0.5 and 4 inclusive (given ${scale})`);
    }
    const files = [...(options.fontFiles ?? bundledFontFiles())];
    const family = options.sansSerifFamily ?? (files.length > 0 ? BUNDLED_FONT.family : SYSTEM_SANS_FAMILY);
    this.fonts = { source: files.length > 0 ? 'files' : 'system', files };
    this.renderOptions = {
      fitTo: { mode: 'zoom', value: scale },
      background: '#ffffff',
      font: {
        // Scanning system fonts costs time on every render; with files of its own it is not needed.
        loadSystemFonts: files.length === 0,
        fontFiles: files,
        defaultFontFamily: family,
        sansSerifFamily: family,
      },
      logLevel: 'off',
    };
  }

  toPng(svg: string): Uint8Array {
    const image = new Resvg(svg, this.renderOptions).render();
    return indexedPng(image.width, image.height, image.pixels) ?? image.asPng();
  }
}

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, tail]);
}

/** Nearest palette entry by squared RGB distance. */
function nearest(color: number, palette: readonly number[]): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = 0; i < palette.length; i++) {
    const other = palette[i] as number;
    const distance =
      (((color >> 16) & 255) - ((other >> 16) & 255)) ** 2 +
      (((color >> 8) & 255) - ((other >> 8) & 255)) ** 2 +
      ((color & 255) - (other & 255)) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  }
  return best;
}

/** At most this share of pixels may take a nearest palette color instead of their own. */
const MAX_REMAPPED_SHARE = 0.01;

/**
 * The pixels as an 8-bit palette PNG, about half the size of resvg's RGBA
 * one. A flat chart on white has a few hundred colors at most, antialiasing
 * included: past 256, the rarest (a few edge pixels) take the nearest kept
 * color, which no eye can tell. Undefined for anything else (transparency,
 * gradients, pictures): those keep resvg's own PNG.
 */
function indexedPng(width: number, height: number, rgba: Uint8Array): Buffer | undefined {
  const pixels = width * height;
  const colors = new Uint32Array(pixels);
  const frequency = new Map<number, number>();
  // Charts are mostly runs of one color: count a run once instead of every pixel.
  let run = -1;
  let runLength = 0;
  for (let i = 0; i < pixels; i++) {
    if (rgba[i * 4 + 3] !== 255) return undefined;
    const color =
      ((rgba[i * 4] as number) << 16) | ((rgba[i * 4 + 1] as number) << 8) | (rgba[i * 4 + 2] as number);
    colors[i] = color;
    if (color === run) {
      runLength++;
      continue;
    }
    if (runLength > 0) frequency.set(run, (frequency.get(run) ?? 0) + runLength);
    run = color;
    runLength = 1;
  }
  if (runLength > 0) frequency.set(run, (frequency.get(run) ?? 0) + runLength);
  const palette = [...frequency.keys()].sort(
    (a, b) => (frequency.get(b) as number) - (frequency.get(a) as number),
  );
  const remapped = palette.slice(256).reduce((sum, color) => sum + (frequency.get(color) as number), 0);
  if (remapped > pixels * MAX_REMAPPED_SHARE) return undefined;
  palette.length = Math.min(palette.length, 256);
  const index = new Map(palette.map((color, i) => [color, i]));
  // Filter byte 0 (none) on every row: the PNG spec's advice for palette images.
  const rows = Buffer.alloc(height * (width + 1));
  let last = -1;
  let lastIndex = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const color = colors[y * width + x] as number;
      if (color !== last) {
        let i = index.get(color);
        if (i === undefined) {
          i = nearest(color, palette);
          index.set(color, i);
        }
        last = color;
        lastIndex = i;
      }
      rows[y * (width + 1) + 1 + x] = lastIndex;
    }
  }
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((color, i) => {
    plte.writeUIntBE(color, i * 3, 3);
  });
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per index
  header[9] = 3; // color type: palette
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('PLTE', plte),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}
