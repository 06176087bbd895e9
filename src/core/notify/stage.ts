/**
 * The notify stage: claim the notification, render the report from the stored
 * analysis, send it, mark it sent. The claim is what makes a duplicate trigger
 * (a redelivered stream record, two workers) send nothing.
 *
 * Worst case, documented in the README: a crash after the provider accepted the
 * message and before the claim is marked leaves an in-progress claim; after it
 * expires a retry sends the report a second time. Nothing is ever lost.
 */
import { loadAnalysis } from '../analyze/stored-analysis.js';
import { holdClaim } from '../claim-lease.js';
import { errorMessage } from '../errors.js';
import { claimKeys } from '../keys.js';
import {
  type ChartRasterizer,
  type Clock,
  type Logger,
  type MailAttachment,
  type Mailer,
  type Metrics,
  noMetrics,
  type SentMail,
  type StateStore,
} from '../ports.js';
import { renderReport } from './render.js';

export interface NotifyDeps {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly mailer: Mailer;
  readonly rasterizer: ChartRasterizer;
  readonly metrics?: Metrics;
}

export interface MailSettings {
  readonly from: string;
  readonly to: readonly string[];
  /** Placeholders {dataset}, {headline}, {sentiment}, {date}. */
  readonly subjectTemplate: string;
}

export interface NotifyOptions {
  /** How long a claim protects a send in progress; longer than the mailer's retries. @default 300_000 */
  readonly claimTtlMs: number;
  /** How long "sent" is remembered (stream records are retried for 24 h at most). @default 604_800_000 */
  readonly retainMs: number;
  readonly mail: MailSettings;
}

export interface NotifyInput {
  /** The analysis id (the input's SHA-256). */
  readonly id: string;
  readonly requestId: string;
  /** Send again even when this report was sent before. */
  readonly force?: boolean;
}

export interface Notification extends SentMail {
  readonly sentAt: string;
  readonly subject: string;
  readonly to: readonly string[];
}

export interface NotifyResult {
  readonly outcome: 'sent' | 'duplicate' | 'in_progress' | 'no_analysis';
  readonly notification?: Notification;
}

export async function notifyAnalysis(
  deps: NotifyDeps,
  input: NotifyInput,
  options: NotifyOptions,
): Promise<NotifyResult> {
  const { state, clock } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const logger = deps.logger.child({ analysisId: input.id, stage: 'notify' });
  const claimKey = claimKeys.notify(input.id);
  const owner = `notify:${input.requestId}`;
  const claim = await state.claim(claimKey, {
    owner,
    now: clock.now(),
    ttlMs: options.claimTtlMs,
    force: input.force === true,
  });
  if (!claim.acquired) {
    if (claim.existing.status === 'in_progress') return { outcome: 'in_progress' };
    logger.info('report already sent; nothing to do');
    return { outcome: 'duplicate', notification: claim.existing.result as Notification };
  }
  const lease = holdClaim({ state, clock, logger, key: claimKey, owner, ttlMs: options.claimTtlMs });
  try {
    const analysis = await loadAnalysis(state, input.id);
    if (!analysis) {
      await state.release(claimKey, owner);
      logger.warn('no stored analysis with this id; nothing to send');
      return { outcome: 'no_analysis' };
    }
    const generatedAt = new Date(clock.now()).toISOString();
    const report = renderReport(analysis, { generatedAt, subjectTemplate: options.mail.subjectTemplate });
    const attachments: MailAttachment[] = report.charts.map((chart) => ({
      filename: chart.filename,
      contentType: 'image/png',
      content: deps.rasterizer.toPng(chart.svg),
      cid: chart.cid,
    }));
    const sent = await deps.mailer.send({
      from: options.mail.from,
      to: options.mail.to,
      subject: report.subject,
      html: report.html,
      text: report.text,
      attachments,
      headers: { 'X-Sluice-Correlation-Id': analysis.correlationId, 'X-Sluice-Dataset': analysis.dataset },
      // Stable, so a resend after a crash is recognizably the same message; a forced resend is a new one.
      messageId: input.force
        ? `<report.${analysis.id}.${input.requestId}@sluice>`
        : `<report.${analysis.id}@sluice>`,
    });
    const notification: Notification = {
      ...sent,
      sentAt: generatedAt,
      subject: report.subject,
      to: options.mail.to,
    };
    const marked = await state.complete(claimKey, owner, notification, {
      now: clock.now(),
      retainMs: options.retainMs,
    });
    metrics.add('ReportsSent', 'Count', 1, { dataset: analysis.dataset });
    if (!marked) {
      // Our claim expired while the provider was sending and another worker took it over.
      metrics.add('NotifyClaimLost', 'Count', 1);
      logger.warn('the claim expired during the send; another worker may send this report too');
    }
    logger.info('report sent', {
      mailer: sent.mailer,
      messageId: sent.messageId,
      to: options.mail.to.length,
    });
    return { outcome: 'sent', notification };
  } catch (error) {
    logger.error('notify failed; claim released for retry', { error: errorMessage(error) });
    await state.release(claimKey, owner).catch(() => undefined);
    throw error;
  } finally {
    lease.stop();
  }
}
