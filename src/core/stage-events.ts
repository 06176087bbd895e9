/**
 * The events a stage announces, built from what it stored: the stages publish
 * them, replay publishes its own, and dev announces them again when its
 * in-process bus lost them (the process stopped between two stages).
 */
import type { StoredAnalysis } from './analyze/stored-analysis.js';
import { makeEvent, type SluiceEvent } from './events.js';
import type { Manifest } from './ingest/manifest.js';
import { keys } from './keys.js';

/** What ingest published for an ingested manifest; undefined for a rejected one. */
export function ingestCompletedOf(manifest: Manifest): SluiceEvent<'IngestCompleted'> | undefined {
  const { processed, rejects } = manifest.outputs;
  if (manifest.status !== 'ingested' || manifest.dataset === null || !processed || !rejects) return undefined;
  return makeEvent('IngestCompleted', {
    version: 1,
    correlationId: manifest.correlationId,
    id: manifest.id,
    dataset: manifest.dataset,
    inputKey: manifest.input.key,
    manifestKey: keys.manifest(manifest.id),
    processedKey: processed,
    rejectsKey: rejects,
    counts: {
      total: manifest.counts.total,
      valid: manifest.counts.valid,
      rejected: manifest.counts.rejected,
    },
    completedAt: manifest.timings.finishedAt,
  });
}

/** What analyze published for a stored analysis. */
export function analysisCompletedOf(
  stored: Omit<StoredAnalysis, 'analysis'>,
): SluiceEvent<'AnalysisCompleted'> {
  return makeEvent('AnalysisCompleted', {
    version: 1,
    correlationId: stored.correlationId,
    id: stored.id,
    dataset: stored.dataset,
    model: stored.analyst.model,
    ...(stored.analyst.fallback ? { fallback: stored.analyst.fallback.code } : {}),
    tokens: { input: stored.totals.inputTokens, output: stored.totals.outputTokens },
    costUsd: stored.totals.costUsd,
    completedAt: stored.createdAt,
  });
}
