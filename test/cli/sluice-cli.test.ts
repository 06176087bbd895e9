import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sluice } from '../helpers/cli.js';

const VITALS = [
  'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp',
  '2025-09-17T11:59:16Z,user_1,100,98,21,37.5,120,80',
  '2025-09-17T12:00:16Z,user_1,250,98,21,37.5,120,80',
  '2025-09-17T12:01:16Z,user_2,70,97,400,36.6,110,130',
].join('\n');

describe('sluice CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-cli-'));
    await writeFile(path.join(dir, 'vitals.csv'), VITALS);
    await writeFile(path.join(dir, 'junk.csv'), 'what,is,this\n1,2,3\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the manifest with counts and reasons as JSON and exits 0 when a file is ingested', () => {
    const run = sluice(['ingest', 'vitals.csv', '--json', '--data-dir', 'data'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.stdout);
    expect(manifest.dataset).toBe('health-vitals');
    expect(manifest.counts).toMatchObject({
      total: 3,
      valid: 1,
      rejected: 2,
      reasons: { out_of_range: 2, bp_inconsistent: 1 },
    });
  });

  it('writes outputs under the data dir, keyed by the SHA-256 of the input', async () => {
    const run = sluice(['ingest', 'vitals.csv', '--json', '--data-dir', 'data'], dir);
    const manifest = JSON.parse(run.stdout);
    const processed = await readFile(path.join(dir, 'data', manifest.outputs.processed), 'utf8');
    expect(processed.trim().split('\n')).toHaveLength(1);
    expect(manifest.outputs.processed).toBe(`processed/health-vitals/${manifest.id}.jsonl`);
  });

  it('exits non-zero with a one-line error when the file itself is refused', () => {
    const run = sluice(['ingest', 'junk.csv', '--data-dir', 'data'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('unknown_dataset');
  });

  it('shows a summary table with the outputs on a plain run', () => {
    const run = sluice(['ingest', 'vitals.csv', '--data-dir', 'data2'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('health-vitals');
    expect(run.stdout).toMatch(/processed\s+.*processed\/health-vitals\//);
  });

  it('prints a folder as an array of manifests even when it holds one file, and a failure as JSON with --json', async () => {
    await mkdir(path.join(dir, 'one'), { recursive: true });
    await writeFile(path.join(dir, 'one', 'vitals.csv'), VITALS);
    const folder = sluice(['ingest', 'one', '--json', '--data-dir', 'folder'], dir);
    expect(JSON.parse(folder.stdout)).toEqual([expect.objectContaining({ dataset: 'health-vitals' })]);
    const missing = sluice(['ingest', 'missing.csv', '--json', '--data-dir', 'folder'], dir);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: { code: 'ENOENT', message: 'missing.csv: no such file or folder' },
    });
    const unknown = sluice(
      ['ingest', 'vitals.csv', '--dataset', 'nope', '--json', '--data-dir', 'folder'],
      dir,
    );
    expect(JSON.parse(unknown.stdout).error.code).toBe('CLI.UNKNOWN_DATASET');
  });

  it('refuses an unknown --dataset before doing anything', () => {
    const run = sluice(['ingest', 'vitals.csv', '--dataset', 'nope', '--data-dir', 'data'], dir);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('nope');
  });

  it('runs the demo on the bundled sample and says where the report is', () => {
    const run = sluice(['demo', '--data-dir', 'demo'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('twelvedata-ohlcv');
    expect(run.stdout).toMatch(/html\s+\S+\.html/);
    expect(run.stdout).toMatch(/eml\s+\S+\.eml/);
  });

  it('runs the whole pipeline on one file and prints the manifest, analysis id and report paths as JSON', async () => {
    const run = sluice(['run', 'vitals.csv', '--json', '--data-dir', 'data3'], dir);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.manifest.counts).toMatchObject({ total: 3, valid: 1 });
    expect(out.analysisId).toBe(out.manifest.id);
    expect(await readFile(out.report.html, 'utf8')).toContain('<table');
    expect(await readFile(out.report.eml, 'utf8')).toMatch(/multipart\/alternative/);
  });

  it('mails a failure notice for a refused file to the outbox once, and names the replay command', async () => {
    const run = sluice(['run', 'junk.csv', '--json', '--data-dir', 'notices'], dir);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out.manifest.status).toBe('rejected');
    expect(out.failureNotice.subject).toBe('sluice: inputs/junk.csv was refused (unknown_dataset)');
    const html = await readFile(out.failureNotice.files.html, 'utf8');
    expect(html).toContain('<code>unknown_dataset</code>');
    expect(html).toContain(`sluice replay ${out.manifest.id}`);
    const again = JSON.parse(sluice(['run', 'junk.csv', '--json', '--data-dir', 'notices'], dir).stdout);
    expect(again.failureNotice).toBeNull();
    const outbox = await readdir(path.join(dir, 'notices', 'outbox'));
    expect(outbox.filter((f) => f.includes('-failure-') && f.endsWith('.eml'))).toHaveLength(1);
  });

  it('mails a failure notice beside the report when more rows than the threshold are rejected', () => {
    const run = sluice(['run', 'vitals.csv', '--json', '--data-dir', 'notices-rate'], dir);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.manifest.counts.rejectPct).toBeGreaterThan(20);
    expect(out.failureNotice.subject).toMatch(/had 66\.67?% of its rows rejected$/);
    expect(out.report.html).toMatch(/\.html$/);
  });

  it('runs the rest of the pipeline on a file `sluice ingest` already took in, and sends its report', async () => {
    await writeFile(
      path.join(dir, 'later.csv'),
      `${VITALS}\n2025-09-17T12:02:16Z,user_3,72,98,10,36.7,118,76\n`,
    );
    expect(sluice(['ingest', 'later.csv', '--data-dir', 'resume'], dir).code).toBe(0);
    const run = sluice(['run', 'later.csv', '--json', '--data-dir', 'resume'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.analysisId).toBe(out.manifest.id);
    expect(out.report.html).toMatch(/\.html$/);
  });

  it('sends a report once and says so when asked to notify again, until --resend', () => {
    const first = JSON.parse(sluice(['run', 'vitals.csv', '--json', '--data-dir', 'data4'], dir).stdout);
    const again = sluice(['notify', first.analysisId, '--data-dir', 'data4'], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already sent');
    const resent = sluice(['notify', first.analysisId, '--resend', '--json', '--data-dir', 'data4'], dir);
    expect(JSON.parse(resent.stdout).outcome).toBe('sent');
  });
});
