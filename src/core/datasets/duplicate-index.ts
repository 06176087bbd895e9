/**
 * Remembers which (group, second) pairs a file has produced, in little memory.
 *
 * Market series arrive sorted (Twelve Data newest first, exports oldest first), so
 * each group keeps its timestamps as varint deltas along one direction: one or two
 * bytes a row instead of a Set entry's ~40. A group whose order breaks
 * falls back to a Set of its own, which only unsorted input pays for.
 */
const INITIAL_BYTES = 256;

class GroupSeries {
  private last = Number.NaN;
  private direction = 0;
  private bytes = new Uint8Array(INITIAL_BYTES);
  private length = 0;
  private first = Number.NaN;
  private fallback: Set<number> | undefined;

  /** Records `t`; returns false when it was already there. */
  add(t: number): boolean {
    if (this.fallback) return this.addToSet(t);
    if (Number.isNaN(this.last)) {
      this.first = t;
      this.last = t;
      return true;
    }
    if (t === this.last) return false;
    const dir = t > this.last ? 1 : -1;
    if (this.direction === 0 || dir === this.direction) {
      this.direction = dir;
      this.append(Math.abs(t - this.last));
      this.last = t;
      return true;
    }
    this.fallback = new Set(this.decode());
    this.bytes = new Uint8Array(0);
    return this.addToSet(t);
  }

  private addToSet(t: number): boolean {
    const set = this.fallback as Set<number>;
    if (set.has(t)) return false;
    set.add(t);
    return true;
  }

  private append(delta: number): void {
    if (this.length + 8 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    // Bars are whole minutes apart: counting minutes (even codes) takes a daily
    // series from three bytes a row to two; odd codes carry any other delta in seconds.
    let rest = delta % 60 === 0 ? (delta / 60) * 2 : delta * 2 + 1;
    while (rest >= 0x80) {
      this.bytes[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.length++] = rest;
  }

  private decode(): number[] {
    const out = [this.first];
    let value = this.first;
    let i = 0;
    while (i < this.length) {
      let delta = 0;
      let scale = 1;
      let byte: number;
      do {
        byte = this.bytes[i++] as number;
        delta += (byte & 0x7f) * scale;
        scale *= 0x80;
      } while (byte & 0x80);
      value += this.direction * (delta % 2 === 0 ? (delta / 2) * 60 : (delta - 1) / 2);
      out.push(value);
    }
    return out;
  }
}

export class DuplicateIndex {
  private readonly groups = new Map<string, GroupSeries>();

  /** Records the pair; returns false when the file already had it. */
  add(group: string, seconds: number): boolean {
    let series = this.groups.get(group);
    if (!series) {
      series = new GroupSeries();
      this.groups.set(group, series);
    }
    return series.add(seconds);
  }
}
