/**
 * Encodes JSON lines straight into large buffers: one awaited write per row, or
 * joining millions of small strings, would cost more than validating the rows.
 */
import type { ObjectInfo, ObjectWriter } from '../ports.js';

// Below glibc's 128 KiB mmap threshold: buffers come back from the heap instead of
// fresh pages, which cost more to fault in than the rows cost to validate.
const BUFFER_BYTES = 64 * 1024;

export class JsonlSink {
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  lines = 0;

  constructor(private readonly writer: ObjectWriter) {}

  /** Adds one line; returns a promise only when a full buffer had to be written. */
  add(line: string): Promise<void> | undefined {
    this.lines++;
    // UTF-8 needs at most 3 bytes per UTF-16 unit; +1 for the newline.
    const worst = line.length * 3 + 1;
    if (this.used + worst > this.buffer.length) {
      return this.flush().then(() => this.append(line, worst));
    }
    this.append(line, worst);
    return undefined;
  }

  private append(line: string, worst: number): void {
    if (worst > this.buffer.length) {
      this.buffer = Buffer.allocUnsafe(worst);
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
    this.buffer[this.used++] = 0x0a;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.buffer.subarray(0, this.used);
    // A fresh buffer, not a reused one: the writer may still hold the previous chunk.
    this.buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.used = 0;
    await this.writer.write(full);
  }

  async close(): Promise<ObjectInfo> {
    await this.flush();
    return this.writer.close();
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}
