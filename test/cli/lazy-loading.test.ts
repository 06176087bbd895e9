/**
 * `sluice --help` must start about as fast as node itself: the built CLI loads
 * commander and the command table, and each command only what it uses.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/sluice.js');
const RECORDER = path.resolve('test/helpers/import-log/register.mjs');

const HEAVY = ['@aws-sdk/', '@smithy/', '@libsql/', 'libsql', '@resvg/', 'nodemailer', 'zod'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lazy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the built CLI; returns its exit code and the packages (by node_modules path) it loaded. */
async function packagesLoadedBy(
  args: string[],
  name: string,
): Promise<{ code: number | null; loaded: string[] }> {
  const log = path.join(dir, `${name}.log`);
  await writeFile(log, '');
  const run = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, SLUICE_IMPORT_LOG: log, SLUICE_LOG_LEVEL: 'error' },
  });
  const urls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  const loaded = urls.flatMap((url) => {
    const at = url.lastIndexOf('/node_modules/');
    return at === -1 ? [] : [url.slice(at + '/node_modules/'.length)];
  });
  return { code: run.status, loaded };
}

const heavyIn = (loaded: string[]) => loaded.filter((file) => HEAVY.some((name) => file.startsWith(name)));

describe('the built CLI', () => {
  it('loads commander alone for --help and --version: no AWS SDK, libsql, resvg, nodemailer or zod', async () => {
    for (const flag of ['--help', '--version']) {
      const { code, loaded } = await packagesLoadedBy([flag], flag);
      expect(code).toBe(0);
      expect(loaded.length).toBeGreaterThan(0);
      expect(new Set(loaded.map((file) => file.split('/')[0]))).toEqual(new Set(['commander']));
    }
  });

  it('loads libsql for `ingest`, but neither the AWS SDK nor resvg nor nodemailer', async () => {
    await writeFile(
      path.join(dir, 'vitals.csv'),
      'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp\n2025-09-17T11:59:16Z,user_1,100,98,21,37.5,120,80\n',
    );
    const { code, loaded } = await packagesLoadedBy(
      ['ingest', 'vitals.csv', '--json', '--data-dir', 'data'],
      'ingest',
    );
    expect(code).toBe(0);
    const heavy = heavyIn(loaded);
    expect(heavy.some((file) => file.startsWith('@libsql/'))).toBe(true);
    expect(heavy.filter((file) => /^(@aws-sdk|@smithy|@resvg|nodemailer)\b/.test(file))).toEqual([]);
  });
});
