import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, LOCK_FILE } from './lock.js';

describe('the data-dir lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second holder while the first one lives, naming its pid', async () => {
    const lock = await acquireDataDirLock(dir, 'aaaaaaaa');
    await expect(acquireDataDirLock(dir, 'bbbbbbbb')).rejects.toMatchObject({
      code: 'DEV.LOCKED',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    await lock.release();
    const again = await acquireDataDirLock(dir, 'bbbbbbbb');
    await again.release();
  });

  it('takes over a lock file left half-written by a process killed while creating it', async () => {
    await writeFile(path.join(dir, LOCK_FILE), '{"pid":');
    const lock = await acquireDataDirLock(dir, 'cccccccc');
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8')).session).toBe('cccccccc');
    await lock.release();
  });

  it('leaves a lock alone on release once another session holds it', async () => {
    const lock = await acquireDataDirLock(dir, 'dddddddd');
    const file = path.join(dir, LOCK_FILE);
    const other = JSON.stringify({
      pid: process.pid,
      session: 'eeeeeeee',
      startedAt: new Date().toISOString(),
    });
    await writeFile(file, other);
    await lock.release();
    expect(await readFile(file, 'utf8')).toBe(other);
  });
});
