/** Findings scored against a planted truth: recall, precision and severity agreement per planted kind. */
import type { Finding, FindingKind } from '../../core/analyze/findings/finding.js';
import type { PlantedEvent, Truth } from './truth.js';

export interface KindScore {
  readonly kind: FindingKind;
  readonly planted: number;
  /** Planted events with a matching finding (same kind, subject and time, severity above info). */
  readonly found: number;
  /** Findings of the kind above info, matched or not. */
  readonly reported: number;
  /** Reported findings that match a planted event. */
  readonly matched: number;
  /** Found events whose finding has the planted severity. */
  readonly sameSeverity: number;
}

export const matches = (f: Finding, e: PlantedEvent): boolean =>
  f.kind === e.kind && f.subject === e.subject && f.at.startsWith(e.at);

export function scoreFindings(findings: readonly Finding[], truth: Truth): KindScore[] {
  const notable = findings.filter((f) => f.severity !== 'info');
  return truth.kinds.map((kind) => {
    const events = truth.events.filter((e) => e.kind === kind);
    const reported = notable.filter((f) => f.kind === kind);
    let found = 0;
    let sameSeverity = 0;
    for (const e of events) {
      const hit = reported.find((f) => matches(f, e));
      if (hit === undefined) continue;
      found++;
      if (hit.severity === e.severity) sameSeverity++;
    }
    const matched = reported.filter((f) => events.some((e) => matches(f, e))).length;
    return { kind, planted: events.length, found, reported: reported.length, matched, sameSeverity };
  });
}

/** Sums scores of the same kind over several runs. */
export function addScores(into: Map<FindingKind, KindScore>, scores: readonly KindScore[]): void {
  for (const s of scores) {
    const before = into.get(s.kind);
    into.set(
      s.kind,
      before === undefined
        ? s
        : {
            kind: s.kind,
            planted: before.planted + s.planted,
            found: before.found + s.found,
            reported: before.reported + s.reported,
            matched: before.matched + s.matched,
            sameSeverity: before.sameSeverity + s.sameSeverity,
          },
    );
  }
}

/** 1 when there was nothing to find (or nothing reported): no event missed, no finding wrong. */
export const recall = (s: KindScore): number => (s.planted === 0 ? 1 : s.found / s.planted);
export const precision = (s: KindScore): number => (s.reported === 0 ? 1 : s.matched / s.reported);
export const severityAgreement = (s: KindScore): number => (s.found === 0 ? 1 : s.sameSeverity / s.found);
