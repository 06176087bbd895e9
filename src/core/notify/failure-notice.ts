/**
 * Failure notices: a refused file (IngestRejected), or an ingested file whose
 * reject rate is over the threshold, becomes one mail, exactly once per input
 * (a claim on `failure-notice#<id>`, as notify claims a report). The same code
 * runs on AWS (the failure-notices queue) and locally (the in-process bus, the
 * outbox, the dashboard).
 *
 * Every figure in a notice is read from the manifest or the rejects file, and
 * every row quoted is escaped: a rejected row is by definition input that did
 * not look as expected.
 */

import { BUILTINS, type ContractSet } from '../datasets/registry.js';
import { errorMessage } from '../errors.js';
import { type Manifest, ManifestSchema } from '../ingest/manifest.js';
import { readJsonLines } from '../jsonl-lines.js';
import type { Clock, Logger, Mailer, ObjectStore, StateStore } from '../ports.js';
import { FILE_REASONS } from '../reasons.js';
import { escapeHtml } from './escape.js';

/** Rejected rows quoted in a notice. */
export const NOTICE_ROWS = 10;
/** Characters of one raw rejected row quoted; the rejects file has the whole row. */
export const NOTICE_RAW_CHARS = 300;
/** The reject percentage above which an ingested file gets a notice, unless configured. */
export const DEFAULT_REJECT_PCT_THRESHOLD = 20;

export const failureNoticeClaimKey = (id: string): string => `failure-notice#${id}`;

export interface FailureNoticeInput {
  readonly manifest: Manifest;
  /** The first rejected rows as stored in the rejects file (row number, raw row, reasons). */
  readonly rejectedRows: readonly unknown[];
  /** What re-runs the input once the cause is fixed. */
  readonly replayCommand: string;
  /** The contracts whose reason codes the notice explains: a project's, then the built-ins. @default BUILTINS */
  readonly contracts?: ContractSet;
}

export interface FailureNotice {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Whether a manifest calls for a notice: refused, or ingested with too many rows rejected. */
export function needsFailureNotice(manifest: Manifest, rejectPctThreshold: number): boolean {
  if (manifest.status === 'rejected') return true;
  return manifest.status === 'ingested' && manifest.counts.rejectPct > rejectPctThreshold;
}

export const replayCommandFor = (manifest: Manifest): string =>
  manifest.status === 'rejected' ? `sluice replay ${manifest.id}` : `sluice replay ${manifest.id} --rejects`;

interface QuotedRow {
  readonly line: string;
  readonly reasons: string;
  readonly raw: string;
}

const reasonDescription = (input: FailureNoticeInput, code: string): string =>
  (input.contracts ?? BUILTINS).reasonMeaning(code) ?? (FILE_REASONS as Record<string, string>)[code] ?? '';

function clip(text: string): string {
  return text.length > NOTICE_RAW_CHARS ? `${text.slice(0, NOTICE_RAW_CHARS)}…` : text;
}

/** A rejects-file line reduced to what a notice shows; anything unexpected is shown, not trusted. */
function quotedRow(row: unknown): QuotedRow {
  const record = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
  const where = record.line ?? record.index;
  const reasons = Array.isArray(record.reasons)
    ? record.reasons
        .map((r) => {
          const issue = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
          const field = typeof issue.field === 'string' ? ` (${issue.field})` : '';
          return `${String(issue.code ?? '?')}${field}`;
        })
        .join(', ')
    : '';
  const raw = record.raw === undefined ? JSON.stringify(row) : record.raw;
  return {
    line: typeof where === 'number' ? String(where) : '?',
    reasons,
    raw: clip(typeof raw === 'string' ? raw : JSON.stringify(raw)),
  };
}

function subjectOf(manifest: Manifest): string {
  const file = manifest.input.key;
  return manifest.status === 'rejected'
    ? `sluice: ${file} was refused (${manifest.reason?.code ?? 'rejected'})`
    : `sluice: ${file} had ${manifest.counts.rejectPct}% of its rows rejected`;
}

function reasonLine(manifest: Manifest): { code: string; message: string } {
  return (
    manifest.reason ?? {
      code: 'reject_rate',
      message: `${manifest.counts.rejected} of ${manifest.counts.total} rows (${manifest.counts.rejectPct}%) were rejected`,
    }
  );
}

const countsPerReason = (manifest: Manifest): Array<[string, number]> =>
  Object.entries(manifest.counts.reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

function noticeText(input: FailureNoticeInput, subject: string, rows: readonly QuotedRow[]): string {
  const { manifest, replayCommand } = input;
  const reason = reasonLine(manifest);
  const perReason = countsPerReason(manifest);
  const meaning = (code: string): string => {
    const text = reasonDescription(input, code);
    return text === '' ? '' : ` (${text})`;
  };
  const lines = [
    subject,
    '',
    `file: ${manifest.input.key}`,
    `id: ${manifest.id}`,
    `reason: ${reason.code}: ${reason.message}`,
    `rows: ${manifest.counts.total} read, ${manifest.counts.valid} valid, ${manifest.counts.rejected} rejected`,
    ...(perReason.length > 0
      ? ['rejected rows per reason:', ...perReason.map(([code, n]) => `  ${code}: ${n}${meaning(code)}`)]
      : []),
    ...(rows.length > 0
      ? [
          `first ${rows.length} rejected rows:`,
          ...rows.map((r) => `  line ${r.line} [${r.reasons}]: ${r.raw}`),
        ]
      : []),
    '',
    `after a fix: ${replayCommand}`,
  ];
  return `${lines.join('\n')}\n`;
}

const CELL = 'style="padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top"';
const MONO = 'font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px';

function noticeHtml(input: FailureNoticeInput, subject: string, rows: readonly QuotedRow[]): string {
  const { manifest, replayCommand } = input;
  const reason = reasonLine(manifest);
  const e = escapeHtml;
  const perReason = countsPerReason(manifest)
    .map(
      ([code, n]) =>
        `<tr><td ${CELL}><code>${e(code)}</code></td><td ${CELL}>${n}</td><td ${CELL}>${e(reasonDescription(input, code))}</td></tr>`,
    )
    .join('');
  const quoted = rows
    .map(
      (r) =>
        `<tr><td ${CELL}>${e(r.line)}</td><td ${CELL}><code>${e(r.reasons)}</code></td><td ${CELL}><span style="${MONO};white-space:pre-wrap;word-break:break-all">${e(r.raw)}</span></td></tr>`,
    )
    .join('');
  const { total, valid, rejected } = manifest.counts;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${e(subject)}</title></head>`,
    '<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111827;background:#ffffff">',
    `<h1 style="font-size:20px;margin:0 0 12px">${e(subject)}</h1>`,
    `<p style="margin:0 0 8px"><strong>File</strong> <code>${e(manifest.input.key)}</code><br><strong>Id</strong> <code style="${MONO}">${e(manifest.id)}</code></p>`,
    `<p style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #b91c1c;background:#fef2f2"><code>${e(reason.code)}</code>: ${e(reason.message)}</p>`,
    `<p style="margin:0 0 16px">${total} rows read, ${valid} valid, ${rejected} rejected.</p>`,
    perReason
      ? `<h2 style="font-size:16px;margin:16px 0 8px">Rejected rows per reason</h2><table style="border-collapse:collapse"><tr><th ${CELL}>Reason</th><th ${CELL}>Rows</th><th ${CELL}>Meaning</th></tr>${perReason}</table>`
      : '',
    quoted
      ? `<h2 style="font-size:16px;margin:16px 0 8px">First ${rows.length} rejected rows</h2><table style="border-collapse:collapse"><tr><th ${CELL}>Line</th><th ${CELL}>Reasons</th><th ${CELL}>Row</th></tr>${quoted}</table>`
      : '',
    `<h2 style="font-size:16px;margin:16px 0 8px">After a fix</h2><pre style="${MONO};background:#f3f4f6;padding:8px 12px">${e(replayCommand)}</pre>`,
    '</body></html>',
  ].join('\n');
}

export function renderFailureNotice(input: FailureNoticeInput): FailureNotice {
  const subject = subjectOf(input.manifest);
  const rows = input.rejectedRows.slice(0, NOTICE_ROWS).map(quotedRow);
  return { subject, text: noticeText(input, subject, rows), html: noticeHtml(input, subject, rows) };
}

export interface FailureNoticeDeps {
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The contracts files are read with, whose reason codes the notice explains. @default BUILTINS */
  readonly contracts?: ContractSet;
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

export interface SentFailureNotice {
  readonly outcome: NoticeOutcome;
  readonly manifest: Manifest;
  readonly subject?: string;
  readonly messageId?: string;
  /** Where the outbox put its copy, when the mailer is the outbox. */
  readonly files?: { readonly eml: string; readonly html: string };
}

/** Sends the notice for one manifest, once; throws (claim given back) when the send fails. */
export async function sendFailureNotice(
  deps: FailureNoticeDeps,
  input: { readonly manifestKey: string; readonly requestId: string },
  options: FailureNoticeOptions,
): Promise<SentFailureNotice> {
  const { store, state, clock } = deps;
  const manifest = ManifestSchema.parse(
    JSON.parse(new TextDecoder().decode(await store.getBytes(input.manifestKey))),
  );
  const logger = deps.logger.child({ correlationId: manifest.correlationId, stage: 'failure-notice' });
  if (!needsFailureNotice(manifest, options.rejectPctThreshold))
    return { outcome: 'below_threshold', manifest };
  const claimKey = failureNoticeClaimKey(manifest.id);
  const owner = `failure-notice:${input.requestId}`;
  const claim = await state.claim(claimKey, { owner, now: clock.now(), ttlMs: options.claimTtlMs });
  if (!claim.acquired) {
    return { outcome: claim.existing.status === 'in_progress' ? 'in_progress' : 'already_sent', manifest };
  }
  try {
    const notice = renderFailureNotice({
      manifest,
      rejectedRows: await firstRejectedRows(store, manifest.outputs.rejects),
      replayCommand: replayCommandFor(manifest),
      ...(deps.contracts ? { contracts: deps.contracts } : {}),
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
      { messageId: sent.messageId, status: manifest.status, subject: notice.subject, sentAt: clock.now() },
      { now: clock.now(), retainMs: options.retainMs },
    );
    logger.info('failure notice sent', {
      id: manifest.id,
      reason: manifest.reason?.code,
      messageId: sent.messageId,
    });
    return {
      outcome: 'sent',
      manifest,
      subject: notice.subject,
      messageId: sent.messageId,
      ...(sent.files ? { files: sent.files } : {}),
    };
  } catch (error) {
    logger.error('failure notice failed; claim released for retry', { error: errorMessage(error) });
    await state.release(claimKey, owner).catch(() => undefined);
    throw error;
  }
}
