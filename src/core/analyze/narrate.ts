/**
 * The narrative step of the analyze stage: the configured analyst first, the
 * offline one when it cannot deliver, so an analysis always carries a
 * validated narrative and says which analyst wrote it and why. A model's
 * answer is also grounded: items citing unknown ids or numbers are dropped
 * and counted, and an answer with too much dropped is replaced as an invalid one would be.
 */
import { AnalystError, errorCode, errorMessage, WorkWithdrawnError } from '../errors.js';
import {
  type Analyst,
  type AnalystRequest,
  type AnalystResult,
  type Logger,
  type Metrics,
  noMetrics,
  silentLogger,
  type TokenUsage,
} from '../ports.js';
import {
  type GroundingDrop,
  type GroundingOptions,
  groundingContext,
  groundNarrative,
  tooUngrounded,
} from './grounding.js';
import { guardNarrative, type Sentiment } from './narrative-guard.js';
import { ZERO_USAGE } from './retry.js';

export interface NarrationFallback {
  /** Why the primary analyst gave up, in words. */
  readonly reason: string;
  /** Stable error code (`ANALYST.RETRIES_EXCEEDED`, `ANALYST.INVALID_OUTPUT`, `ANALYST.UNGROUNDED`...). */
  readonly code: string;
  /** What the primary spent before giving up: it was billed even though its answer was dropped. */
  readonly usage: TokenUsage;
  /** The primary analyst's name, which LLM adapters set to their model id. */
  readonly model: string;
}

/** What the grounding check did to a model's answer. */
export interface GroundingReport {
  readonly checked: number;
  readonly dropped: number;
  /** The first dropped items, with why. */
  readonly items: readonly GroundingDrop[];
}

export interface Narration {
  readonly result: AnalystResult;
  /** Present when the narrative came from the fallback analyst. */
  readonly fallback?: NarrationFallback;
  /** Present when a model's answer was checked (kept or not). */
  readonly grounding?: GroundingReport;
}

export interface NarrateOptions extends GroundingOptions {
  /** @default silentLogger */
  readonly logger?: Logger;
  /** The tone computed from the figures (the offline narrative's); a model's stated direction must match it. */
  readonly computedSentiment?: Sentiment;
}

/** Dropped items kept in the stored report of a check. */
const REPORTED_DROPS = 20;

export async function narrate(
  primary: Analyst,
  fallback: Analyst,
  request: AnalystRequest,
  metrics: Metrics = noMetrics,
  options: NarrateOptions = {},
): Promise<Narration> {
  const logger = options.logger ?? silentLogger;
  let result: AnalystResult;
  try {
    result = await primary.write(request);
  } catch (error) {
    if (error instanceof WorkWithdrawnError) throw error;
    metrics.add('AnalystFallback', 'Count', 1);
    return {
      result: await fallback.write(request),
      fallback: {
        reason: errorMessage(error),
        code: errorCode(error),
        usage: error instanceof AnalystError ? error.usage : ZERO_USAGE,
        model: primary.name,
      },
    };
  }
  // The offline narrative is code over the same figures: only a model's words need checking.
  if (primary === fallback) return { result };
  const ctx = groundingContext(request.facts);
  const refusal = guardNarrative(result.narrative, {
    known: ctx.strings,
    ...(options.computedSentiment === undefined ? {} : { computedSentiment: options.computedSentiment }),
  });
  if (refusal) {
    metrics.add('AnalystFallback', 'Count', 1);
    metrics.add('AnalystRefused', 'Count', 1, { reason: refusal.code });
    logger.warn('narrative refused', { model: result.model, ...refusal });
    return {
      result: await fallback.write(request),
      fallback: {
        reason: `${refusal.field}: ${refusal.detail}`,
        code: refusal.code,
        usage: result.usage,
        model: result.model,
      },
    };
  }
  const checked = groundNarrative(result.narrative, ctx);
  const grounding: GroundingReport = {
    checked: checked.checked,
    dropped: checked.dropped.length,
    items: checked.dropped.slice(0, REPORTED_DROPS),
  };
  metrics.add('AnalystUngroundedItems', 'Count', checked.dropped.length);
  if (checked.dropped.length > 0) {
    logger.warn('narrative items dropped by the grounding check', {
      model: result.model,
      checked: checked.checked,
      dropped: checked.dropped.length,
      first: checked.dropped.slice(0, 5),
    });
  }
  if (tooUngrounded(checked, options)) {
    metrics.add('AnalystFallback', 'Count', 1);
    return {
      result: await fallback.write(request),
      fallback: {
        reason:
          `${checked.dropped.length} of ${checked.checked} narrative items cite figures or ids not in the data` +
          (checked.fatal ? ', the headline or summary among them' : ''),
        code: 'ANALYST.UNGROUNDED',
        usage: result.usage,
        model: result.model,
      },
      grounding,
    };
  }
  return { result: { ...result, narrative: checked.narrative }, grounding };
}
