import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/local/object-store.fs.js';
import { resolveInputId } from '../../src/cli/input-ids.js';

const BIN = path.resolve('bin/sluice.js');

const VITALS = [
  'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp',
  '2025-09-17T11:59:16Z,user_1,100,98,21,37.5,120,80',
  '2025-09-17T12:00:16Z,user_1,250,98,21,37.5,120,80',
].join('\n');

let dir: string;
const sluice = (...args: string[]) => {
  const run = spawnSync(process.execPath, [BIN, ...args, '--data-dir', 'data'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, SLUICE_LOG_LEVEL: 'error' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-runs-'));
  await writeFile(path.join(dir, 'vitals.csv'), VITALS);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sluice runs and id prefixes', () => {
  it('lists nothing yet in a fresh data dir', () => {
    const run = sluice('runs');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('no inputs yet');
    expect(JSON.parse(sluice('runs', '--json').stdout)).toEqual([]);
  });

  it('lists each input with its dataset, status, counts and time, as a table and as JSON', () => {
    const ingested = JSON.parse(sluice('ingest', 'vitals.csv', '--json').stdout) as { id: string };
    const table = sluice('runs');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(ingested.id.slice(0, 12));
    expect(table.stdout).toMatch(/vitals\.csv.*health-vitals.*ingested/);
    const [run, ...others] = JSON.parse(sluice('runs', '--json').stdout) as Array<Record<string, unknown>>;
    expect(others).toEqual([]);
    expect(run).toMatchObject({
      id: ingested.id,
      file: 'vitals.csv',
      dataset: 'health-vitals',
      total: 2,
      valid: 1,
    });
    expect(typeof run?.startedAt).toBe('string');
  });

  it('takes the 12-digit id `sluice runs` shows wherever an id is taken', () => {
    const [run] = JSON.parse(sluice('runs', '--json').stdout) as Array<{ id: string }>;
    const short = (run?.id ?? '').slice(0, 12);
    const exported = sluice('export', short);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\n')[0]).toContain('user_id');
    const analyzed = sluice('analyze', short, '--json');
    expect(analyzed.code).toBe(0);
    expect(JSON.parse(analyzed.stdout)).toMatchObject({ id: run?.id });
    expect(sluice('notify', short).code).toBe(0);
  });

  it('says so, exit 1, when no input has the prefix; keeps refusing what is not an id with exit 2', () => {
    const none = sluice('export', 'ffffffffffff');
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      `sluice: no input whose id starts with ffffffffffff has been ingested in ${path.join(dir, 'data')}\n`,
    );
    const notAnId = sluice('replay', 'not-an-id');
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain('replay takes the 64-hex SHA-256');
  });
});

describe('resolveInputId', () => {
  it('finds the one input of a prefix, and refuses a prefix several inputs share', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'sluice-ids-'));
    try {
      await mkdir(path.join(root, 'manifests'));
      const a = `abcd1${'0'.repeat(59)}`;
      const b = `abcd2${'0'.repeat(59)}`;
      for (const id of [a, b]) await writeFile(path.join(root, 'manifests', `${id}.json`), '{}');
      const store = new FsObjectStore(root);
      expect(await resolveInputId(store, root, 'ABCD1')).toEqual({ id: a });
      expect(await resolveInputId(store, root, b)).toEqual({ id: b });
      expect(await resolveInputId(store, root, 'abcd')).toMatchObject({ kind: 'usage' });
      expect(await resolveInputId(store, root, 'abc')).toMatchObject({ kind: 'usage' });
      expect(await resolveInputId(store, root, 'abcd3')).toMatchObject({ kind: 'missing' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('failures a newcomer meets', () => {
  it('say what is wrong with a path in one line, no Node error code or syscall', async () => {
    await mkdir(path.join(dir, 'folder'), { recursive: true });
    const missing = sluice('ingest', 'nope.csv');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('sluice: nope.csv: no such file or folder\n');
    const folder = sluice('run', 'folder');
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe('sluice: a folder was given where a file was expected\n');
  });

  it('end quietly when the reader of stdout goes away', () => {
    const run = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" config | head -1`], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^config file: /);
  });
});

describe('sluice config', () => {
  it('shows the default values themselves, and refuses an invalid value naming what it accepts', () => {
    const shown = sluice('config');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/SLUICE_ANALYST\s+offline\s+\[default\]/);
    expect(shown.stdout).not.toContain('(default)');
    const run = spawnSync(process.execPath, [BIN, 'config'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, SLUICE_ANALYST: 'gpt' },
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/SLUICE_ANALYST\s+gpt\s+\[environment\]/);
    expect(run.stderr).toBe(
      'sluice: invalid SLUICE_ANALYST (config key analyst): Invalid option: expected one of "offline"|"bedrock"|"openai"\n',
    );
  });
});
