/**
 * The dashboard as a person uses it: `sluice dev` in a child process, the page
 * in headless Chromium, files uploaded through the page, the run followed to
 * its detail and its symbol chart. Needs Debian's chromium at /usr/bin/chromium.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHealthVitals, generateSmartphoneSales } from '../../src/samples/csv.generators.js';
import { twelveDataSample, twelveDataText } from '../../src/samples/twelvedata.generator.js';
import { chromiumSuiteTitle, hasChromium, launchChromium } from '../helpers/chromium.js';

const BIN = path.resolve('bin/sluice.js');
const WEB = path.resolve('src/web');
const ARTIFACTS = path.resolve('artifacts');
const READY = /sluice dev: dashboard on (http:\/\/127\.0\.0\.1:\d+)/;
const FINAL_STATUSES = ['reported', 'rejected', 'failed'];
const RUN_TIMEOUT_MS = 40_000;
/** Above RUN_TIMEOUT_MS, so a run that never settles fails on its locator, which says what it waited for. */
const TEST_TIMEOUT_MS = 60_000;

const EXPECTED_REFUSAL = 'the server responded with a status of 415';
const HOSTILE_SYMBOL = '<img src=x onerror=alert(1)>';
const HOSTILE_FILE = '<img src=x onerror=alert(3)>.json';
const HOSTILE_VALUE = '<script>alert(2)</script>';

interface ManifestCounts {
  total: number;
  valid: number;
  rejected: number;
  reasons: Record<string, number>;
}

/** A one-symbol Twelve Data file named by markup, with one row whose price is markup too. */
function hostileSample(): string {
  const text = twelveDataText({ symbols: 1, valuesPerSymbol: 40, badRatio: 0, seed: 8, shape: 'single' });
  const data = JSON.parse(text) as { meta: { symbol: string }; values: Array<Record<string, string>> };
  data.meta.symbol = HOSTILE_SYMBOL;
  const [first] = data.values;
  data.values.push({ ...first, datetime: '2023-06-01', open: HOSTILE_VALUE });
  return JSON.stringify(data);
}

/** Starts `sluice dev` on a free port and resolves with its URL once it says so. */
function startDev(dataDir: string): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, SLUICE_LOG_LEVEL: 'error', SLUICE_ANALYST: 'offline' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sluice dev did not start in 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = READY.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice dev exited with ${code} before it was ready:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

/** SIGINT first, for a clean shutdown; SIGKILL if it does not go within 5 s. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// Page functions are strings: this project type-checks without the DOM library.
/** Whether a chart canvas holds coloured pixels: the library paints on a later animation frame. */
const CHART_PAINTED = `() => [...document.querySelectorAll('[data-testid=chart] canvas')].some((canvas) => {
  const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
  for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200)) return true;
  return false;
})`;

/** An expression for a DataTransfer holding one JSON file, as a drag from the desktop carries it. */
const fileTransfer = (text: string, name: string) => `(() => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'application/json' }));
  return transfer;
})()`;

async function textOf(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

const counted = (n: number) => n.toLocaleString('en-US');

describe('the dashboard sources', () => {
  it('never hand a string to an HTML parser or evaluate one as code', async () => {
    const scripts = (await readdir(WEB)).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(3);
    for (const file of scripts) {
      const source = await readFile(path.join(WEB, file), 'utf8');
      expect(source, file).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
      );
    }
  });

  it('load every script from a file, so a CSP of script-src self allows them all', async () => {
    const html = await readFile(path.join(WEB, 'index.html'), 'utf8');
    const tags = html.match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) expect(tag).toMatch(/\ssrc="\.\/[^"]+"/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});

describe.skipIf(!hasChromium)(chromiumSuiteTitle('the dashboard in headless Chromium'), () => {
  let dir: string;
  let dataDir: string;
  let dev: ReturnType<typeof startDev> | undefined;
  let url: string;
  let browser: Browser | undefined;
  let page: Page;
  let runId: string;
  const problems: string[] = [];
  const dialogs: string[] = [];
  const uploaded: string[] = [];

  /** Waits until the run's row reaches a final status, and returns that status. */
  async function settledRow(id: string): Promise<string> {
    const settled = FINAL_STATUSES.map((status) => `[data-status="${status}"]`).join(', ');
    const row = page.locator(`tr[data-run-id="${id}"]:is(${settled})`);
    await row.waitFor({ timeout: RUN_TIMEOUT_MS });
    return (await row.getAttribute('data-status')) ?? '';
  }

  /** The id of the run the upload status links to, once an upload other than the earlier ones is accepted. */
  async function acceptedRunId(): Promise<string> {
    const earlier = uploaded.map((id) => `:not([href$="${id}"])`).join('');
    const link = page.locator(`[data-testid="upload-run-link"]${earlier}`);
    await link.waitFor({ timeout: 15_000 });
    const href = (await link.getAttribute('href')) ?? '';
    const id = /#\/runs\/([0-9a-f]{64})$/.exec(href)?.[1];
    if (!id) throw new Error(`the upload status links to ${href}`);
    uploaded.push(id);
    return id;
  }

  /**
   * A screenshot of the whole page taken through a viewport as tall as the page:
   * a full-page capture leaves the sandboxed report frame (its own process) blank.
   */
  async function fullScreenshot(name: string): Promise<void> {
    const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
    await page.setViewportSize({ width: 1280, height });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, name) });
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  const manifestCounts = async (id: string): Promise<ManifestCounts> =>
    JSON.parse(await readFile(path.join(dataDir, 'manifests', `${id}.json`), 'utf8')).counts;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-dashboard-'));
    dataDir = path.join(dir, 'data');
    await writeFile(path.join(dir, 'twelvedata-sample.json'), twelveDataSample());
    await mkdir(ARTIFACTS, { recursive: true });
    dev = startDev(dataDir);
    url = await dev.url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => {
      // Chromium logs every 4xx answer; the one refusal this test provokes on purpose is expected.
      if (m.type() === 'error' && !m.text().includes(EXPECTED_REFUSAL)) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(url);
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stop(dev?.child);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it(
    'shows an uploaded file in the runs list with the counts of its manifest',
    async () => {
      await page.getByTestId('file-input').setInputFiles(path.join(dir, 'twelvedata-sample.json'));
      runId = await acceptedRunId();
      expect(await settledRow(runId)).toBe('reported');
      const counts = await manifestCounts(runId);
      expect(counts.rejected).toBeGreaterThan(0);
      const row = page.locator(`tr[data-run-id="${runId}"]`);
      expect(await row.getByTestId('run-valid').innerText()).toBe(counted(counts.valid));
      expect(await row.getByTestId('run-rejected').innerText()).toMatch(
        new RegExp(`^${counted(counts.rejected)} `),
      );
      expect(await row.getByTestId('run-dataset').innerText()).toBe('twelvedata-ohlcv');
    },
    TEST_TIMEOUT_MS,
  );

  it('opens the run with its rejected rows grouped by reason code and a download of them', async () => {
    await page.locator(`tr[data-run-id="${runId}"]`).getByRole('link').click();
    await page.getByTestId('run-detail').waitFor();
    expect(page.url()).toBe(`${url}/#/runs/${runId}`);
    const counts = await manifestCounts(runId);
    const groups = page.getByTestId('reject-group');
    const shown: Record<string, number> = {};
    for (const group of await groups.all()) {
      const code = await group.getByTestId('reject-code').innerText();
      shown[code] = Number((await group.getByTestId('reject-count').innerText()).replaceAll(',', ''));
    }
    expect(shown).toEqual(counts.reasons);
    await groups.first().locator('summary').click();
    expect(await groups.first().locator('pre.raw-row').first().isVisible()).toBe(true);
    const download = page.getByTestId('rejects-download');
    expect(await download.getAttribute('href')).toBe(`/api/runs/${runId}/rejects.jsonl`);
    const rejects = await page.request.get(`${url}/api/runs/${runId}/rejects.jsonl`);
    expect((await rejects.text()).trim().split('\n')).toHaveLength(counts.rejected);
    await page.getByTestId('narrative-headline').waitFor();
    // The run view shows the findings with their severity and the recommendations with their priority.
    expect(await page.getByTestId('finding').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('severity-badge').first().innerText()).toMatch(
      /^(low|medium|high|critical)$/,
    );
    expect(await page.getByTestId('recommendation').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('priority-badge').first().innerText()).toMatch(/^(low|medium|high)$/);
    expect(await page.getByTestId('email-preview').getAttribute('sandbox')).toBe('');
    const report = page.frameLocator('[data-testid=email-preview]').locator('body');
    await expect.poll(() => report.innerText(), { timeout: 10_000 }).toContain('AAPL');
    await fullScreenshot('dashboard-run.png');
  });

  it('keeps the open run on a reload of the page', async () => {
    await page.reload();
    await page.getByTestId('run-detail').waitFor();
    expect(await page.getByTestId('run-detail').getAttribute('data-run-id')).toBe(runId);
  });

  it('draws the candlestick chart of a symbol with its overlays', async () => {
    await page
      .getByTestId('group-link')
      .filter({ hasText: /^AAPL$/ })
      .click();
    await page.getByTestId('group-view').waitFor();
    expect(await page.getByTestId('group-name').innerText()).toBe('AAPL');
    const canvas = page.getByTestId('chart').locator('canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(600);
    expect(box?.height).toBeGreaterThan(300);
    // The chart paints on the next animation frame: wait until the canvas holds colour.
    await page.waitForFunction(CHART_PAINTED);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-symbol.png'), fullPage: true });
  });

  it(
    'takes a file dropped on the drop zone and lists its run',
    async () => {
      await page.getByRole('link', { name: 'All runs' }).click();
      await page.getByTestId('runs-table').waitFor();
      const dropped = twelveDataText({ symbols: 2, valuesPerSymbol: 30, badRatio: 0.1, seed: 77 });
      const transfer = await page.evaluateHandle(fileTransfer(dropped, 'dropped.json'));
      await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
      const id = await acceptedRunId();
      expect(id).not.toBe(runId);
      expect(await settledRow(id)).toBe('reported');
      const counts = await manifestCounts(id);
      const row = page.locator(`tr[data-run-id="${id}"]`);
      expect(await row.getByTestId('run-valid').innerText()).toBe(counted(counts.valid));
      expect(await page.getByTestId('run-row').count()).toBe(2);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-runs.png'), fullPage: true });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a file name, a symbol and a raw row made of markup as text and runs none of it',
    async () => {
      // Dropped in inputs/ rather than uploaded: an upload is named by its hash, a dropped file keeps its name.
      await writeFile(path.join(dataDir, 'inputs', HOSTILE_FILE), hostileSample());
      const row = page.getByTestId('run-row').filter({ has: page.getByText(HOSTILE_FILE, { exact: true }) });
      await row.waitFor({ timeout: RUN_TIMEOUT_MS });
      const id = (await row.getAttribute('data-run-id')) ?? '';
      expect(await settledRow(id)).toBe('reported');
      await row.getByRole('link').click();
      await page.getByTestId('run-detail').waitFor();
      expect(await page.getByTestId('detail-file').innerText()).toBe(HOSTILE_FILE);
      expect(await page.getByTestId('group-link').innerText()).toBe(HOSTILE_SYMBOL);
      await page.getByTestId('reject-group').first().locator('summary').click();
      expect(await page.getByTestId('rejects').innerText()).toContain(HOSTILE_VALUE);
      await page.getByTestId('group-link').click();
      await page.getByTestId('group-view').waitFor();
      expect(await page.getByTestId('group-name').innerText()).toBe(HOSTILE_SYMBOL);
      expect(await page.locator('img[src="x"], main script').count()).toBe(0);
      expect(dialogs).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'draws the charts and tables of a brand and of a user',
    async () => {
      const files = [
        {
          name: 'sales.csv',
          kind: 'sales',
          text: await textOf(generateSmartphoneSales({ rows: 400, badRatio: 0.02, seed: 5 })),
        },
        {
          name: 'vitals.csv',
          kind: 'vitals',
          text: await textOf(generateHealthVitals({ rows: 600, badRatio: 0.02, seed: 6, users: 2 })),
        },
      ];
      for (const file of files) {
        await page.goto(`${url}/#/`);
        await page.getByTestId('file-input').setInputFiles({
          name: file.name,
          mimeType: 'text/csv',
          buffer: Buffer.from(file.text),
        });
        const id = await acceptedRunId();
        expect(await settledRow(id)).toBe('reported');
        await page.locator(`tr[data-run-id="${id}"]`).getByRole('link').click();
        await page.getByTestId('group-link').first().click();
        await page.locator(`[data-testid=group-view][data-kind=${file.kind}]`).waitFor();
        await page.waitForFunction(CHART_PAINTED);
        expect(await page.locator('[data-testid=group-view] table tbody tr').count()).toBeGreaterThan(0);
      }
      const measures = page.getByTestId('measure-select');
      await measures.selectOption('spo2');
      await page.waitForFunction(CHART_PAINTED);
      expect(await page.getByTestId('chart').locator('canvas').count()).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it("shows the server's refusal of a file type it does not take", async () => {
    await page.getByTestId('file-input').setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not a data file'),
    });
    const status = page.getByTestId('upload-status');
    await expect.poll(() => status.innerText()).toContain('API.UNSUPPORTED_MEDIA_TYPE');
    expect(await status.innerText()).toMatch(/^Upload of notes\.txt failed\./);
  });

  it('logs no console error and throws no page error', () => {
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
