/** Row counts in the manifest's shape: totals, reasons, and rows per group up to a cap. */
import type { Manifest } from './manifest.js';

interface GroupCounts {
  total: number;
  valid: number;
  rejected: number;
  /** Reason code → the group's rejected rows that carry it; only once the group lost a row. */
  reasons?: Record<string, number>;
}

export class Tally {
  total = 0;
  valid = 0;
  rejected = 0;
  /** Reason code → rejected rows that carry it (a row with two reasons counts for both). */
  readonly reasons: Record<string, number> = {};
  private readonly groups = new Map<string, GroupCounts>();
  private groupsOmitted = 0;

  constructor(private readonly maxGroups: number) {}

  count(group: string | undefined, valid: boolean, issues?: readonly { readonly code: string }[]): void {
    this.total++;
    if (valid) this.valid++;
    else this.rejected++;
    if (issues) {
      for (const code of new Set(issues.map((i) => i.code)))
        this.reasons[code] = (this.reasons[code] ?? 0) + 1;
    }
    if (group === undefined) return;
    let counts = this.groups.get(group);
    if (!counts) {
      if (this.groups.size >= this.maxGroups) {
        this.groupsOmitted++;
        return;
      }
      counts = { total: 0, valid: 0, rejected: 0 };
      this.groups.set(group, counts);
    }
    counts.total++;
    if (valid) counts.valid++;
    else {
      counts.rejected++;
      // Null prototype: reason codes are fixed names, but the map is serialized as is.
      counts.reasons ??= Object.create(null) as Record<string, number>;
      const reasons = counts.reasons;
      for (const code of new Set((issues ?? []).map((i) => i.code))) reasons[code] = (reasons[code] ?? 0) + 1;
    }
  }

  counts(groupBy: string | null): Manifest['counts'] {
    return {
      total: this.total,
      valid: this.valid,
      rejected: this.rejected,
      rejectPct: this.total === 0 ? 0 : Math.round((this.rejected / this.total) * 10000) / 100,
      reasons: this.reasons,
      groupBy,
      groups: Object.fromEntries(this.groups),
      groupsOmitted: this.groupsOmitted,
    };
  }
}
