/**
 * Encodes JSON lines into large buffers: one awaited write per row, or one
 * encode per row, would cost more than validating the rows.
 */
import type { ObjectInfo, ObjectWriter } from '../ports.js';

// Below glibc's 128 KiB mmap threshold: buffers come back from the heap instead of
// fresh pages, which cost more to fault in than the rows cost to validate.
const BUFFER_BYTES = 64 * 1024;
// Lines are joined into text this long before they are encoded: a row's line is
// a rope of pieces, and encoding it alone flattened and crossed into C++ once a row.
// At most 3 UTF-8 bytes a unit, it fits an empty buffer.
const TEXT_UNITS = 16 * 1024;

export class JsonlSink {
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  /** Lines added since the last encode, each with its newline. */
  private text = '';
  lines = 0;

  constructor(private readonly writer: ObjectWriter) {}

  /** Adds one line; returns a promise only when a full buffer had to be written. */
  add(line: string): Promise<void> | undefined {
    this.lines++;
    this.text = `${this.text}${line}\n`;
    return this.text.length >= TEXT_UNITS ? this.encode() : undefined;
  }

  /**
   * Adds `count` lines already encoded (each ending in `\n`), after the lines
   * added before them; returns a promise only when a buffer had to be written.
   */
  addBytes(bytes: Uint8Array, count: number): Promise<void> | undefined {
    this.lines += count;
    const pending = this.encode();
    if (pending !== undefined) return pending.then(() => this.appendBytes(bytes));
    return this.appendBytes(bytes);
  }

  private appendBytes(bytes: Uint8Array): Promise<void> | undefined {
    if (this.used + bytes.length <= this.buffer.length) {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
      return undefined;
    }
    // Into the emptied buffer; a block larger than a buffer is written as it is (it is the block's own copy).
    return this.writeOut().then(() =>
      bytes.length <= this.buffer.length ? this.appendBytes(bytes) : this.writer.write(bytes),
    );
  }

  /** Moves the joined lines into the buffer, writing the buffer out first when they might not fit. */
  private encode(): Promise<void> | undefined {
    const text = this.text;
    if (text === '') return undefined;
    this.text = '';
    const worst = text.length * 3;
    if (this.used + worst > this.buffer.length) return this.writeOut().then(() => this.append(text, worst));
    this.append(text, worst);
    return undefined;
  }

  private append(text: string, worst: number): void {
    // Only after writeOut: a line longer than a buffer gets one of its own size.
    if (worst > this.buffer.length) this.buffer = Buffer.allocUnsafe(worst);
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  private async writeOut(): Promise<void> {
    if (this.used === 0) return;
    const full = this.buffer.subarray(0, this.used);
    // A fresh buffer, not a reused one: the writer may still hold the previous chunk.
    this.buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.used = 0;
    await this.writer.write(full);
  }

  async flush(): Promise<void> {
    await this.encode();
    await this.writeOut();
  }

  async close(): Promise<ObjectInfo> {
    await this.flush();
    return this.writer.close();
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}
