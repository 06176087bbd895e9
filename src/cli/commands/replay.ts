/**
 * `sluice replay <sha256> [--rejects] [--notify]`: run an ingested input again, or
 * validate its rejected rows again after a contract fix, then analyze the result
 * (and report on it when asked).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadMailConfig } from '../../adapters/mail/index.js';
import { analyzeIngested } from '../../core/analyze/stage.js';
import type { StoredAnalysis } from '../../core/analyze/stored-analysis.js';
import type { DatasetContract } from '../../core/datasets/contract.js';
import type { Manifest } from '../../core/ingest/manifest.js';
import { keys } from '../../core/keys.js';
import { type NotifyResult, notifyAnalysis } from '../../core/notify/stage.js';
import {
  DEFAULT_REPLAY_OPTIONS,
  ReplayError,
  type ReplayOptions,
  type ReplaySummary,
  replayRejects,
  rerunInput,
} from '../../core/replay/index.js';
import { analystFrom } from '../../local/analyst.js';
import type { LocalConfig } from '../../local/config.js';
import { configEnv } from '../../local/config-file.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { analyzeOptionsFrom, ingestOptionsFrom, notifyOptionsFrom } from '../../local/options.js';
import { notifyDepsFrom } from '../../local/pipeline.js';
import { idArgument, SHA256 } from '../input-ids.js';
import type { CliIo } from '../io.js';
import { manifestTable } from '../render.js';
import { completedFrom, describeAnalysis } from './analyze.js';

export interface ReplayCommandOptions {
  /** Validate only the rejected rows again, into new files under a replay id. */
  readonly rejects?: boolean;
  /** Send the replayed analysis's report. @default false */
  readonly notify?: boolean;
  readonly json?: boolean;
}

interface FollowUp {
  readonly analysis?: StoredAnalysis;
  readonly notification?: NotifyResult;
}

/** Returns the exit code: 0 done (or nothing to recover), 1 refused, 2 usage, 75 another run holds it. */
export async function replayCommand(
  ports: LocalPorts,
  config: LocalConfig,
  argument: string,
  options: ReplayCommandOptions,
  io: CliIo,
  contractFor?: (id: string) => DatasetContract | undefined,
): Promise<number> {
  const given = await idArgument(ports.store, ports.dataDir, argument, io);
  if ('exit' in given) return given.exit;
  const target = given.id;
  if (!SHA256.test(target)) {
    io.stderr.write(
      `sluice: replay takes the 64-hex SHA-256 of an ingested input (its manifest's id), not ${JSON.stringify(target)}\n`,
    );
    return 2;
  }
  try {
    return options.rejects === true
      ? await replayRejectedRows(ports, config, target, options, io, contractFor)
      : await rerun(ports, config, target, options, io);
  } catch (error) {
    if (!(error instanceof ReplayError)) throw error;
    io.stderr.write(`sluice: ${error.code}: ${error.message}\n`);
    return 1;
  }
}

/**
 * Analyzes the replayed manifest with force: a full re-run keeps the input's id,
 * whose earlier analysis would otherwise be returned as a duplicate. The report is
 * sent only on request, so fixing data never mails recipients by surprise.
 */
async function followUp(
  ports: LocalPorts,
  config: LocalConfig,
  manifest: Manifest,
  notify: boolean,
): Promise<FollowUp> {
  await ports.bus.drain();
  const analyzed = await analyzeIngested(
    { ...ports, analyst: await analystFrom(config, ports.logger) },
    { event: completedFrom(manifest), requestId: randomUUID(), force: true },
    analyzeOptionsFrom(config),
  );
  if (!notify || !analyzed.analysis) return { analysis: analyzed.analysis };
  const mail = loadMailConfig(configEnv(), { dataDir: ports.dataDir });
  const notification = await notifyAnalysis(
    await notifyDepsFrom(ports, mail),
    // A re-run's report was sent before under the same id: asking for it means sending it again.
    { id: manifest.id, requestId: randomUUID(), force: true },
    notifyOptionsFrom(mail),
  );
  return { analysis: analyzed.analysis, notification };
}

function describeFollowUp(result: FollowUp, dataDir: string): string[] {
  const lines: string[] = [];
  if (result.analysis) lines.push('', describeAnalysis(result.analysis, false, dataDir));
  const sent = result.notification?.notification;
  if (sent?.files) lines.push('', `report sent by ${sent.mailer}`, `  html       ${sent.files.html}`);
  else if (sent) lines.push('', `report sent by ${sent.mailer} (message ${sent.messageId})`);
  return lines;
}

const followUpJson = (result: FollowUp) => ({
  analysisId: result.analysis?.id ?? null,
  report: result.notification?.notification?.files ?? null,
  notification: result.notification ?? null,
});

async function rerun(
  ports: LocalPorts,
  config: LocalConfig,
  sha256: string,
  options: ReplayCommandOptions,
  io: CliIo,
): Promise<number> {
  const result = await rerunInput(ports, { sha256, requestId: randomUUID() }, ingestOptionsFrom(config));
  const manifest = result.manifest as Manifest;
  const refused = manifest.status === 'rejected';
  const after = refused ? {} : await followUp(ports, config, manifest, options.notify === true);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ mode: 'rerun', manifest, archived: result.archivedKey, ...followUpJson(after) }, null, 2)}\n`,
    );
  } else {
    const table = manifestTable(
      [{ file: manifest.input.key, key: manifest.input.key, result }],
      ports.dataDir,
    );
    io.stdout.write(
      `${[table, `  archived   ${path.join(ports.dataDir, result.archivedKey)}`, ...describeFollowUp(after, ports.dataDir)].join('\n')}\n`,
    );
  }
  if (refused) {
    io.stderr.write(
      `sluice: ${sha256}: refused again (${manifest.reason?.code}: ${manifest.reason?.message})\n`,
    );
    return 1;
  }
  return 0;
}

const byCount = (reasons: Record<string, number>): string =>
  Object.entries(reasons)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ') || 'none';

function describeSummary(summary: ReplaySummary, written: Manifest | undefined, dataDir: string): string[] {
  const lines = [
    written
      ? `replay ${summary.sequence} of ${summary.of}, from ${summary.base.id === summary.of ? 'the input' : `replay ${summary.sequence - 1}`}`
      : `nothing new passes for ${summary.of}: nothing written`,
    `  recovered       ${summary.recovered} of ${summary.reconsidered} rejected rows (${byCount(summary.recoveredByReason)})`,
    `  still rejected  ${summary.stillRejected} (${byCount(summary.stillRejectedByReason)})`,
  ];
  if (summary.notRevalidated > 0) {
    lines.push(`  not re-read     ${summary.notRevalidated} (not records: kept with their original reasons)`);
  }
  if (written) {
    const show = (key: string) => path.join(dataDir, key);
    lines.push(
      `  id              ${written.id}`,
      `  processed       ${show(written.outputs.processed as string)}`,
      `  rejects         ${show(written.outputs.rejects as string)}`,
      `  manifest        ${show(keys.manifest(written.id))}`,
    );
  }
  return lines;
}

async function replayRejectedRows(
  ports: LocalPorts,
  config: LocalConfig,
  sha256: string,
  options: ReplayCommandOptions,
  io: CliIo,
  contractFor: ((id: string) => DatasetContract | undefined) | undefined,
): Promise<number> {
  const ingestOptions = ingestOptionsFrom(config);
  const replayOptions: ReplayOptions = {
    ...DEFAULT_REPLAY_OPTIONS,
    limits: ingestOptions.limits,
    producer: ingestOptions.producer,
  };
  const result = await replayRejects(
    contractFor === undefined ? ports : { ...ports, contractFor },
    { sha256, requestId: randomUUID() },
    replayOptions,
  );
  if (result.outcome === 'in_progress') {
    io.stderr.write(
      `sluice: another run is writing replay ${result.sequence} of ${sha256}; try again later\n`,
    );
    return 75;
  }
  const manifest = result.outcome === 'replayed' ? result.manifest : undefined;
  const after = manifest ? await followUp(ports, config, manifest, options.notify === true) : {};
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          mode: 'rejects',
          outcome: result.outcome,
          summary: result.summary,
          manifest: manifest ?? null,
          ...followUpJson(after),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(
      `${[...describeSummary(result.summary, manifest, ports.dataDir), ...describeFollowUp(after, ports.dataDir)].join('\n')}\n`,
    );
  }
  return 0;
}
