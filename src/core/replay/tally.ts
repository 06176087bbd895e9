/** Counts of a replay's output: the manifest's counts, plus what the replay recovered. */
import type { Manifest } from '../ingest/manifest.js';
import { Tally } from '../ingest/tally.js';

export class ReplayTally {
  recovered = 0;
  notRevalidated = 0;
  readonly recoveredByReason: Record<string, number> = {};
  private readonly tally: Tally;

  constructor(maxGroups: number) {
    this.tally = new Tally(maxGroups);
  }

  get rejected(): number {
    return this.tally.rejected;
  }

  /** Reason code → rows still rejected that carry it. */
  get reasons(): Record<string, number> {
    return this.tally.reasons;
  }

  /** A row of the base's processed file, copied as it is. */
  kept(group: string | undefined): void {
    this.tally.count(group, true);
  }

  /** A base reject that the current contract accepts; `was` are the reasons it had. */
  recover(group: string | undefined, was: readonly { code: string }[]): void {
    this.recovered++;
    for (const code of new Set(was.map((r) => r.code))) {
      this.recoveredByReason[code] = (this.recoveredByReason[code] ?? 0) + 1;
    }
    this.tally.count(group, true);
  }

  /** A base reject that is not a record (an error block...), kept with its reasons. */
  unread(group: string | undefined, reasons: readonly { code: string }[]): void {
    this.notRevalidated++;
    this.reject(group, reasons);
  }

  /** A row still rejected, with the reasons it now has. */
  reject(group: string | undefined, reasons: readonly { code: string }[]): void {
    this.tally.count(group, false, reasons);
  }

  counts(groupBy: string | null): Manifest['counts'] {
    return this.tally.counts(groupBy);
  }
}
