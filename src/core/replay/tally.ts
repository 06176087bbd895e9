/** Counts of a replay's output, in the manifest's shape: totals, reasons, per-group rows. */
import type { Manifest } from '../ingest/manifest.js';

interface GroupCounts {
  total: number;
  valid: number;
  rejected: number;
}

export class ReplayTally {
  valid = 0;
  rejected = 0;
  recovered = 0;
  notRevalidated = 0;
  readonly reasons: Record<string, number> = {};
  readonly recoveredByReason: Record<string, number> = {};
  private readonly groups = new Map<string, GroupCounts>();
  private groupsOmitted = 0;

  constructor(private readonly maxGroups: number) {}

  /** A row of the base's processed file, copied as it is. */
  kept(group: string | undefined): void {
    this.valid++;
    this.group(group, true);
  }

  /** A base reject that the current contract accepts; `was` are the reasons it had. */
  recover(group: string | undefined, was: readonly { code: string }[]): void {
    this.valid++;
    this.recovered++;
    for (const code of new Set(was.map((r) => r.code))) {
      this.recoveredByReason[code] = (this.recoveredByReason[code] ?? 0) + 1;
    }
    this.group(group, true);
  }

  /** A base reject that is not a record (an error block...), kept with its reasons. */
  unread(group: string | undefined, reasons: readonly { code: string }[]): void {
    this.notRevalidated++;
    this.reject(group, reasons);
  }

  /** A row still rejected, with the reasons it now has. */
  reject(group: string | undefined, reasons: readonly { code: string }[]): void {
    this.rejected++;
    for (const code of new Set(reasons.map((r) => r.code)))
      this.reasons[code] = (this.reasons[code] ?? 0) + 1;
    this.group(group, false);
  }

  counts(groupBy: string | null): Manifest['counts'] {
    const total = this.valid + this.rejected;
    return {
      total,
      valid: this.valid,
      rejected: this.rejected,
      rejectPct: total === 0 ? 0 : Math.round((this.rejected / total) * 10000) / 100,
      reasons: this.reasons,
      groupBy,
      groups: Object.fromEntries(this.groups),
      groupsOmitted: this.groupsOmitted,
    };
  }

  private group(name: string | undefined, valid: boolean): void {
    if (name === undefined) return;
    let counts = this.groups.get(name);
    if (!counts) {
      if (this.groups.size >= this.maxGroups) {
        this.groupsOmitted++;
        return;
      }
      counts = { total: 0, valid: 0, rejected: 0 };
      this.groups.set(name, counts);
    }
    counts.total++;
    if (valid) counts.valid++;
    else counts.rejected++;
  }
}
