/**
 * One `sluice dev` per data dir: `<dataDir>/dev.lock` holds the owner's pid and
 * session. The lock is what makes it safe, at start, to hand back claims an
 * earlier dev session left in progress: no other dev process can still own them.
 */
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from '../adapters/local/process-alive.js';
import { SluiceError } from '../core/errors.js';

export const LOCK_FILE = 'dev.lock';

const LockSchema = z.object({ pid: z.number().int().positive(), session: z.string(), startedAt: z.string() });
export type LockInfo = z.infer<typeof LockSchema>;

export class DataDirLockedError extends SluiceError {
  constructor(file: string, holder: LockInfo) {
    super(
      'DEV.LOCKED',
      `another sluice dev (pid ${holder.pid}, since ${holder.startedAt}) is using this data dir; stop it first, or delete ${file} if that process is gone`,
    );
  }
}

export interface DataDirLock {
  /** The lock an earlier process left behind and this one took over, if any. */
  readonly tookOver?: LockInfo;
  release(): Promise<void>;
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return LockSchema.parse(JSON.parse(text));
  } catch {
    // Half-written by a process killed between create and write: nobody holds it.
    return undefined;
  }
}

export async function acquireDataDirLock(dataDir: string, session: string): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, session, startedAt: new Date().toISOString() };
  let tookOver: LockInfo | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // wx: create only, so of two processes starting together exactly one wins.
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await handle.close();
      }
      return {
        ...(tookOver ? { tookOver } : {}),
        async release() {
          if ((await readLock(file))?.session === session) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(file);
    if (holder && isProcessAlive(holder.pid)) throw new DataDirLockedError(file, holder);
    tookOver = holder;
    await rm(file, { force: true });
  }
  throw new SluiceError('DEV.LOCKED', `could not take ${file}: other processes keep replacing it`);
}
