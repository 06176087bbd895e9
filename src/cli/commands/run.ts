/**
 * `sluice run <file>`: ingest → analyze → notify on one file through the local
 * bus, then say where the report is (`npm start` runs it on the sample).
 */
import path from 'node:path';
import type { AnalyzeResult } from '../../core/analyze/stage.js';
import { loadAnalysis } from '../../core/analyze/stored-analysis.js';
import type { Manifest } from '../../core/ingest/manifest.js';
import { claimKeys } from '../../core/keys.js';
import type { Notification } from '../../core/notify/stage.js';
import type { LocalConfig } from '../config.js';
import type { LocalPorts } from '../local-ports.js';
import { wireLocalPipeline } from '../pipeline.js';
import { describeAnalysis } from './analyze.js';
import { type CliIo, ingestFiles, reportIngest } from './ingest.js';

export interface RunOutcome {
  readonly manifest?: Manifest;
  readonly analysis?: AnalyzeResult;
  readonly notification?: Notification;
}

export async function runPipeline(
  ports: LocalPorts,
  config: LocalConfig,
  file: string,
  options: { json?: boolean; force?: boolean },
  io: CliIo,
): Promise<number> {
  const pipeline = wireLocalPipeline(ports, config);
  const quiet = options.json === true ? { ...io, stdout: io.stderr } : io;
  const results = await ingestFiles(ports, config, [file], { force: options.force }, quiet);
  const exit = reportIngest(ports, results, false, options.json ? { ...io, stdout: devNull } : io);
  await ports.bus.drain();
  const manifest = results[0]?.result.manifest;
  if (manifest?.status !== 'ingested') {
    if (options.json) io.stdout.write(`${JSON.stringify({ manifest: manifest ?? null }, null, 2)}\n`);
    return exit === 0 ? 1 : exit;
  }
  const analysis = pipeline.analyses.get(manifest.id) ?? (await storedAnalysis(ports, manifest.id));
  const notification =
    pipeline.notifications.get(manifest.id)?.notification ??
    ((await ports.state.getClaim(claimKeys.notify(manifest.id)))?.result as Notification | undefined);
  const deadLetters = ports.bus.deadLettered;
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          manifest,
          analysisId: analysis?.analysis?.id ?? null,
          report: notification?.files ?? null,
          notification: notification ?? null,
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
  if (deadLetters > 0) {
    io.stderr.write(
      `sluice: ${deadLetters} event(s) failed every retry; see ${path.join(ports.dataDir, 'dead-letters.jsonl')}\n`,
    );
    return 1;
  }
  return notification ? exit : 1;
}

function describeNotification(n: Notification | undefined): string {
  if (!n) return 'report: not sent (see the log above)';
  const lines = [`report sent by ${n.mailer} to ${n.to.join(', ')}`, `  subject    ${n.subject}`];
  if (n.files) lines.push(`  html       ${n.files.html}`, `  eml        ${n.files.eml}`);
  else lines.push(`  message id ${n.messageId}`);
  return lines.join('\n');
}

async function storedAnalysis(ports: LocalPorts, id: string): Promise<AnalyzeResult | undefined> {
  const analysis = await loadAnalysis(ports.state, id);
  return analysis ? { outcome: 'duplicate', analysis } : undefined;
}

const devNull = { write: () => true } as unknown as CliIo['stdout'];
