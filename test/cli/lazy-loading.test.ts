/**
 * `sluice --help` must start about as fast as node itself: the built CLI loads
 * commander and the command table, and each command only what it uses. What a
 * process loaded is recorded by a module resolution hook; the chunks of dist/cli/
 * are mapped back to their sources through the build's metafile.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/sluice.js');
const RECORDER = path.resolve('test/helpers/import-log/register.mjs');

type Metafile = { outputs: Record<string, { inputs: Record<string, unknown> }> };

let dir: string;
let metafile: Metafile;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lazy-'));
  metafile = JSON.parse(await readFile('dist/cli/meta.json', 'utf8')) as Metafile;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The packages a run of the built CLI loaded: from node_modules, or bundled into a chunk it loaded. */
async function packagesLoadedBy(
  args: string[],
  name: string,
): Promise<{ code: number | null; packages: Set<string> }> {
  const log = path.join(dir, `${name}.log`);
  await writeFile(log, '');
  const run = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, SLUICE_IMPORT_LOG: log, SLUICE_LOG_LEVEL: 'error' },
  });
  const files = (await readFile(log, 'utf8'))
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => path.relative(process.cwd(), fileURLToPath(url)).split(path.sep).join('/'));
  const sources = files.flatMap((file) => [file, ...Object.keys(metafile.outputs[file]?.inputs ?? {})]);
  const packages = new Set(
    sources.flatMap((source) => {
      const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
      return match?.[1] ? [match[1]] : [];
    }),
  );
  return { code: run.status, packages };
}

const HEAVY = /^(@aws-sdk\/|@smithy\/|@libsql\/|libsql$|@resvg\/|nodemailer$|zod$)/;

describe('the built CLI', () => {
  it('loads commander alone for --help and --version: no AWS SDK, libsql, resvg, nodemailer or zod', async () => {
    for (const flag of ['--help', '--version']) {
      const { code, packages } = await packagesLoadedBy([flag], flag);
      expect(code).toBe(0);
      expect([...packages]).toEqual(['commander']);
    }
  });

  it('loads libsql for `ingest`, but neither the AWS SDK nor resvg nor nodemailer', async () => {
    await writeFile(
      path.join(dir, 'vitals.csv'),
      'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp\n2025-09-17T11:59:16Z,user_1,100,98,21,37.5,120,80\n',
    );
    const { code, packages } = await packagesLoadedBy(
      ['ingest', 'vitals.csv', '--json', '--data-dir', 'data'],
      'ingest',
    );
    expect(code).toBe(0);
    const heavy = [...packages].filter((name) => HEAVY.test(name)).sort();
    expect(heavy).toEqual(['@libsql/client', '@libsql/core', 'libsql', 'zod']);
  });

  it('loads csv-parse only for a CSV its plain reader hands over (here a CRLF file)', async () => {
    const header = 'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp';
    const row = '2025-09-17T11:59:16Z,user_1,100,98,21,37.5,120,80';
    await writeFile(path.join(dir, 'plain.csv'), `${header}\n${row}\n`);
    await writeFile(path.join(dir, 'crlf.csv'), `${header}\r\n${row}\r\n`);
    const plain = await packagesLoadedBy(['ingest', 'plain.csv', '--json', '--data-dir', 'data'], 'plain');
    const crlf = await packagesLoadedBy(['ingest', 'crlf.csv', '--json', '--data-dir', 'data'], 'crlf');
    expect([plain.code, crlf.code]).toEqual([0, 0]);
    expect(plain.packages.has('csv-parse')).toBe(false);
    expect(crlf.packages.has('csv-parse')).toBe(true);
  });
});
