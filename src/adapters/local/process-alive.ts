/** Whether a process on this machine still runs: what makes a lock or claim it left stale. */

/** Alive, or owned by another user (EPERM): either way not ours to take. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
