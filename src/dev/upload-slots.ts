/**
 * Admission for POST /ingest bodies. A few are read at once (each may hold the
 * whole upload limit in memory); a bounded number more wait their turn with
 * their bytes still in the socket, so a burst from one script is served in order
 * instead of bounced; past that the server answers 503 with Retry-After.
 */
export interface UploadSlots {
  /** Resolves with a release function once a slot is free; undefined when the queue is full. */
  acquire(): Promise<(() => void) | undefined>;
  readonly reading: number;
  readonly waiting: number;
}

export function uploadSlots(limits: { readonly reading: number; readonly waiting: number }): UploadSlots {
  let reading = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    const nextInLine = queue.shift();
    // The slot passes straight to the next in line, so `reading` never dips and a newcomer cannot jump the queue.
    if (nextInLine) nextInLine();
    else reading--;
  };
  const once = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    get reading() {
      return reading;
    },
    get waiting() {
      return queue.length;
    },
    async acquire() {
      if (reading < limits.reading) {
        reading++;
        return once();
      }
      if (queue.length >= limits.waiting) return undefined;
      await new Promise<void>((resolve) => queue.push(resolve));
      return once();
    },
  };
}
