/**
 * The AWS consumer of ingest's failures: IngestRejected (a refused file) and
 * IngestCompleted whose reject rate is over SLUICE_REJECT_PCT_THRESHOLD, routed by
 * an EventBridge rule to the failure-notices queue that the notify function reads.
 * Each becomes one failure notice by mail, exactly once per input (a claim on
 * `failure-notice#<id>`, as notify claims a report).
 *
 * The notice's content comes from a FailureNoticeRenderer port. The renderer of
 * src/core/notify/failure-notice.ts (`renderFailureNotice(manifest)`, built in
 * another branch) is meant to be plugged in here; until it is, `plainFailureNotice`
 * renders the same facts (file, reason, counts per reason, first rejected rows,
 * replay command) as plain text and escaped HTML.
 */
import { z } from 'zod';
import { EventValidationError, errorMessage } from '../core/errors.js';
import { parseEvent, SOURCES } from '../core/events.js';
import { type Manifest, ManifestSchema } from '../core/ingest/manifest.js';
import { readJsonLines } from '../core/jsonl-lines.js';
import { escapeHtml } from '../core/notify/escape.js';
import type { Clock, Logger, Mailer, ObjectStore, StateStore } from '../core/ports.js';

/** Rejected rows quoted in a notice. */
export const NOTICE_ROWS = 10;

export interface FailureNoticeInput {
  readonly manifest: Manifest;
  /** The first rejected rows as stored in the rejects file (row number, raw row, reasons). */
  readonly rejectedRows: readonly unknown[];
  /** What re-runs the input once the cause is fixed. */
  readonly replayCommand: string;
}

export interface FailureNotice {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The port the consumer renders through. */
export type FailureNoticeRenderer = (input: FailureNoticeInput) => FailureNotice;

export const plainFailureNotice: FailureNoticeRenderer = ({ manifest, rejectedRows, replayCommand }) => {
  const file = manifest.input.key;
  const reason = manifest.reason ?? {
    code: 'reject_rate',
    message: `${manifest.counts.rejectPct}% of rows rejected`,
  };
  const subject =
    manifest.status === 'rejected'
      ? `sluice: ${file} was refused (${reason.code})`
      : `sluice: ${file} had ${manifest.counts.rejectPct}% of its rows rejected`;
  const reasons = Object.entries(manifest.counts.reasons).map(([code, rows]) => `  ${code}: ${rows}`);
  const lines = [
    subject,
    '',
    `file: ${file}`,
    `id: ${manifest.id}`,
    `reason: ${reason.code}: ${reason.message}`,
    `rows: ${manifest.counts.total} read, ${manifest.counts.valid} valid, ${manifest.counts.rejected} rejected`,
    ...(reasons.length > 0 ? ['rejected rows per reason:', ...reasons] : []),
    ...(rejectedRows.length > 0
      ? [
          `first ${rejectedRows.length} rejected rows:`,
          ...rejectedRows.map((row) => `  ${JSON.stringify(row)}`),
        ]
      : []),
    '',
    `after a fix: ${replayCommand}`,
  ];
  const text = `${lines.join('\n')}\n`;
  return { subject, text, html: `<!doctype html><html><body><pre>${escapeHtml(text)}</pre></body></html>` };
};

const EnvelopeSchema = z.object({
  'detail-type': z.enum(['IngestRejected', 'IngestCompleted']),
  source: z.literal(SOURCES.ingest),
  detail: z.unknown(),
});

/** The manifest key the message is about. */
export function manifestKeyOf(messageId: string, body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new EventValidationError(`message ${messageId} is not JSON: ${errorMessage(error)}`);
  }
  const envelope = EnvelopeSchema.safeParse(parsed);
  if (!envelope.success) {
    throw new EventValidationError(
      `message ${messageId} is not an IngestRejected or IngestCompleted envelope: ${z.prettifyError(envelope.error)}`,
    );
  }
  return parseEvent(envelope.data['detail-type'], envelope.data.detail).manifestKey;
}

export interface FailureNoticeDeps {
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly render: FailureNoticeRenderer;
}

export interface FailureNoticeOptions {
  readonly from: string;
  readonly to: readonly string[];
  /** Reject percentage of an ingested file above which it gets a notice. */
  readonly rejectPctThreshold: number;
  readonly claimTtlMs: number;
  readonly retainMs: number;
}

export type NoticeOutcome = 'sent' | 'already_sent' | 'in_progress' | 'below_threshold';

async function firstRejectedRows(store: ObjectStore, key: string | undefined): Promise<unknown[]> {
  if (key === undefined) return [];
  const rows: unknown[] = [];
  for await (const batch of readJsonLines(await store.getStream(key))) {
    rows.push(...batch);
    if (rows.length >= NOTICE_ROWS) break;
  }
  return rows.slice(0, NOTICE_ROWS);
}

/** Sends the notice for one manifest, once; throws (claim given back) when the send fails. */
export async function sendFailureNotice(
  deps: FailureNoticeDeps,
  input: { readonly manifestKey: string; readonly requestId: string },
  options: FailureNoticeOptions,
): Promise<NoticeOutcome> {
  const { store, state, clock } = deps;
  const manifest = ManifestSchema.parse(
    JSON.parse(new TextDecoder().decode(await store.getBytes(input.manifestKey))),
  );
  const logger = deps.logger.child({ correlationId: manifest.correlationId, stage: 'failure-notice' });
  if (manifest.status === 'ingested' && manifest.counts.rejectPct <= options.rejectPctThreshold) {
    return 'below_threshold';
  }
  const claimKey = `failure-notice#${manifest.id}`;
  const owner = `failure-notice:${input.requestId}`;
  const claim = await state.claim(claimKey, { owner, now: clock.now(), ttlMs: options.claimTtlMs });
  if (!claim.acquired) return claim.existing.status === 'in_progress' ? 'in_progress' : 'already_sent';
  try {
    const notice = deps.render({
      manifest,
      rejectedRows: await firstRejectedRows(store, manifest.outputs.rejects),
      replayCommand:
        manifest.status === 'rejected'
          ? `sluice replay ${manifest.id}`
          : `sluice replay ${manifest.id} --rejects`,
    });
    const sent = await deps.mailer.send({
      from: options.from,
      to: options.to,
      subject: notice.subject,
      html: notice.html,
      text: notice.text,
      attachments: [],
      headers: { 'X-Sluice-Correlation-Id': manifest.correlationId },
      // Stable, so a resend after a crash between send and mark is recognizably the same message.
      messageId: `<failure-${manifest.id}@sluice>`,
    });
    await state.complete(
      claimKey,
      owner,
      { messageId: sent.messageId, status: manifest.status },
      { now: clock.now(), retainMs: options.retainMs },
    );
    logger.info('failure notice sent', {
      id: manifest.id,
      reason: manifest.reason?.code,
      messageId: sent.messageId,
    });
    return 'sent';
  } catch (error) {
    logger.error('failure notice failed; claim released for retry', { error: errorMessage(error) });
    await state.release(claimKey, owner).catch(() => undefined);
    throw error;
  }
}
