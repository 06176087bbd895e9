/**
 * Reusable buffers for per-symbol work. Fresh memory is the dominant cost of
 * analyzing a million bars (first-touch page faults cost more than the math),
 * so every symbol's columns and indicator series live in the same few
 * buffers, sized for the longest symbol and handed out again for the next one.
 */

/** Where a computation gets an array to fill; it must write every element. */
export type Allocate = (length: number) => Float64Array;

export const freshArray: Allocate = (length) => new Float64Array(length);

export class Scratch {
  private readonly buffers: Float64Array[] = [];
  private used = 0;

  constructor(private readonly capacity: number) {}

  /** Makes every buffer available again: views handed out before now are about to be overwritten. */
  reset(): void {
    this.used = 0;
  }

  readonly take: Allocate = (length) => {
    if (length > this.capacity) return new Float64Array(length);
    let buffer = this.buffers[this.used];
    if (buffer === undefined) {
      buffer = new Float64Array(this.capacity);
      this.buffers.push(buffer);
    }
    this.used++;
    return buffer.subarray(0, length);
  };
}
