/**
 * Mailer on Amazon SES v2 (SendEmail with raw content, so inline chart images
 * travel as built by buildMime). The adapter owns retries: the client must be
 * built with `maxAttempts: 1` (createSesClient), or SDK retries under ours would
 * multiply the calls and hide them from the SesRetries metric.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type Clock, type Mailer, type MailMessage, type SentMail, systemClock } from '../../core/ports.js';
import { singleAttemptClientConfig, TRANSIENT_NETWORK_CODES } from '../network-errors.js';
import { buildMime } from './mime.js';
import {
  type ResolvedRetry,
  type RetryOptions,
  resolveRetry,
  sendWithRetries,
  type Verdict,
} from './send-retry.js';

/** A client whose own retries are off, so the adapter's are the only ones. */
export function createSesClient(options: { region: string; endpoint?: string }): SESv2Client {
  return new SESv2Client(singleAttemptClientConfig(options));
}

export interface SesMailerOptions extends RetryOptions {
  /** Built with `maxAttempts: 1` (createSesClient); tests point it at a loopback server. */
  readonly client: SESv2Client;
  /** Configuration set for event publishing (bounces, complaints, deliveries). @default none */
  readonly configurationSetName?: string;
  /** Gives up on one call after this long, then retries it like a network error. @default 30000 */
  readonly timeoutMs?: number;
  /** Stamps the Date header. @default systemClock */
  readonly clock?: Clock;
}

// SES's verdicts on this message or on the account's right to send: asking again changes nothing.
const REFUSALS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'SendingPausedException',
  'AccountSuspendedException',
]);

const THROTTLES = new Set(['TooManyRequestsException', 'ThrottlingException']);

// No response at all: our timeout fired, or the socket died.
const NO_RESPONSE = new Set(['AbortError', 'TimeoutError']);
const NETWORK_CODES = TRANSIENT_NETWORK_CODES;

// LimitExceededException covers the sending rate (passes in a second) and the daily quota (does not).
const RATE_LIMIT = /rate|throttl|too many requests/i;

export function classifySesError(error: unknown): Verdict {
  const { name, code, message, $metadata } = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const reason = `${name ?? 'Error'}: ${message ?? String(error)}`;
  if (name !== undefined && REFUSALS.has(name)) return { kind: 'rejected', reason };
  if (name !== undefined && THROTTLES.has(name)) return { kind: 'transient', reason, throttled: true };
  if (name === 'LimitExceededException') {
    return RATE_LIMIT.test(message ?? '') && !/daily|quota/i.test(message ?? '')
      ? { kind: 'transient', reason, throttled: true }
      : { kind: 'failed', reason };
  }
  const status = $metadata?.httpStatusCode;
  if (status !== undefined) {
    if (status === 429) return { kind: 'transient', reason, throttled: true };
    return status >= 500 ? { kind: 'transient', reason } : { kind: 'failed', reason };
  }
  if ((name !== undefined && NO_RESPONSE.has(name)) || NETWORK_CODES.has(code ?? '')) {
    return { kind: 'transient', reason };
  }
  return { kind: 'failed', reason };
}

export class SesMailer implements Mailer {
  readonly name = 'ses';
  readonly #client: SESv2Client;
  readonly #configurationSetName: string | undefined;
  readonly #timeoutMs: number;
  readonly #retry: ResolvedRetry;
  readonly #clock: Clock;

  constructor(options: SesMailerOptions) {
    this.#client = options.client;
    this.#configurationSetName = options.configurationSetName;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = resolveRetry(options);
    this.#clock = options.clock ?? systemClock;
  }

  async send(message: MailMessage): Promise<SentMail> {
    const mime = await buildMime(message, {
      messageId: message.messageId,
      date: new Date(this.#clock.now()),
    });
    const command = new SendEmailCommand({
      // The envelope; recipients see the headers in the raw MIME, display names included.
      FromEmailAddress: mime.envelope.from,
      Destination: { ToAddresses: [...mime.envelope.to] },
      Content: { Raw: { Data: mime.raw } },
      ...(this.#configurationSetName === undefined
        ? {}
        : { ConfigurationSetName: this.#configurationSetName }),
    });
    const { value, attempts } = await sendWithRetries(
      () => this.#client.send(command, { abortSignal: AbortSignal.timeout(this.#timeoutMs) }),
      this.#retry,
      {
        mailer: this.name,
        messageId: mime.messageId,
        classify: classifySesError,
        metricNames: { retries: 'SesRetries', throttled: 'SesThrottled' },
      },
    );
    // SES replaces the Message-ID header with its own, derived from this id.
    const messageId = value.MessageId ?? mime.messageId;
    this.#retry.logger.info('mail sent', { mailer: this.name, messageId, attempts });
    return { messageId, mailer: this.name };
  }
}
