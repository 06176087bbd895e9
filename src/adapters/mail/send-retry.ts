/**
 * The retry loop shared by the SMTP and SES mailers: transient failures wait
 * (full jitter, core/analyze/retry) and try again, a refusal stops at once, and
 * whatever is left becomes a MailSendError with a stable code.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type Backoff, withRetries } from '../../core/analyze/retry.js';
import { ConfigError } from '../../core/errors.js';
import { type Logger, type Metrics, noMetrics, silentLogger } from '../../core/ports.js';
import { MailSendError } from './errors.js';

/** What one failed attempt means; `reason` is the provider's own words, for logs and the error. */
export type Verdict =
  | { readonly kind: 'transient'; readonly reason: string; readonly throttled?: boolean }
  /** The provider refused the message or its recipients: MAIL.REJECTED. */
  | { readonly kind: 'rejected'; readonly reason: string }
  /** Neither worth retrying nor a verdict on the message (credentials, TLS, quota): MAIL.SEND_FAILED. */
  | { readonly kind: 'failed'; readonly reason: string };

export interface RetryOptions {
  /** Attempts per message, the first included; 1..20. @default 4 */
  readonly maxAttempts?: number;
  /** Full-jitter backoff between attempts. @default { baseMs: 1000, capMs: 30000 } */
  readonly backoff?: Backoff;
  /** @default timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** @default noMetrics */
  readonly metrics?: Metrics;
}

export type ResolvedRetry = Required<RetryOptions>;

const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, capMs: 30_000 };

/** Applies the defaults and checks the limits, so a bad value fails at construction. */
export function resolveRetry(options: RetryOptions): ResolvedRetry {
  const { maxAttempts = 4, backoff = DEFAULT_BACKOFF } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    throw new ConfigError(`maxAttempts must be an integer between 1 and 20 inclusive (given ${maxAttempts})`);
  }
  if (!(backoff.baseMs >= 0 && backoff.capMs >= backoff.baseMs && Number.isFinite(backoff.capMs))) {
    throw new ConfigError(
      `backoff needs 0 <= baseMs <= capMs, both finite (given baseMs ${backoff.baseMs}, capMs ${backoff.capMs})`,
    );
  }
  return {
    maxAttempts,
    backoff,
    sleep: options.sleep ?? ((ms) => delay(ms)),
    random: options.random ?? Math.random,
    logger: options.logger ?? silentLogger,
    metrics: options.metrics ?? noMetrics,
  };
}

export interface SendContext {
  readonly mailer: string;
  readonly messageId: string;
  readonly classify: (error: unknown) => Verdict;
  /** Emitted once per message, zero included, so dashboards see a steady series. */
  readonly metricNames: { readonly retries: string; readonly throttled?: string };
}

export async function sendWithRetries<T>(
  attempt: () => Promise<T>,
  retry: ResolvedRetry,
  context: SendContext,
): Promise<{ value: T; attempts: number }> {
  const { mailer, messageId, metricNames } = context;
  let verdict: Verdict | undefined;
  let retries = 0;
  let throttled = 0;
  const outcome = await withRetries(attempt, {
    ...retry,
    isRetryable: (error) => {
      verdict = context.classify(error);
      if (verdict.kind === 'transient' && verdict.throttled === true) throttled++;
      return verdict.kind === 'transient';
    },
    onRetry: ({ attempt: failed, delayMs }) => {
      retries++;
      retry.logger.warn('mail not sent; retrying', {
        mailer,
        messageId,
        attempt: failed,
        delayMs,
        reason: verdict?.reason,
      });
    },
  });
  retry.metrics.add(metricNames.retries, 'Count', retries);
  if (metricNames.throttled !== undefined) retry.metrics.add(metricNames.throttled, 'Count', throttled);
  if (outcome.ok) return { value: outcome.value, attempts: outcome.attempts };

  const last = verdict ?? context.classify(outcome.error);
  const details = {
    mailer,
    reason: last.reason,
    retryable: last.kind === 'transient',
    attempts: outcome.attempts,
    cause: outcome.error,
  };
  if (last.kind === 'rejected') {
    throw new MailSendError(
      'MAIL.REJECTED',
      `${mailer} refused message ${messageId}: ${last.reason}`,
      details,
    );
  }
  const after = outcome.exhausted ? ` after ${outcome.attempts} attempts` : '';
  throw new MailSendError(
    'MAIL.SEND_FAILED',
    `${mailer} could not send ${messageId}${after}: ${last.reason}`,
    details,
  );
}
