/**
 * The market report as a person sees it: rendered from a real analysis,
 * charts rasterized and inlined, opened in headless Chromium with a narrative
 * that tries to run script. Needs Debian's chromium at /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResvgRasterizer } from '../../src/adapters/local/chart-rasterizer.resvg.js';
import { inlineCidImages, type RenderedReport, renderReport } from '../../src/core/notify/index.js';
import { marketAnalysis, scriptedAnalyst } from '../helpers/analysis-fixtures.js';
import { chromiumSuiteTitle, hasChromium, launchChromium } from '../helpers/chromium.js';

const SCREENSHOT = path.resolve(process.cwd(), 'artifacts/report-market.png');

const hostileNarrative = {
  headline: 'NVDA led a mixed market <script>window.__xss=1</script>',
  summary: 'One of three symbols rose. <script>window.__xss=1</script> The mean change was small.',
  highlights: ['NVDA gained 13.3%. <img src=x onerror="window.__xss=1">'],
  concerns: ['<img src=x onerror="window.__xss=1"> AAPL fell 8.3%.'],
  sentiment: 'neutral' as const,
};

interface ImageState {
  readonly src: string;
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly visible: boolean;
}

describe.skipIf(!hasChromium)(chromiumSuiteTitle('the market report in headless Chromium'), () => {
  let browser: Browser;
  let page: Page;
  let report: RenderedReport;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    const stored = await marketAnalysis({ analyst: scriptedAnalyst(hostileNarrative) });
    report = renderReport(stored, {
      generatedAt: '2026-01-05T10:01:00.000Z',
      subjectTemplate: '{headline}',
    });
    const rasterizer = new ResvgRasterizer();
    const html = inlineCidImages(
      report.html,
      report.charts.map((c) => ({ cid: c.cid, content: rasterizer.toPng(c.svg) })),
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 760, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.setContent(html, { waitUntil: 'load' });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the data tables with their rows', async () => {
    const tables = page.locator('table:not([role="presentation"])');
    expect(await tables.count()).toBeGreaterThanOrEqual(2);
    for (const symbol of ['NVDA', 'MSFT', 'AAPL']) {
      expect(await page.getByRole('cell', { name: symbol, exact: true }).isVisible()).toBe(true);
    }
    expect(await page.getByRole('columnheader', { name: 'RSI(14)' }).isVisible()).toBe(true);
  });

  it('loads and shows every chart image', async () => {
    const images = await page.evaluate<ImageState[]>(
      `[...document.images].map((i) => ({ src: i.src.slice(0, 22), complete: i.complete, naturalWidth: i.naturalWidth, visible: i.getBoundingClientRect().height > 100 }))`,
    );
    expect(images).toHaveLength(report.charts.length);
    for (const image of images) {
      expect(image).toEqual({
        src: 'data:image/png;base64,',
        complete: true,
        naturalWidth: 1200,
        visible: true,
      });
    }
  });

  it('runs no script from the narrative and shows it as text', async () => {
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);
    const body = await page.locator('body').innerText();
    expect(body).toContain('<script>window.__xss=1</script>');
    expect(body).toContain('<img src=x onerror="window.__xss=1">');
  });

  it('logs no error and fetches nothing from anywhere', () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('saves a full-page screenshot to artifacts/report-market.png', async () => {
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
