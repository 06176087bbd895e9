import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sluice } from '../helpers/cli.js';

// A gauge export no built-in knows: semicolons, decimal commas, day-first dates.
const GAUGES = [
  'Gauge;Read At;Level (m);Site',
  ...Array.from({ length: 40 }, (_, i) =>
    [
      `G-${100 + (i % 4)}`,
      `${String(1 + (i % 28)).padStart(2, '0')}.03.2024 ${String(i % 24).padStart(2, '0')}:00`,
      `${(2 + (i % 9) * 0.5).toFixed(1).replace('.', ',')}`,
      ['north', 'south'][i % 2],
    ].join(';'),
  ),
].join('\n');

describe('sluice with a project contract', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-contracts-'));
    await writeFile(path.join(dir, 'gauges.csv'), GAUGES);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the gauge export before a contract describes it', () => {
    const run = sluice(['ingest', 'gauges.csv', '--data-dir', 'before'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown_dataset');
  });

  it('drafts a contract naming every column, which then reads every row', async () => {
    const infer = sluice(['contract', 'infer', 'gauges.csv'], dir);
    expect(infer.code).toBe(0);
    for (const name of ['gauge', 'read_at', 'level_m', 'site'])
      expect(infer.stdout).toContain(`name: ${name}`);
    await mkdir(path.join(dir, 'datasets'), { recursive: true });
    await writeFile(path.join(dir, 'datasets', 'gauges.yaml'), infer.stdout);
    const list = sluice(['contract', 'list', '--json'], dir);
    const listed = JSON.parse(list.stdout) as {
      contracts: { dataset: string; origin: string; file: string }[];
    };
    expect(listed.contracts[0]).toMatchObject({
      dataset: 'gauges',
      origin: 'file',
      file: path.join('datasets', 'gauges.yaml'),
    });
    const check = sluice(['contract', 'check', 'gauges.csv', '--json'], dir);
    expect(JSON.parse(check.stdout)).toMatchObject({ dataset: 'gauges', total: 40, valid: 40, rejected: 0 });
    expect(await readdir(dir)).not.toContain('.sluice');
  });

  it('ingests, analyzes and reports the custom dataset with the profile analysis', async () => {
    const run = sluice(['run', 'gauges.csv', '--json', '--data-dir', 'data'], dir);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      manifest: { dataset: string; counts: { valid: number } };
      report?: { text?: string };
    };
    expect(out.manifest.dataset).toBe('gauges');
    expect(out.manifest.counts.valid).toBe(40);
    const outbox = await readdir(path.join(dir, 'data', 'outbox'));
    const html = await readFile(
      path.join(dir, 'data', 'outbox', outbox.find((f) => f.endsWith('.html')) as string),
      'utf8',
    );
    for (const name of ['gauge', 'read_at', 'level_m', 'site']) expect(html).toContain(name);
  });

  it('re-validates rejected rows with the edited contract on replay --rejects', async () => {
    const strict = (await readFile(path.join(dir, 'datasets', 'gauges.yaml'), 'utf8')).replace(
      /(- name: level_m\n(?: {4}.*\n)*?)( {4}type: number\n)/,
      '$1$2    max: 4\n',
    );
    expect(strict).toContain('max: 4');
    await writeFile(path.join(dir, 'datasets', 'gauges.yaml'), strict);
    const ingest = sluice(['ingest', 'gauges.csv', '--json', '--data-dir', 'strict'], dir);
    const manifest = JSON.parse(ingest.stdout) as {
      id: string;
      counts: { rejected: number; reasons: Record<string, number> };
    };
    expect(manifest.counts.reasons.out_of_range).toBe(manifest.counts.rejected);
    expect(manifest.counts.rejected).toBeGreaterThan(0);
    await writeFile(path.join(dir, 'datasets', 'gauges.yaml'), strict.replace('max: 4', 'max: 10'));
    const replay = sluice(
      ['replay', manifest.id.slice(0, 12), '--rejects', '--json', '--data-dir', 'strict'],
      dir,
    );
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout).summary).toMatchObject({ recovered: manifest.counts.rejected });
  });

  it('refuses to start on an invalid contract, naming file, line and path without a stack', async () => {
    await writeFile(
      path.join(dir, 'datasets', 'broken.yaml'),
      'dataset: broken\ntitle: b\nformat: csv\ncolumns:\n  - { name: a, type: text }\n',
    );
    const run = sluice(['contract', 'list'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path.join('datasets', 'broken.yaml')}:5: columns[0].type`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    await rm(path.join(dir, 'datasets', 'broken.yaml'));
  });

  it('takes the symbol of a one-symbol CSV from --symbol', () => {
    const csv =
      'Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,11,9,10.5,10.4,1000\n2024-01-03,10.5,12,10,11,10.9,1200\n';
    return writeFile(path.join(dir, 'prices.csv'), csv).then(() => {
      const run = sluice(['ingest', 'prices.csv', '--symbol', 'MSFT', '--json', '--data-dir', 'sym'], dir);
      const manifest = JSON.parse(run.stdout) as {
        dataset: string;
        counts: { valid: number; groups: Record<string, unknown> };
      };
      expect(manifest).toMatchObject({ dataset: 'ohlcv-csv', counts: { valid: 2 } });
      expect(Object.keys(manifest.counts.groups)).toEqual(['MSFT']);
    });
  });
});
