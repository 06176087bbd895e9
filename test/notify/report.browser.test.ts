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
import type { Narrative } from '../../src/core/analyze/narrative.js';
import { inlineCidImages, type RenderedReport, renderReport } from '../../src/core/notify/index.js';
import type { Analyst } from '../../src/core/ports.js';
import { marketAnalysis } from '../helpers/analysis-fixtures.js';
import { chromiumSuiteTitle, hasChromium, launchChromium } from '../helpers/chromium.js';

const SCREENSHOT = path.resolve(process.cwd(), 'artifacts/report-market.png');

/** A model that answers in narrative v2, citing real ids from its facts, with markup in every text field. */
const hostileAnalyst = (): Analyst => ({
  name: 'amazon.nova-lite-v1:0',
  async write(request) {
    const facts = request.facts as { findings: { notable: Array<{ id: string }> } };
    const narrative: Narrative = {
      headline: 'NVDA led a mixed market <script>window.__xss=1</script>',
      executiveSummary:
        'One of three symbols rose. <script>window.__xss=1</script> The mean change was small.',
      insights: [
        {
          text: 'NVDA was the top gainer. <img src=x onerror="window.__xss=1">',
          confidence: 'high',
          facts: ['topGainers.0'],
        },
        { text: 'Turbulence reads high.', confidence: 'medium', facts: ['turbulence'] },
      ],
      recommendations: [
        {
          action: 'Review the most severe finding <img src=x onerror="window.__xss=1">',
          priority: 'high',
          rationale: 'It is the worst one in the file.',
          findings: [facts.findings.notable[0]?.id as string],
        },
      ],
      symbols: [{ symbol: 'NVDA', outlook: 'bullish', text: 'Trend up. <script>window.__xss=1</script>' }],
      sentiment: 'neutral',
    };
    return {
      narrative,
      model: this.name,
      usage: { inputTokens: 1200, outputTokens: 300 },
      attempts: 1,
      latencyMs: 7,
    };
  },
});

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
    const stored = await marketAnalysis({ analyst: hostileAnalyst() });
    expect(stored.analyst.fallback).toBeUndefined();
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
      `[...document.images].map((i) => ({ src: i.src.slice(0, 22), complete: i.complete, naturalWidth: i.naturalWidth, visible: i.getBoundingClientRect().height > 40 }))`,
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

  it('shows the executive summary, recommendations, findings and insights first, with their badges', async () => {
    const headings = await page.locator('h2').allInnerTexts();
    expect(headings.slice(0, 5)).toEqual([
      'Executive summary',
      'Recommendations',
      'Findings',
      'Insights',
      'At a glance',
    ]);
    const body = await page.locator('body').innerText();
    expect(body).toContain('HIGH');
    expect(body).toMatch(/\b(LOW|MEDIUM|HIGH|CRITICAL)\b/);
    expect(body).toContain('HIGH CONFIDENCE');
    expect(body).toContain('Evidence: ');
    expect(body).toMatch(/outlook by symbol/i);
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
