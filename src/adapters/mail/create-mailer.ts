/**
 * The mailer a validated mail configuration asks for. Kept apart from the
 * configuration so that validating settings does not load nodemailer and the
 * SES client (a Lambda that only checks its settings stays small).
 */
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Backoff } from '../../core/analyze/retry.js';
import type { Clock, Logger, Mailer, Metrics } from '../../core/ports.js';
import type { MailConfig } from './mail-config.js';
import { OutboxMailer } from './mailer.outbox.js';
import { createSesClient, SesMailer } from './mailer.ses.js';
import { SmtpMailer } from './mailer.smtp.js';

export interface MailerDeps {
  /** @default silentLogger */
  readonly logger?: Logger;
  /** @default noMetrics */
  readonly metrics?: Metrics;
  /** @default systemClock */
  readonly clock?: Clock;
  /** For SES; @default createSesClient({ region }) */
  readonly sesClient?: SESv2Client;
  /** Retry timing of the SMTP and SES mailers; the defaults suit production. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly backoff?: Backoff;
}

export function createMailer(config: MailConfig, deps: MailerDeps = {}): Mailer {
  switch (config.mailer) {
    case 'outbox':
      return new OutboxMailer({ dir: config.outboxDir, ...deps });
    case 'smtp':
      return new SmtpMailer({ ...config.smtp, ...deps });
    case 'ses':
      return new SesMailer({
        client: deps.sesClient ?? createSesClient({ region: config.ses.region }),
        ...(config.ses.configurationSetName === undefined
          ? {}
          : { configurationSetName: config.ses.configurationSetName }),
        ...deps,
      });
  }
}
