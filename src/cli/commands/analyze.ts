/** `sluice analyze <sha256 | file>`: analyze an ingested input, ingesting the file first if needed. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { executiveSummaryOf } from '../../core/analyze/narrative.js';
import { type AnalyzeResult, analyzeIngested } from '../../core/analyze/stage.js';
import type { StoredAnalysis } from '../../core/analyze/stored-analysis.js';
import { ConfigError } from '../../core/errors.js';
import { type IngestCompleted, makeEvent } from '../../core/events.js';
import { type Manifest, ManifestSchema } from '../../core/ingest/manifest.js';
import { keys } from '../../core/keys.js';
import { analystFrom } from '../../local/analyst.js';
import type { LocalConfig } from '../../local/config.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { analyzeOptionsFrom } from '../../local/options.js';
import { idArgument, SHA256 } from '../input-ids.js';
import type { CliIo } from '../io.js';
import { ingestFiles, reportIngest } from './ingest.js';

async function readManifest(ports: LocalPorts, id: string): Promise<Manifest> {
  const bytes = await ports.store.getBytes(keys.manifest(id)).catch(() => {
    throw new ConfigError(`no input ${id} has been ingested in ${ports.dataDir}`);
  });
  return ManifestSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

/** The IngestCompleted a manifest stands for, as the bus would have carried it. */
export function completedFrom(manifest: Manifest): IngestCompleted {
  if (manifest.status !== 'ingested' || !manifest.outputs.processed || !manifest.outputs.rejects) {
    throw new ConfigError(
      `input ${manifest.id} was refused at ingest (${manifest.reason?.code}); nothing to analyze`,
    );
  }
  return makeEvent('IngestCompleted', {
    version: 1,
    correlationId: manifest.correlationId,
    id: manifest.id,
    dataset: manifest.dataset as string,
    inputKey: manifest.input.key,
    manifestKey: keys.manifest(manifest.id),
    processedKey: manifest.outputs.processed,
    rejectsKey: manifest.outputs.rejects,
    counts: {
      total: manifest.counts.total,
      valid: manifest.counts.valid,
      rejected: manifest.counts.rejected,
    },
    completedAt: manifest.timings.finishedAt,
  }).detail;
}

export async function analyzeCommand(
  ports: LocalPorts,
  config: LocalConfig,
  target: string,
  options: { force?: boolean; json?: boolean },
  io: CliIo,
): Promise<number> {
  // A file of that name wins over an id prefix: `sluice analyze cafe` reads ./cafe when there is one.
  const given =
    SHA256.test(target) || existsSync(target)
      ? { id: target }
      : await idArgument(ports.store, ports.dataDir, target, io);
  if ('exit' in given) return given.exit;
  let id = given.id;
  if (!SHA256.test(id)) {
    const ingested = await ingestFiles(ports, config, [target], {}, io);
    const exit = reportIngest(
      ports,
      ingested,
      false,
      options.json === true ? { ...io, stdout: io.stderr } : io,
    );
    const manifest = ingested[0]?.result.manifest;
    if (exit !== 0 || !manifest) return exit;
    id = manifest.id;
  }
  const event = completedFrom(await readManifest(ports, id));
  const result = await analyzeIngested(
    { ...ports, analyst: await analystFrom(config, ports.logger) },
    { event, requestId: randomUUID(), force: options.force },
    analyzeOptionsFrom(config),
  );
  return reportAnalysis(result, ports.dataDir, options.json === true, io);
}

export function reportAnalysis(result: AnalyzeResult, dataDir: string, json: boolean, io: CliIo): number {
  if (!result.analysis) {
    io.stderr.write('sluice: another run is analyzing this input; try again later\n');
    return 75;
  }
  if (json) {
    io.stdout.write(`${JSON.stringify(result.analysis, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${describeAnalysis(result.analysis, result.outcome === 'duplicate', dataDir)}\n`);
  return 0;
}

export function describeAnalysis(a: StoredAnalysis, already: boolean, dataDir: string): string {
  const n = a.narrative;
  const lines = [
    `analysis ${a.id}${already ? ' (stored earlier)' : ''}`,
    `  dataset    ${a.dataset}`,
    `  headline   ${n.headline}`,
    `  summary    ${executiveSummaryOf(n)}`,
    ...(n.recommendations ?? []).map((r) => `  ${`[${r.priority}]`.padEnd(11)}${r.action}`),
    ...a.findings
      .filter((f) => f.severity !== 'info')
      .slice(0, 10)
      .map((f) => `  ${`(${f.severity})`.padEnd(11)}${f.subject} ${f.at}: ${f.title}`),
    ...(n.insights ?? []).map((i) => `  •          ${i.text}`),
    ...(n.highlights ?? []).map((h) => `  •          ${h}`),
    ...(n.concerns ?? []).map((c) => `  !          ${c}`),
    `  findings   ${a.findings.length + a.findingsOmitted} (${a.findings.filter((f) => f.severity !== 'info').length} above info)`,
    `  narrative  ${a.analyst.model}${a.analyst.fallback ? ` (fallback: ${a.analyst.fallback.code})` : ''}, ${a.totals.inputTokens}+${a.totals.outputTokens} tokens, ${a.totals.costUsd === null ? 'cost unknown' : `$${a.totals.costUsd.toFixed(6)}`}`,
    `  stored in  ${path.join(dataDir, 'state.db')} (ANALYSIS#${a.id.slice(0, 12)}…)`,
  ];
  return lines.join('\n');
}
