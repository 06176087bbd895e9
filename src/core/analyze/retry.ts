/**
 * How sluice retries an LLM analyst: transport failures (throttling, 5xx,
 * timeouts) with exponential backoff and full jitter, and answers that fail the
 * narrative schema by asking again. Time and randomness are injected.
 */
import { AnalystError, ConfigError, errorMessage } from '../errors.js';
import {
  type AnalystResult,
  type Clock,
  type Logger,
  type Metrics,
  noMetrics,
  silentLogger,
  systemClock,
  type TokenUsage,
} from '../ports.js';
import { NarrativeSchema } from './narrative.js';

export interface Backoff {
  /** Ceiling of the first wait, doubled for each further one. */
  readonly baseMs: number;
  /** No wait is longer than this, Retry-After included. */
  readonly capMs: number;
}

/**
 * Full jitter: a uniform wait in [0, min(cap, base × 2^(attempt−1))), so
 * clients throttled together do not retry together. `attempt` counts the
 * attempts made so far (1 after the first failure).
 */
export function retryDelayMs(attempt: number, backoff: Backoff, random: () => number): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

export interface RetryPolicy {
  /** Attempts in all, the first included; at least 1. */
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly isRetryable: (error: unknown) => boolean;
  /** The wait the server asked for (Retry-After), used instead of the jittered one and capped. */
  readonly retryAfterMs?: (error: unknown) => number | undefined;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onRetry?: (retry: { attempt: number; delayMs: number; error: unknown }) => void;
}

export type RetryOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  /** `exhausted`: the last error was retryable but no attempt was left. */
  | { readonly ok: false; readonly error: unknown; readonly attempts: number; readonly exhausted: boolean };

export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<RetryOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await operation(attempt), attempts: attempt };
    } catch (error) {
      if (!policy.isRetryable(error)) return { ok: false, error, attempts: attempt, exhausted: false };
      if (attempt >= policy.maxAttempts) return { ok: false, error, attempts: attempt, exhausted: true };
      const asked = policy.retryAfterMs?.(error);
      const delayMs =
        asked === undefined
          ? retryDelayMs(attempt, policy.backoff, policy.random)
          : Math.min(asked, policy.backoff.capMs);
      policy.onRetry?.({ attempt, delayMs, error });
      await policy.sleep(delayMs);
    }
  }
}

/** What one model call answered: the tool's input, or why there is none. */
export type ModelAnswer =
  | { readonly kind: 'tool'; readonly input: unknown }
  | { readonly kind: 'none'; readonly why: string };

export interface ModelReply {
  readonly answer: ModelAnswer;
  readonly usage: TokenUsage;
}

export interface AskOptions extends Omit<RetryPolicy, 'onRetry'> {
  /** Asks after the first whose answer fails the schema, each with its own `maxAttempts`. */
  readonly maxInvalidAnswers: number;
  /** Model id reported in the result. */
  readonly model: string;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Per-provider metric names, so dashboards can tell providers apart. */
  readonly metricNames: { readonly retries: string; readonly retryExceeded: string };
}

/** Constructor check shared by the LLM adapters; messages give the range and the value received. */
/** What both LLM adapters take for their ask loop; each adds its own transport options. */
export interface ModelCallOptions {
  /** Calls per ask against throttling, 5xx, timeouts and network errors, the first included; 1..20. @default 5 */
  readonly maxAttempts?: number;
  /** Asks again after an answer that fails the schema or carries no narrative; 0..10. @default 2 */
  readonly maxInvalidAnswers?: number;
  /** Narrative v2 (insights, recommendations, outlooks) needs room. @default 2000 */
  readonly maxTokens?: number;
  /** @default 0.2 */
  readonly temperature?: number;
  /** Gives up on one call after this long, then retries it. @default 60000 */
  readonly timeoutMs?: number;
  /** @default { baseMs: 1000, capMs: 20000 } */
  readonly backoff?: Backoff;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default noMetrics */
  readonly metrics?: Metrics;
  /** @default silentLogger */
  readonly logger?: Logger;
}

export type ModelCallSettings = Required<ModelCallOptions>;

/** The options with their defaults, checked; `maxTemperature` is the provider's (Bedrock 1, OpenAI 2). */
export function modelCallSettings(
  options: ModelCallOptions,
  limits: { maxTemperature: number },
): ModelCallSettings {
  const settings: ModelCallSettings = {
    maxAttempts: options.maxAttempts ?? 5,
    maxInvalidAnswers: options.maxInvalidAnswers ?? 2,
    maxTokens: options.maxTokens ?? 2000,
    temperature: options.temperature ?? 0.2,
    timeoutMs: options.timeoutMs ?? 60_000,
    backoff: options.backoff ?? { baseMs: 1000, capMs: 20_000 },
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
    metrics: options.metrics ?? noMetrics,
    logger: options.logger ?? silentLogger,
  };
  checkAskLimits(settings);
  const { maxTokens, temperature, timeoutMs } = settings;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new ConfigError(`maxTokens must be a positive integer (given ${maxTokens})`);
  }
  if (!(temperature >= 0 && temperature <= limits.maxTemperature)) {
    throw new ConfigError(
      `temperature must be between 0 and ${limits.maxTemperature} inclusive (given ${temperature})`,
    );
  }
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw new ConfigError(`timeoutMs must be a positive number (given ${timeoutMs})`);
  }
  return settings;
}

export function checkAskLimits(limits: {
  readonly maxAttempts: number;
  readonly maxInvalidAnswers: number;
  readonly backoff: Backoff;
}): void {
  const { maxAttempts, maxInvalidAnswers, backoff } = limits;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    throw new ConfigError(`maxAttempts must be an integer between 1 and 20 inclusive (given ${maxAttempts})`);
  }
  if (!Number.isInteger(maxInvalidAnswers) || maxInvalidAnswers < 0 || maxInvalidAnswers > 10) {
    throw new ConfigError(
      `maxInvalidAnswers must be an integer between 0 and 10 inclusive (given ${maxInvalidAnswers})`,
    );
  }
  if (!(backoff.baseMs >= 0 && backoff.capMs >= backoff.baseMs && Number.isFinite(backoff.capMs))) {
    throw new ConfigError(
      `backoff needs 0 <= baseMs <= capMs, both finite (given baseMs ${backoff.baseMs}, capMs ${backoff.capMs})`,
    );
  }
}

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0 };

const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
});

function describeIssues(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  const shown = error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/**
 * Calls the model until it returns a narrative that passes NarrativeSchema.
 * Only the parsed narrative leaves; usage is summed over every call, failed ones
 * included, and travels on the AnalystError too because it was billed.
 */
export async function askForNarrative(
  call: () => Promise<ModelReply>,
  options: AskOptions,
): Promise<AnalystResult> {
  const { metrics, logger, metricNames } = options;
  const started = options.clock.now();
  let usage = ZERO_USAGE;
  let calls = 0;
  let retries = 0;
  let lastProblem = '';
  let lastCause: unknown;

  const settle = () => {
    metrics.add(metricNames.retries, 'Count', retries);
    metrics.add('AnalystInputTokens', 'Count', usage.inputTokens);
    metrics.add('AnalystOutputTokens', 'Count', usage.outputTokens);
  };

  for (let ask = 1; ask <= options.maxInvalidAnswers + 1; ask++) {
    const outcome = await withRetries(
      () => {
        calls++;
        return call();
      },
      {
        ...options,
        onRetry: ({ attempt, delayMs, error }) => {
          retries++;
          logger.warn('analyst call failed; retrying', {
            model: options.model,
            attempt,
            delayMs,
            error: errorMessage(error),
          });
        },
      },
    );
    if (!outcome.ok) {
      settle();
      const details = { usage, attempts: calls, cause: outcome.error };
      if (outcome.exhausted) {
        metrics.add(metricNames.retryExceeded, 'Count', 1);
        throw new AnalystError(
          'ANALYST.RETRIES_EXCEEDED',
          `${options.model} still failing after ${outcome.attempts} attempts: ${errorMessage(outcome.error)}`,
          details,
        );
      }
      throw new AnalystError(
        'ANALYST.FAILED',
        `${options.model} failed: ${errorMessage(outcome.error)}`,
        details,
      );
    }

    const { answer } = outcome.value;
    usage = addUsage(usage, outcome.value.usage);
    if (answer.kind === 'tool') {
      const parsed = NarrativeSchema.safeParse(answer.input);
      if (parsed.success) {
        settle();
        return {
          narrative: parsed.data,
          model: options.model,
          usage,
          attempts: calls,
          latencyMs: options.clock.now() - started,
        };
      }
      lastProblem = `the narrative does not match the schema: ${describeIssues(parsed.error)}`;
      lastCause = parsed.error;
    } else {
      lastProblem = answer.why;
      lastCause = undefined;
    }
    logger.warn('analyst answer invalid', {
      model: options.model,
      ask,
      askingAgain: ask <= options.maxInvalidAnswers,
      problem: lastProblem,
    });
  }

  settle();
  throw new AnalystError(
    'ANALYST.INVALID_OUTPUT',
    `${options.model} gave no valid narrative in ${options.maxInvalidAnswers + 1} answers; last: ${lastProblem}`,
    { usage, attempts: calls, cause: lastCause },
  );
}
