/** What a planted sample holds by construction: the events a correct analysis must find, written beside the sample. */
import type { FindingKind, Severity } from '../../core/analyze/findings/finding.js';

export interface PlantedEvent {
  readonly kind: FindingKind;
  /** Symbol, order id or user id, as the finding's `subject`. */
  readonly subject: string;
  /** Date (market, sales) or event_time (vitals) the finding's `at` must carry. */
  readonly at: string;
  /** The severity the documented rule gives the planted magnitude. */
  readonly severity: Severity;
  /** What was planted, in words (the measure and its value). */
  readonly what: string;
}

export interface Truth {
  readonly dataset: string;
  readonly seed: number;
  readonly size: number;
  /** Kinds the generator plants; a finding of one of these kinds that matches no event is a false positive. */
  readonly kinds: readonly FindingKind[];
  readonly events: readonly PlantedEvent[];
}

/** Severities cycled through by the generators, so every level is planted at sizes that allow it. */
export const PLANTED_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
