import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { RunsResponseSchema } from '../../src/dev/api-contract.js';

const BIN = path.resolve('bin/sluice.js');
const DASHBOARD_LINE = /^sluice dev: dashboard on (http:\/\/127\.0\.0\.1:\d+)$/;

describe('sluice dev on the command line', () => {
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the dashboard URL first, serves the API, and exits 0 on Ctrl-C', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-dev-cli-'));
    child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--data-dir', path.join(dir, 'data')], {
      env: { ...process.env, SLUICE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const first = await lines.next();
    const url = DASHBOARD_LINE.exec(String(first.value))?.[1];
    expect(url).toBeDefined();

    const { runs } = RunsResponseSchema.parse(await (await fetch(`${url}/api/runs`)).json());
    expect(runs).toEqual([]);

    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
