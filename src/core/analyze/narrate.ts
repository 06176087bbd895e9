/**
 * The narrative step of the analyze stage: the configured analyst first, the
 * offline one when it cannot deliver, so an analysis always carries a
 * validated narrative and says which analyst wrote it and why.
 */
import { AnalystError, errorCode, errorMessage } from '../errors.js';
import {
  type Analyst,
  type AnalystRequest,
  type AnalystResult,
  type Metrics,
  noMetrics,
  type TokenUsage,
} from '../ports.js';
import { ZERO_USAGE } from './retry.js';

export interface NarrationFallback {
  /** Why the primary analyst gave up, in words. */
  readonly reason: string;
  /** Stable error code (`ANALYST.RETRIES_EXCEEDED`, `ANALYST.INVALID_OUTPUT`...). */
  readonly code: string;
  /** What the primary spent before giving up: it was billed even though its answer was dropped. */
  readonly usage: TokenUsage;
  /** The primary analyst's name, which LLM adapters set to their model id. */
  readonly model: string;
}

export interface Narration {
  readonly result: AnalystResult;
  /** Present when the narrative came from the fallback analyst. */
  readonly fallback?: NarrationFallback;
}

export async function narrate(
  primary: Analyst,
  fallback: Analyst,
  request: AnalystRequest,
  metrics: Metrics = noMetrics,
): Promise<Narration> {
  try {
    return { result: await primary.write(request) };
  } catch (error) {
    metrics.add('AnalystFallback', 'Count', 1);
    const result = await fallback.write(request);
    return {
      result,
      fallback: {
        reason: errorMessage(error),
        code: errorCode(error),
        usage: error instanceof AnalystError ? error.usage : ZERO_USAGE,
        model: primary.name,
      },
    };
  }
}
