/**
 * Mailer over SMTP (nodemailer), for a relay, a corporate server or a local
 * catcher such as Mailpit. It sends the bytes buildMime made, so what arrives
 * is what the outbox would have written.
 */
import {
  createTransport,
  type NodemailerError,
  type SMTPSentMessageInfo,
  type Transporter,
} from 'nodemailer';
import { ConfigError } from '../../core/errors.js';
import { type Clock, type Mailer, type MailMessage, type SentMail, systemClock } from '../../core/ports.js';
import { TRANSIENT_NETWORK_CODES } from '../network-errors.js';
import { buildMime } from './mime.js';
import {
  type ResolvedRetry,
  type RetryOptions,
  resolveRetry,
  sendWithRetries,
  type Verdict,
} from './send-retry.js';

export interface SmtpMailerOptions extends RetryOptions {
  readonly host: string;
  /** @default 587 */
  readonly port?: number;
  /** Implicit TLS from the first byte (port 465); otherwise STARTTLS is used when offered. @default false */
  readonly secure?: boolean;
  /** Refuse to go on unless STARTTLS succeeds: keeps credentials off a cleartext link. @default false */
  readonly requireTLS?: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** `rejectUnauthorized: false` accepts a self-signed certificate (a local test server only). */
  readonly tls?: { readonly rejectUnauthorized?: boolean };
  /** Limit on connecting and on waiting for the greeting. @default 10000 */
  readonly connectionTimeoutMs?: number;
  /** Limit on silence once connected. @default 30000 */
  readonly socketTimeoutMs?: number;
  /** Stamps the Date header. @default systemClock */
  readonly clock?: Clock;
}

// Socket errors worth another connection; certificate errors (also ESOCKET) are not.
const NETWORK_CODES = TRANSIENT_NETWORK_CODES;

// The replies to MAIL FROM, RCPT TO and DATA speak about the message; others about the session.
const MESSAGE_STAGES = new Set(['EENVELOPE', 'EMESSAGE']);

/**
 * 4xx (and 503, a session out of step) is "try later"; a 5xx to the message or
 * its recipients is a refusal; a lost or silent connection is transient.
 */
export function classifySmtpError(error: unknown): Verdict {
  const { code, responseCode, originalCode, response, message } = (error ?? {}) as NodemailerError;
  const reason = response ?? (error instanceof Error ? message : String(error));
  if (responseCode !== undefined) {
    if ((responseCode >= 400 && responseCode < 500) || responseCode === 503)
      return { kind: 'transient', reason };
    // 530: the server wants authentication; the setup is wrong, not the message.
    if (responseCode >= 500 && responseCode !== 530 && MESSAGE_STAGES.has(code ?? '')) {
      return { kind: 'rejected', reason };
    }
    return { kind: 'failed', reason };
  }
  if (code === 'ECONNECTION' || code === 'ETIMEDOUT') return { kind: 'transient', reason };
  if ((code === 'ESOCKET' || code === 'EDNS') && NETWORK_CODES.has(originalCode ?? '')) {
    return { kind: 'transient', reason };
  }
  return { kind: 'failed', reason };
}

export class SmtpMailer implements Mailer {
  readonly name = 'smtp';
  readonly #transport: Transporter<SMTPSentMessageInfo>;
  readonly #retry: ResolvedRetry;
  readonly #clock: Clock;

  constructor(options: SmtpMailerOptions) {
    const { host, port = 587 } = options;
    // nodemailer would quietly fall back to localhost for an empty host.
    if (host.trim() === '') throw new ConfigError('host must name the SMTP server (given an empty string)');
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new ConfigError(`port must be an integer between 1 and 65535 inclusive (given ${port})`);
    }
    const connectionTimeoutMs = options.connectionTimeoutMs ?? 10_000;
    this.#retry = resolveRetry(options);
    this.#clock = options.clock ?? systemClock;
    // Not pooled: one connection per attempt, so a retry never reuses a socket that just failed.
    this.#transport = createTransport({
      host,
      port,
      secure: options.secure ?? false,
      requireTLS: options.requireTLS ?? false,
      ...(options.auth === undefined ? {} : { auth: { user: options.auth.user, pass: options.auth.pass } }),
      ...(options.tls === undefined ? {} : { tls: { ...options.tls } }),
      connectionTimeout: connectionTimeoutMs,
      greetingTimeout: connectionTimeoutMs,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
    });
  }

  async send(message: MailMessage): Promise<SentMail> {
    const mime = await buildMime(message, {
      messageId: message.messageId,
      date: new Date(this.#clock.now()),
    });
    const envelope = { from: mime.envelope.from, to: [...mime.envelope.to] };
    const { value: info, attempts } = await sendWithRetries(
      () => this.#transport.sendMail({ envelope, raw: mime.raw }),
      this.#retry,
      {
        mailer: this.name,
        messageId: mime.messageId,
        classify: classifySmtpError,
        metricNames: { retries: 'MailRetries' },
      },
    );
    const { rejected } = info;
    // Some recipients accepted: sending again would duplicate their copy, so report and move on.
    if (rejected.length > 0) {
      this.#retry.logger.warn('smtp server refused some recipients', {
        messageId: mime.messageId,
        rejected: rejected.length,
        response: info.response,
      });
    }
    this.#retry.logger.info('mail sent', { mailer: this.name, messageId: mime.messageId, attempts });
    return { messageId: mime.messageId, mailer: this.name };
  }
}
