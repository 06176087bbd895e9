/**
 * Files as the providers send them get in through the built CLI, with the
 * built-in contracts and no option: every bar accepted, symbols named as the
 * provider names them, and a report that says what volume-less bars go without.
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_FIXTURE_DIR } from '../../scripts/fixtures/providers.js';
import { VOLUME_SKIPPED } from '../../src/core/analyze/market/analyze-symbol.js';
import { sluice } from '../helpers/cli.js';

interface Counts {
  total: number;
  valid: number;
  rejected: number;
  groups: Record<string, { valid: number }>;
}

describe('provider files through the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-providers-'));
    await cp(PROVIDER_FIXTURE_DIR, dir, { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const ingest = (file: string) => {
    const run = sluice(['ingest', file, '--json', '--data-dir', 'data'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as { dataset: string; counts: Counts };
  };

  it.each([
    ['yahoo/AAPL.csv', 'AAPL', 60],
    ['stooq/aapl_us_d.csv', 'AAPL', 60],
    ['alpha-vantage/daily_IBM.csv', 'IBM', 100],
    ['twelvedata/AAPL.csv', 'AAPL', 30],
    ['twelvedata/EURUSD.csv', 'EURUSD', 30],
  ])('accepts every row of %s with ohlcv-csv, the symbol from the file name', (file, symbol, rows) => {
    const { dataset, counts } = ingest(file);
    expect(dataset).toBe('ohlcv-csv');
    expect(counts).toMatchObject({ total: rows, valid: rows, rejected: 0 });
    expect(Object.keys(counts.groups)).toEqual([symbol]);
  });

  it('rejects the null row of a Yahoo currency file with a reason and keeps the others', () => {
    const { dataset, counts } = ingest('yahoo/EURGBP=X.csv');
    expect(dataset).toBe('ohlcv-csv');
    expect(counts).toMatchObject({ total: 30, valid: 29, rejected: 1, reasons: { not_a_number: 1 } });
    expect(Object.keys(counts.groups)).toEqual(['EURGBP=X']);
  });

  it('reports on a Yahoo currency file that its zero volume column is no volume', async () => {
    const run = sluice(['run', 'yahoo/EURGBP=X.csv', '--json', '--data-dir', 'run-eurgbp'], dir);
    expect(run.code).toBe(0);
    const html = (await readFile(JSON.parse(run.stdout).report.html, 'utf8')).replace(/\s+/g, ' ');
    expect(html).toContain(`EURGBP=X: ${VOLUME_SKIPPED}`);
  });

  it.each([
    ['twelvedata/AAPL.json', 'AAPL'],
    ['twelvedata/EURUSD.json', 'EUR/USD'],
    ['twelvedata/BTCUSD.json', 'BTC/USD'],
    ['twelvedata/ETHBTC.json', 'ETH/BTC'],
    ['twelvedata/XAUUSD.json', 'XAU/USD'],
    ['twelvedata/cross-JPY-BTC.json', 'JPY/BTC'],
  ])('accepts every bar of %s with twelvedata-ohlcv, volume or not', (file, symbol) => {
    const { dataset, counts } = ingest(file);
    expect(dataset).toBe('twelvedata-ohlcv');
    expect(counts).toMatchObject({ total: 30, valid: 30, rejected: 0 });
    expect(Object.keys(counts.groups)).toEqual([symbol]);
  });

  it('keeps the pre- and post-market bars of a prepost series, which have no volume', async () => {
    const { counts } = ingest('twelvedata/AAPL-30min-prepost.json');
    expect(counts).toMatchObject({ total: 32, valid: 32, rejected: 0 });
  });

  it('keeps every bar of a mixed batch, two of its three symbols without volume', async () => {
    const { counts } = ingest('twelvedata/batch-AAPL-EURUSD-BTCUSD.json');
    expect(counts).toMatchObject({ total: 90, valid: 90, rejected: 0 });
    expect(Object.fromEntries(Object.entries(counts.groups).map(([s, g]) => [s, g.valid]))).toEqual({
      AAPL: 30,
      'EUR/USD': 30,
      'BTC/USD': 30,
    });
  });

  it('reports on the mixed batch by email, naming its three symbols and what went without volume', async () => {
    const run = sluice(
      ['run', 'twelvedata/batch-AAPL-EURUSD-BTCUSD.json', '--json', '--data-dir', 'run'],
      dir,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    const mail = await simpleParser(await readFile(out.report.eml));
    const html = await readFile(out.report.html, 'utf8');
    // The text part wraps its lines: compare words, not line breaks.
    for (const body of [mail.text ?? '', html].map((b) => b.replace(/\s+/g, ' '))) {
      for (const symbol of ['AAPL', 'EUR/USD', 'BTC/USD']) expect(body).toContain(symbol);
      expect(body).toContain(`EUR/USD: ${VOLUME_SKIPPED}`);
      expect(body).toContain(`BTC/USD: ${VOLUME_SKIPPED}`);
      expect(body).not.toContain(`AAPL: ${VOLUME_SKIPPED}`);
    }
  });
  it("runs the replaced pipeline's tick session as market-ticks: bars per symbol, reported with both symbols", async () => {
    const run = sluice(
      ['run', path.join('ticks', 'session.jsonl'), '--json', '--data-dir', 'ticks-data'],
      dir,
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { manifest: { dataset: string; counts: Counts } };
    expect(out.manifest.dataset).toBe('market-ticks');
    expect(out.manifest.counts.rejected).toBe(0);
    expect(Object.keys(out.manifest.counts.groups).sort()).toEqual(['AAPL', 'MSFT']);
    const outbox = path.join(dir, 'ticks-data', 'outbox');
    const eml = (await readdir(outbox)).find((f) => f.endsWith('.eml')) as string;
    const mail = await simpleParser(await readFile(path.join(outbox, eml)));
    for (const symbol of ['AAPL', 'MSFT']) expect(mail.text).toContain(symbol);
    expect(mail.text).not.toContain('NaN');
  });
});
