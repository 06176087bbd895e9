/** The Mailer adapters: what the CLI, the handlers and the tests may import. */

export { createMailer, type MailerDeps } from './create-mailer.js';
export { InvalidMailError, MailSendError, type MailSendErrorCode } from './errors.js';
export { loadMailConfig, type MailConfig, MailEnvSchema, type SmtpSettings } from './mail-config.js';
export { OutboxMailer, type OutboxMailerOptions } from './mailer.outbox.js';
export { classifySesError, createSesClient, SesMailer, type SesMailerOptions } from './mailer.ses.js';
export { classifySmtpError, SmtpMailer, type SmtpMailerOptions } from './mailer.smtp.js';
export { type BuiltMime, buildMime, type MimeOptions } from './mime.js';
export type { RetryOptions, Verdict } from './send-retry.js';
