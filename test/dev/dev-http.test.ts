import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiErrorBodySchema,
  MarketViewSchema,
  RunDetailSchema,
  type RunSummary,
  RunSummarySchema,
  RunsResponseSchema,
  SalesViewSchema,
  VitalsViewSchema,
} from '../../src/dev/api-contract.js';
import {
  DASHBOARD_CSP,
  MAX_CONCURRENT_UPLOADS,
  MAX_QUEUED_UPLOADS,
  REPORT_CSP,
} from '../../src/dev/server.js';
import type { Dev } from '../../src/dev/start-dev.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
import { type DevFixture, devFixture, salesCsv, vitalsCsv } from './dev-fixture.js';

const MAX_UPLOAD = 100_000;
const ID = /^[0-9a-f]{64}$/;

/** The server-sent `run` events of one connection, as they arrive. */
function listenForRuns(url: string): { runs: RunSummary[]; connected: Promise<void>; stop(): void } {
  const runs: RunSummary[] = [];
  const controller = new AbortController();
  let isConnected = () => {};
  const connected = new Promise<void>((resolve) => {
    isConnected = resolve;
  });
  void (async () => {
    const response = await fetch(`${url}/api/events`, { signal: controller.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      if (buffer.includes(': connected')) isConnected();
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (block.includes('event: run') && data)
          runs.push(RunSummarySchema.parse(JSON.parse(data.slice(6))));
        end = buffer.indexOf('\n\n');
      }
    }
  })().catch(() => undefined);
  return { runs, connected, stop: () => controller.abort() };
}

/** A raw request, so the path and headers reach the server exactly as written (fetch normalizes `..`, sets Host). */
function rawGet(
  url: string,
  rawPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { hostname, port, path: rawPath, method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (c: string) => {
          body += c;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('the sluice dev server', () => {
  let fixture: DevFixture;
  let dev: Dev;
  let url: string;
  const ids: Record<'market' | 'sales' | 'vitals', string> = { market: '', sales: '', vitals: '' };

  const post = (body: string, headers: Record<string, string>, query = '') =>
    fetch(`${url}/ingest${query}`, { method: 'POST', body, headers });

  beforeAll(async () => {
    fixture = await devFixture();
    const webRoot = path.join(fixture.root, 'web');
    await mkdir(webRoot, { recursive: true });
    await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>sluice</title>');
    await writeFile(path.join(webRoot, 'app.js'), 'export const app = 1;\n');
    dev = await fixture.start({ maxUploadBytes: MAX_UPLOAD, webRoot });
    url = dev.url;
  });
  afterAll(async () => {
    await fixture.cleanup();
  });

  it('accepts an upload with 202, then the run shows in /api/runs and arrives as server-sent events', async () => {
    const events = listenForRuns(url);
    await events.connected;
    const response = await post(twelveDataSample(), { 'content-type': 'application/json' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string };
    expect(body).toEqual({
      id: expect.stringMatching(ID),
      key: `inputs/api/${body.id}.json`,
      manifest: `manifests/${body.id}.json`,
    });
    expect(response.headers.get('location')).toBe(`${url}/api/runs/${body.id}`);
    ids.market = body.id;
    await dev.idle();
    events.stop();

    const { runs } = RunsResponseSchema.parse(await (await fetch(`${url}/api/runs`)).json());
    expect(runs.find((r) => r.id === ids.market)).toMatchObject({ status: 'reported', emailSent: true });
    const statuses = events.runs.filter((r) => r.id === ids.market).map((r) => r.status);
    expect(statuses[0]).toBe('ingesting');
    expect(statuses.at(-1)).toBe('reported');
    expect(statuses).toEqual(expect.arrayContaining(['ingested', 'analyzing', 'analyzed']));
  });

  it('shows an upload under the name the uploader gave it, reduced to a plain file name', async () => {
    const csv = await vitalsCsv(20, 99);
    const response = await post(csv, {
      'content-type': 'text/csv',
      'x-sluice-filename': encodeURIComponent('C:\\exports/<i onclick=x>vitals\u0007 é.csv'),
    });
    const { id } = (await response.json()) as { id: string };
    await dev.idle();
    const { runs } = RunsResponseSchema.parse(await (await fetch(`${url}/api/runs`)).json());
    expect(runs.find((r) => r.id === id)?.file).toBe('<i onclick=x>vitals é.csv');
  });

  it.each([
    [
      'an unsupported media type',
      () => post('a,b\n1,2\n', { 'content-type': 'text/plain' }),
      415,
      'API.UNSUPPORTED_MEDIA_TYPE',
    ],
    ['an empty body', () => post('', { 'content-type': 'text/csv' }), 400, 'API.EMPTY_BODY'],
    ['invalid JSON', () => post('{"a":', { 'content-type': 'application/json' }), 400, 'API.INVALID_BODY'],
    [
      'a body over the limit',
      () => post('x'.repeat(MAX_UPLOAD + 1), { 'content-type': 'text/csv' }),
      413,
      'API.PAYLOAD_TOO_LARGE',
    ],
    [
      'an unknown dataset',
      () => post('a\n1\n', { 'content-type': 'text/csv' }, '?dataset=nope'),
      400,
      'API.UNKNOWN_DATASET',
    ],
  ])('answers %s as the Lambda handler does', async (_, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(ApiErrorBodySchema.parse(await response.json()).error.code).toBe(code);
  });

  it('describes a run with its manifest, rejects by reason, narrative and groups', async () => {
    const detail = RunDetailSchema.parse(await (await fetch(`${url}/api/runs/${ids.market}`)).json());
    expect(detail.analysisKind).toBe('market');
    expect(detail.narrative?.headline).toBe(detail.run.headline);
    expect(detail.groups.length).toBeGreaterThan(0);
    expect(detail.rejects.total).toBeGreaterThan(0);
    expect(detail.rejects.groups.reduce((n, g) => n + g.rows.length, 0)).toBeGreaterThan(0);
    expect(detail.email?.previewUrl).toBe(`/api/runs/${ids.market}/report.html`);

    const rejects = await fetch(`${url}${detail.rejects.downloadUrl}`);
    expect(rejects.headers.get('content-disposition')).toBe(
      `attachment; filename="${ids.market}.rejects.jsonl"`,
    );
    expect((await rejects.text()).trim().split('\n')).toHaveLength(detail.rejects.total);
  });

  it('serves a symbol’s bars with SMA(20), Bollinger(20,2) and anomalies for the chart', async () => {
    const detail = RunDetailSchema.parse(await (await fetch(`${url}/api/runs/${ids.market}`)).json());
    const symbol = detail.groups[0] as string;
    const view = MarketViewSchema.parse(
      await (await fetch(`${url}/api/runs/${ids.market}/view?group=${encodeURIComponent(symbol)}`)).json(),
    );
    expect(view.symbol).toBe(symbol);
    const times = view.bars.map((b) => b.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
    expect(view.sma.points).toHaveLength(view.bars.length - 19);
    expect(view.bollinger.upper).toHaveLength(view.bars.length - 19);
    expect(view.sma.points[0]?.time).toBe(view.bars[19]?.time);
  });

  it('serves a brand’s daily sales and a user’s vitals', async () => {
    const sales = await post(await salesCsv(), { 'content-type': 'text/csv' });
    const vitals = await post(await vitalsCsv(120, 5), {
      'content-type': 'text/csv',
      'x-sluice-dataset': 'health-vitals',
    });
    ids.sales = ((await sales.json()) as { id: string }).id;
    ids.vitals = ((await vitals.json()) as { id: string }).id;
    await dev.idle();

    const salesDetail = RunDetailSchema.parse(await (await fetch(`${url}/api/runs/${ids.sales}`)).json());
    const brand = salesDetail.groups[0] as string;
    const salesView = SalesViewSchema.parse(
      await (await fetch(`${url}/api/runs/${ids.sales}/view?group=${encodeURIComponent(brand)}`)).json(),
    );
    expect(salesView.daily.reduce((n, d) => n + d.orders, 0)).toBe(
      salesView.byModel.reduce((n, m) => n + m.orders, 0),
    );

    const vitalsDetail = RunDetailSchema.parse(await (await fetch(`${url}/api/runs/${ids.vitals}`)).json());
    const user = vitalsDetail.groups[0] as string;
    const vitalsView = VitalsViewSchema.parse(
      await (await fetch(`${url}/api/runs/${ids.vitals}/view?group=${encodeURIComponent(user)}`)).json(),
    );
    expect(Object.keys(vitalsView.series).sort()).toEqual([
      'diastolic_bp',
      'heart_rate',
      'spo2',
      'steps',
      'systolic_bp',
      'temp_c',
    ]);
    expect(Object.keys(vitalsView.bands)).not.toContain('steps');
  });

  it('serves the report with its images inlined, under a CSP that lets nothing run', async () => {
    const response = await fetch(`${url}/api/runs/${ids.market}/report.html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(REPORT_CSP);
    const html = await response.text();
    expect(html).toContain('src="data:image/png;base64,');
    expect(html).not.toContain('cid:');
  });

  it.each([
    ['an unknown run', `/api/runs/${'a'.repeat(64)}`],
    ['a malformed run id', '/api/runs/not-a-sha'],
    ['an unknown group', '/api/runs/ID/view?group=NOPE'],
    ['an unknown route', '/api/nothing'],
  ])('answers 404 with a JSON error for %s', async (_, route) => {
    const response = await fetch(`${url}${route.replace('ID', ids.market)}`);
    expect(response.status).toBe(404);
    expect(ApiErrorBodySchema.parse(await response.json()).error.code).toBe('DEV.NOT_FOUND');
  });

  it('serves the dashboard and the chart library, with content types', async () => {
    const index = await fetch(`${url}/`);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${url}/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    const vendor = await fetch(`${url}/vendor/lightweight-charts.js`);
    expect(vendor.status).toBe(200);
    expect(await vendor.text()).toContain('LightweightCharts');
  });

  it.each(['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/vendor/../../package.json'])(
    'refuses to serve %s from outside the web folder',
    async (rawPath) => {
      const response = await rawGet(url, rawPath);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('"name": "sluice"');
    },
  );

  it.each([
    ['a rebinding domain', 'rebind.attacker.example:PORT'],
    ['localhost on another port', 'localhost:1'],
    ['no port', '127.0.0.1'],
  ])('refuses a request whose Host is %s with 421, before reading anything', async (_, host) => {
    const response = await rawGet(url, '/api/runs', {
      headers: { host: host.replace('PORT', String(dev.port)) },
    });
    expect(response.status).toBe(421);
    expect(response.body).not.toContain('"runs"');
    const upload = await rawGet(url, '/ingest', {
      method: 'POST',
      headers: { host: host.replace('PORT', String(dev.port)), 'content-type': 'application/json' },
      body: twelveDataSample(),
    });
    expect(upload.status).toBe(421);
  });

  it('answers to localhost and [::1]-style Host names on its own port', async () => {
    expect((await rawGet(url, '/api/runs', { headers: { host: `localhost:${dev.port}` } })).status).toBe(200);
  });

  it('refuses an upload from a foreign Origin with 403 and stores nothing', async () => {
    const runCount = async () =>
      RunsResponseSchema.parse(await (await fetch(`${url}/api/runs`)).json()).runs.length;
    const before = await runCount();
    const response = await post(twelveDataSample().replace('AAPL', 'EVIL'), {
      'content-type': 'application/json',
      origin: 'http://rebind.attacker.example',
    });
    expect(response.status).toBe(403);
    expect(ApiErrorBodySchema.parse(await response.json()).error.code).toBe('DEV.FOREIGN_ORIGIN');
    expect(await runCount()).toBe(before);
  });

  it('puts a CSP and X-Frame-Options: DENY on every page, and lets only the dashboard frame a report', async () => {
    for (const route of ['/', '/api/runs', '/app.js']) {
      const response = await fetch(`${url}${route}`);
      expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    const report = await fetch(`${url}/api/runs/${ids.market}/report.html`);
    expect(report.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(report.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
  });

  it('shows the failure notice of a refused upload on its run, and mails it to the outbox once', async () => {
    const response = await post('what,is,this\n1,2,3\n', { 'content-type': 'text/csv' });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    let run: RunSummary | undefined;
    for (let i = 0; i < 200 && !run?.failureNotice; i++) {
      const runs = RunsResponseSchema.parse(await (await fetch(`${url}/api/runs`)).json()).runs;
      run = runs.find((r) => r.id === id);
      if (!run?.failureNotice) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(run?.status).toBe('rejected');
    expect(run?.failureNotice?.subject).toMatch(/was refused \(unknown_dataset\)$/);
    const detail = RunDetailSchema.parse(await (await fetch(`${url}/api/runs/${id}`)).json());
    expect(detail.run.failureNotice).toEqual(run?.failureNotice);
    const outbox = await readdir(path.join(fixture.dataDir, 'outbox'));
    expect(outbox.filter((f) => f.includes(`failure-${id}`) && f.endsWith('.eml'))).toHaveLength(1);
  });

  it('queues uploads past the reading limit, answers 503 with Retry-After past the queue, and recovers', async () => {
    const { hostname, port } = new URL(url);
    const held = Array.from({ length: MAX_CONCURRENT_UPLOADS + MAX_QUEUED_UPLOADS }, () => {
      const request = http.request({
        hostname,
        port,
        path: '/ingest?dataset=twelvedata-ohlcv',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      request.on('error', () => undefined);
      // Half a body: the ones let in stay reading it, the rest stay queued.
      request.write('{"meta":');
      return request;
    });
    let refused: Response | undefined;
    // A probe that arrives before the held ones fill the queue waits in it: give up on it and try again.
    for (let i = 0; i < 100 && refused?.status !== 503; i++) {
      refused = await fetch(`${url}/ingest?dataset=twelvedata-ohlcv`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: twelveDataSample(),
        signal: AbortSignal.timeout(300),
      }).catch(() => undefined);
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('2');
    expect(ApiErrorBodySchema.parse(await refused?.json()).error.code).toBe('DEV.BUSY');
    for (const request of held) request.destroy();
    let after: Response | undefined;
    for (let i = 0; i < 200 && after?.status !== 202; i++) {
      after = await post(twelveDataSample().replace('AAPL', 'LATE'), { 'content-type': 'application/json' });
      if (after.status !== 202) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(after?.status).toBe(202);
  });

  it('refuses a symbolic link dropped in inputs/ as not_regular_file, never reading its target', async () => {
    const target = path.join(fixture.root, 'secret.txt');
    await writeFile(target, 'TOP-SECRET-LINE\n');
    await symlink(target, path.join(fixture.dataDir, 'inputs', 'linked.csv'));
    let run: RunSummary | undefined;
    for (let i = 0; i < 200 && !run; i++) {
      const runs = RunsResponseSchema.parse(await (await fetch(`${url}/api/runs`)).json()).runs;
      run = runs.find((r) => r.inputKey === 'inputs/linked.csv' && r.status === 'rejected');
      if (!run) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(run).toBeDefined();
    const detail = await (await fetch(`${url}/api/runs/${run?.id}`)).text();
    expect(detail).toContain('not_regular_file');
    expect(detail).not.toContain('TOP-SECRET');
    const manifest = await readFile(path.join(fixture.dataDir, 'manifests', `${run?.id}.json`), 'utf8');
    expect(manifest).not.toContain('TOP-SECRET');
  });
  it('ingests, analyzes and reports a tick POSTed as {"symbol":"TSLA","price":200.00}, and ticks dropped under a symbol folder', async () => {
    const response = await post('{"symbol":"TSLA","price":200.00}', { 'content-type': 'application/json' });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    await mkdir(path.join(fixture.dataDir, 'inputs', 'AAPL'), { recursive: true });
    await writeFile(
      path.join(fixture.dataDir, 'inputs', 'AAPL', 'test-data.json'),
      JSON.stringify([
        { symbol: 'AAPL', price: 150.0, timestamp: 1234567890 },
        { symbol: 'AAPL', price: -1, timestamp: 1234567950 },
        { symbol: 'AAPL', price: 151.25, timestamp: 1234568010 },
      ]),
    );
    let runs: RunSummary[] = [];
    for (let i = 0; i < 400; i++) {
      runs = RunsResponseSchema.parse(await (await fetch(`${url}/api/runs`)).json()).runs;
      const done = (key: (r: RunSummary) => boolean) => runs.find((r) => key(r) && r.status === 'reported');
      if (done((r) => r.id === id) && done((r) => r.inputKey === 'inputs/AAPL/test-data.json')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(runs.find((r) => r.id === id)).toMatchObject({
      dataset: 'market-ticks',
      valid: 1,
      rejected: 0,
      status: 'reported',
    });
    const dropped = runs.find((r) => r.inputKey === 'inputs/AAPL/test-data.json');
    expect(dropped).toMatchObject({ dataset: 'market-ticks', valid: 2, rejected: 1, status: 'reported' });
    const detail = await (await fetch(`${url}/api/runs/${dropped?.id}`)).text();
    expect(detail).toContain('negative_number');
    // The chart shows the bars the analysis read (minute bars for two minutes of ticks), not the ticks.
    const view = MarketViewSchema.parse(
      await (await fetch(`${url}/api/runs/${dropped?.id}/view?group=AAPL`)).json(),
    );
    expect(view.bars.map((b) => [b.open, b.close])).toEqual([
      [150, 150],
      [151.25, 151.25],
    ]);
  });
});
