/**
 * Analyst without a model: a deterministic writer turns the facts into a
 * narrative. The default locally, and the fallback when an LLM cannot deliver.
 */

import { AnalystError, errorMessage } from '../errors.js';
import { type Analyst, type AnalystRequest, type AnalystResult, type Clock, systemClock } from '../ports.js';
import { type Narrative, NarrativeSchema } from './narrative.js';
import { ZERO_USAGE } from './retry.js';

export type NarrativeWriter = (facts: unknown, dataset: string) => Narrative;

export interface OfflineAnalystOptions {
  /** @default systemClock */
  readonly clock?: Clock;
}

export class OfflineAnalyst implements Analyst {
  readonly name = 'offline';
  readonly #writeNarrative: NarrativeWriter;
  readonly #clock: Clock;

  constructor(writeNarrative: NarrativeWriter, options: OfflineAnalystOptions = {}) {
    this.#writeNarrative = writeNarrative;
    this.#clock = options.clock ?? systemClock;
  }

  async write(request: AnalystRequest): Promise<AnalystResult> {
    const started = this.#clock.now();
    let narrative: Narrative;
    try {
      // Validated like an LLM answer: the writer is code, but the schema is the contract.
      narrative = NarrativeSchema.parse(this.#writeNarrative(request.facts, request.dataset));
    } catch (error) {
      throw new AnalystError('ANALYST.FAILED', `offline narrative failed: ${errorMessage(error)}`, {
        usage: ZERO_USAGE,
        attempts: 1,
        cause: error,
      });
    }
    return {
      narrative,
      model: 'offline',
      usage: ZERO_USAGE,
      attempts: 1,
      latencyMs: this.#clock.now() - started,
    };
  }
}
