/**
 * `sluice run <file>`: ingest → analyze → notify on one file through the local
 * bus, then say where the report is (`npm start` runs it on the sample).
 */
import path from 'node:path';
import type { AnalyzeResult } from '../../core/analyze/stage.js';
import type { Manifest } from '../../core/ingest/manifest.js';
import type { SentFailureNotice } from '../../core/notify/failure-notice.js';
import type { Notification, NotifyResult } from '../../core/notify/stage.js';
import type { LocalConfig } from '../../local/config.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { wireLocalPipeline } from '../../local/pipeline.js';
import type { CliIo } from '../io.js';
import { describeAnalysis } from './analyze.js';
import { ingestFiles, reportIngest, unknownDataset } from './ingest.js';

export interface RunOutcome {
  readonly manifest?: Manifest;
  readonly analysis?: AnalyzeResult;
  readonly notification?: Notification;
}

export async function runPipeline(
  ports: LocalPorts,
  config: LocalConfig,
  file: string,
  options: { json?: boolean; force?: boolean; dataset?: string; symbol?: string },
  io: CliIo,
): Promise<number> {
  if (unknownDataset(ports, options.dataset, io, options.json === true)) return 2;
  const pipeline = wireLocalPipeline(ports, config);
  const quiet = options.json === true ? { ...io, stdout: io.stderr } : io;
  const results = await ingestFiles(
    ports,
    config,
    [file],
    { force: options.force, dataset: options.dataset, symbol: options.symbol },
    quiet,
  );
  const exit = reportIngest(ports, results, false, options.json ? { ...io, stdout: devNull } : io);
  await ports.bus.drain();
  const manifest = results[0]?.result.manifest;
  const notice = manifest ? pipeline.notices.get(manifest.id) : undefined;
  const sentNotice = notice?.outcome === 'sent' ? notice : undefined;
  if (sentNotice && !options.json) io.stdout.write(`\n${describeNotice(sentNotice, pipeline.mail.to)}\n`);
  if (manifest?.status !== 'ingested') {
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({ manifest: manifest ?? null, failureNotice: noticeJson(sentNotice) }, null, 2)}\n`,
      );
    }
    return exit === 0 ? 1 : exit;
  }
  // Ingested by an earlier `sluice ingest`: no event reached this pipeline, so finish the work here.
  if (!pipeline.analyses.has(manifest.id)) await pipeline.resume(manifest);
  const analysis = pipeline.analyses.get(manifest.id);
  const notified = pipeline.notifications.get(manifest.id);
  const notification = notified?.notification;
  const deadLetters = ports.bus.deadLettered;
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          manifest,
          analysisId: analysis?.analysis?.id ?? null,
          report: notification?.files ?? null,
          notification: notification ?? null,
          failureNotice: noticeJson(sentNotice),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    if (analysis?.analysis) {
      io.stdout.write(
        `\n${describeAnalysis(analysis.analysis, analysis.outcome === 'duplicate', ports.dataDir)}\n`,
      );
    }
    io.stdout.write(`\n${describeNotification(notification)}\n`);
  }
  if (!notification) {
    io.stderr.write(`sluice: ${file}: report not sent: ${whyNotSent(analysis, notified)}\n`);
  }
  if (deadLetters > 0) {
    io.stderr.write(
      `sluice: ${deadLetters} event(s) failed every retry; see ${path.join(ports.dataDir, 'dead-letters.jsonl')}\n`,
    );
    return 1;
  }
  return notification ? exit : 1;
}

function whyNotSent(analysis: AnalyzeResult | undefined, notified: NotifyResult | undefined): string {
  if (analysis?.outcome === 'in_progress')
    return 'another run is analyzing this input; try again when it ends';
  if (!analysis?.analysis) return 'no analysis was stored for this input';
  if (notified?.outcome === 'in_progress') return 'another run is sending this report right now';
  return `notify ended with ${notified?.outcome ?? 'no result'}`;
}

function describeNotification(n: Notification | undefined): string {
  if (!n) return 'report: not sent';
  const lines = [`report sent by ${n.mailer} to ${n.to.join(', ')}`, `  subject    ${n.subject}`];
  if (n.files) lines.push(`  html       ${n.files.html}`, `  eml        ${n.files.eml}`);
  else lines.push(`  message id ${n.messageId}`);
  return lines.join('\n');
}

function describeNotice(notice: SentFailureNotice, to: readonly string[]): string {
  const lines = [`failure notice sent to ${to.join(', ')}`, `  subject    ${notice.subject ?? ''}`];
  if (notice.files) lines.push(`  html       ${notice.files.html}`, `  eml        ${notice.files.eml}`);
  else lines.push(`  message id ${notice.messageId ?? ''}`);
  return lines.join('\n');
}

const noticeJson = (notice: SentFailureNotice | undefined) =>
  notice ? { subject: notice.subject, messageId: notice.messageId, files: notice.files ?? null } : null;

const devNull = { write: () => true } as unknown as CliIo['stdout'];
