/**
 * Issues 17 (item 7) and 18 (item 1): inputs are staged atomically and keyed so
 * nothing is overwritten, one run owns an input's bytes while others wait for its
 * result, a killed run's claim and temp files do not block the next run, and a
 * forced re-run archives the manifest it replaces. Every case runs real `sluice`
 * processes, not promises in one process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOhlcvCsv } from '../../src/samples/csv.generators.js';

const BIN = path.resolve('bin/sluice.js');
const ROWS = 300_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(args: string[], cwd: string): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, SLUICE_LOG_LEVEL: 'error' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const sluice = (args: string[], cwd: string): Promise<Run> => start(args, cwd).done;

async function lines(file: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  return text === '' ? 0 : text.trimEnd().split('\n').length;
}

describe('staging and owning inputs across processes', () => {
  let dir: string;
  let big: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-staging-'));
    big = path.join(dir, 'big.csv');
    await pipeline(
      generateOhlcvCsv({ rows: ROWS, badRatio: 0, seed: 17, symbols: 20 }),
      createWriteStream(big),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('two processes ingesting the same large file at once store one complete output, and both report its full counts', async () => {
    const data = path.join(dir, 'same');
    const [a, b] = await Promise.all([
      sluice(['ingest', big, '--json', '--data-dir', data], dir),
      sluice(['ingest', big, '--json', '--data-dir', data], dir),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [ma, mb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(ma.id).toBe(mb.id);
    expect(ma.counts.total).toBe(ROWS);
    expect(mb.counts).toEqual(ma.counts);
    expect(await readdir(path.join(data, 'manifests'))).toEqual([`${ma.id}.json`]);
    expect(await lines(path.join(data, ma.outputs.processed))).toBe(ma.counts.valid);
    expect(await readdir(path.join(data, 'inputs'))).toEqual(['big.csv']);
  });

  it('two files with one name keep their own inputs, and each stays replayable', async () => {
    const data = path.join(dir, 'names');
    await mkdir(path.join(dir, 'a'), { recursive: true });
    await mkdir(path.join(dir, 'b'), { recursive: true });
    const header = 'symbol,datetime,open,high,low,close,volume';
    await writeFile(path.join(dir, 'a', 'prices.csv'), `${header}\nAAPL,2024-05-01,1,2,0.5,1.5,100\n`);
    await writeFile(path.join(dir, 'b', 'prices.csv'), `${header}\nMSFT,2024-05-01,3,4,2.5,3.5,200\n`);
    const [a, b] = await Promise.all([
      sluice(['ingest', 'a/prices.csv', '--json', '--data-dir', data], dir),
      sluice(['ingest', 'b/prices.csv', '--json', '--data-dir', data], dir),
    ]);
    const [ma, mb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(ma.id).not.toBe(mb.id);
    expect(ma.input.key).not.toBe(mb.input.key);
    expect(await readFile(path.join(data, ma.input.key), 'utf8')).toContain('AAPL');
    expect(await readFile(path.join(data, mb.input.key), 'utf8')).toContain('MSFT');
    const replay = await sluice(['replay', ma.id, '--json', '--data-dir', data], dir);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
  });

  it('a run killed mid-ingest leaves neither a claim that blocks the next run nor its temp files', async () => {
    const data = path.join(dir, 'killed');
    const victim = start(['ingest', big, '--data-dir', data], dir);
    // Kill once it holds the claim and writes outputs: the temp dir then has its files.
    for (let i = 0; i < 200; i++) {
      const temp = await readdir(path.join(data, '.tmp')).catch(() => [] as string[]);
      if (temp.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    victim.child.kill('SIGKILL');
    await victim.done;
    const left = await readdir(path.join(data, '.tmp'));
    expect(left.length).toBeGreaterThan(0);

    const rerun = await sluice(['ingest', big, '--json', '--data-dir', data], dir);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout).counts.total).toBe(ROWS);
    for (const name of left) expect(await readdir(path.join(data, '.tmp'))).not.toContain(name);
  });

  it('--force with a wrong --dataset archives the good manifest before writing the refusal', async () => {
    const data = path.join(dir, 'forced');
    const good = JSON.parse((await sluice(['ingest', big, '--json', '--data-dir', data], dir)).stdout);
    const forced = await sluice(
      ['ingest', big, '--force', '--dataset', 'health-vitals', '--json', '--data-dir', data],
      dir,
    );
    expect(JSON.parse(forced.stdout).status).toBe('rejected');
    const archived = await readdir(path.join(data, 'audit', good.id));
    expect(archived).toHaveLength(1);
    const kept = JSON.parse(await readFile(path.join(data, 'audit', good.id, archived[0] as string), 'utf8'));
    expect(kept).toEqual(good);
  });
});
