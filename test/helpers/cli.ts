/** The built `sluice` command run as a user runs it: a whole process in a folder of its own. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve('bin/sluice.js');

export function sluice(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SLUICE_LOG_LEVEL: 'error' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
