/**
 * Errors of the mail adapters. Callers (the notify stage, a queue's retry policy)
 * match on `code` and read `retryable`, because `instanceof` does not survive a
 * queue boundary.
 */
import { SluiceError } from '../../core/errors.js';

export type MailSendErrorCode =
  /** Not delivered: transport trouble that outlasted the retries, or a setup problem (credentials, TLS). */
  | 'MAIL.SEND_FAILED'
  /** The provider refused this message or its recipients for good; sending it again gets the same answer. */
  | 'MAIL.REJECTED';

export class MailSendError extends SluiceError {
  /** True when the last failure was transient: a later retry (the queue's) may succeed. */
  readonly retryable: boolean;
  /** The provider's own words: an SMTP reply code or an SES error name, with its message. */
  readonly reason: string;
  readonly mailer: string;
  readonly attempts: number;

  constructor(
    code: MailSendErrorCode,
    message: string,
    details: { mailer: string; reason: string; retryable: boolean; attempts: number; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.mailer = details.mailer;
    this.reason = details.reason;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
  }

  override toJSON(): { code: string; message: string; reason: string; retryable: boolean } {
    return { ...super.toJSON(), reason: this.reason, retryable: this.retryable };
  }
}

/** A message that must not be sent as given: an address that is not one mailbox, a header that could inject others. */
export class InvalidMailError extends SluiceError {
  constructor(message: string) {
    super('MAIL.INVALID_MESSAGE', message);
  }
}
