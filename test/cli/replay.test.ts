import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReplayCommandOptions, replayCommand } from '../../src/cli/commands/replay.js';
import { buildProgram } from '../../src/cli/main.js';
import { datasetById } from '../../src/core/datasets/registry.js';
import { replayId } from '../../src/core/replay/index.js';
import { loadLocalConfig } from '../../src/local/config.js';
import { openLocalPorts } from '../../src/local/local-ports.js';
import { acceptThousandsSeparators, marketFixture } from '../helpers/replay-fixtures.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function captured() {
  const out = { stdout: '', stderr: '' };
  const stream = (name: 'stdout' | 'stderr') =>
    ({
      write: (chunk: string) => {
        out[name] += chunk;
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  return { out, io: { stdout: stream('stdout'), stderr: stream('stderr') } };
}

async function sluice(args: string[]): Promise<Run> {
  const { out, io } = captured();
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  await program.parseAsync(args, { from: 'user' });
  return { code, ...out };
}

const fixture = marketFixture({ seed: 21, symbols: 2, barsPerSymbol: 60, format: 'csv' });

describe('sluice replay', () => {
  let dir: string;
  let dataDir: string;
  let sha: string;
  const savedLevel = process.env.SLUICE_LOG_LEVEL;

  beforeAll(async () => {
    process.env.SLUICE_LOG_LEVEL = 'error';
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-replay-cli-'));
    dataDir = path.join(dir, 'data');
    await writeFile(path.join(dir, 'prices.csv'), fixture.text);
    const ingested = await sluice(['ingest', path.join(dir, 'prices.csv'), '--json', '--data-dir', dataDir]);
    expect(ingested.code).toBe(0);
    sha = JSON.parse(ingested.stdout).id;
  });
  afterAll(async () => {
    if (savedLevel === undefined) delete process.env.SLUICE_LOG_LEVEL;
    else process.env.SLUICE_LOG_LEVEL = savedLevel;
    await rm(dir, { recursive: true, force: true });
  });

  it('re-runs an input, archives its old manifest and re-analyzes it without sending a report', async () => {
    const before = await readFile(path.join(dataDir, 'manifests', `${sha}.json`), 'utf8');
    const run = await sluice(['replay', sha, '--json', '--data-dir', dataDir]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ mode: 'rerun', manifest: { id: sha }, analysisId: sha, report: null });
    expect(await readFile(path.join(dataDir, out.archived), 'utf8')).toBe(before);
    expect(await readdir(path.join(dataDir, 'outbox')).catch(() => [])).toEqual([]);
  });

  it('sends the report of a re-run when asked with --notify', async () => {
    const run = await sluice(['replay', sha, '--notify', '--json', '--data-dir', dataDir]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(await readFile(out.report.html, 'utf8')).toContain('<table');
  });

  it('says nothing new passes when the rejects are replayed against an unchanged contract', async () => {
    const run = await sluice(['replay', sha, '--rejects', '--data-dir', dataDir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`nothing new passes for ${sha}: nothing written`);
    expect(run.stdout).toMatch(/recovered\s+0 of \d+ rejected rows/);
  });

  it('prints what a fixed contract recovered, where the new files are, and the new analysis', async () => {
    const config = loadLocalConfig();
    const ports = openLocalPorts(config, dataDir);
    const { out, io } = captured();
    const fixed = (id: string) => {
      const contract = datasetById(id);
      return contract && acceptThousandsSeparators(contract, [',']);
    };
    const options: ReplayCommandOptions = { rejects: true };
    let code: number;
    try {
      code = await replayCommand(ports, config, sha, options, io, fixed);
    } finally {
      await ports.close();
    }
    expect(code).toBe(0);
    const recovered = fixture.counts.comma + fixture.counts.twin;
    expect(out.stdout).toContain(`replay 1 of ${sha}, from the input`);
    expect(out.stdout).toMatch(
      new RegExp(`recovered\\s+${recovered} of \\d+ rejected rows \\(not_a_number ${recovered}\\)`),
    );
    expect(out.stdout).toContain(path.join(dataDir, `processed/ohlcv-csv/${sha}.replay-1.jsonl`));
    expect(out.stdout).toContain(`analysis ${replayId(sha, 1)}`);
  });

  it('exits 1 with the code on one line for an input that was never ingested', async () => {
    const run = await sluice(['replay', 'e'.repeat(64), '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('REPLAY.UNKNOWN_INPUT');
  });

  it('exits 2 when the argument is not a SHA-256', async () => {
    const run = await sluice(['replay', 'prices.csv', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('64-hex SHA-256');
  });

  it('exits 1 with REPLAY.INPUT_MISSING when the input file was deleted', async () => {
    await rm(path.join(dataDir, 'inputs', 'prices.csv'));
    const run = await sluice(['replay', sha, '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('REPLAY.INPUT_MISSING');
    expect(run.stderr).toContain('inputs/prices.csv');
  });
});
