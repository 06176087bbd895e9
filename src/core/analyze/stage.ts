/**
 * The analyze stage: on IngestCompleted, read the processed rows, compute the
 * analytics in code, have an analyst write the narrative (falling back to the
 * offline one), store everything, then announce AnalysisCompleted.
 */

import { holdClaim } from '../claim-lease.js';
import type { AnalysisPlan } from '../datasets/analysis-plan.js';
import type { OhlcvRow } from '../datasets/ohlcv.rules.js';
import { BUILTINS, type ContractSet } from '../datasets/registry.js';
import { ClaimLostError, errorMessage, PublishFailedError } from '../errors.js';
import type { IngestCompleted } from '../events.js';
import { ManifestSchema } from '../ingest/manifest.js';
import { readJsonLines } from '../jsonl-lines.js';
import { claimKeys, itemKeys, keys } from '../keys.js';
import {
  type Analyst,
  type Clock,
  type EventBus,
  type Logger,
  type Metrics,
  noMetrics,
  type ObjectStore,
  type StateItem,
  type StateStore,
} from '../ports.js';
import { analysisCompletedOf } from '../stage-events.js';
import { analysisKindOf, analyzeRows, type DatasetAnalysis, loadAnalysisTools } from './analysis.js';
import { costOf } from './cost.js';
import { factsForPrompt } from './facts.js';
import { analysisFindings } from './findings/index.js';
import { marketRowsOf } from './market/ticks.js';
import { narrate } from './narrate.js';
import { OfflineAnalyst } from './offline-analyst.js';
import { writeOfflineNarrative } from './offline-narrative.js';
import { type AnalyzeOptions, DEFAULT_ANALYZE_OPTIONS } from './options.js';
import {
  analysisItems,
  chartBars,
  loadAnalysis,
  type RunIndexEntry,
  type StoredAnalysis,
} from './stored-analysis.js';

export interface AnalyzeDeps {
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The LLM analyst; without one the offline narrative is the narrative. */
  readonly analyst?: Analyst;
  readonly metrics?: Metrics;
  /** The analysis a dataset's contract asks for; without one (or for an unknown dataset) the built-in ids decide. */
  readonly plans?: (dataset: string) => AnalysisPlan | undefined;
  /** The contracts whose plans apply when `plans` is not given. @default BUILTINS */
  readonly contracts?: ContractSet;
}

export interface AnalyzeInput {
  readonly event: IngestCompleted;
  /** Analyze again even when this input was analyzed before. */
  readonly force?: boolean;
  /** Lambda request id, CLI run id. */
  readonly requestId: string;
}

export interface AnalyzeResult {
  readonly outcome: 'analyzed' | 'duplicate' | 'in_progress';
  readonly analysis?: StoredAnalysis;
}

export async function analyzeIngested(
  deps: AnalyzeDeps,
  input: AnalyzeInput,
  options: AnalyzeOptions = DEFAULT_ANALYZE_OPTIONS,
): Promise<AnalyzeResult> {
  const { event } = input;
  const { state, clock } = deps;
  const logger = deps.logger.child({ correlationId: event.correlationId, stage: 'analyze' });
  const claimKey = claimKeys.analyze(event.id);
  const owner = `analyze:${input.requestId}`;
  const claim = await state.claim(claimKey, {
    owner,
    now: clock.now(),
    ttlMs: options.claimTtlMs,
    force: input.force === true,
  });
  if (!claim.acquired) {
    if (claim.existing.status === 'in_progress') return { outcome: 'in_progress' };
    logger.info('already analyzed; returning the stored analysis');
    const analysis = await loadAnalysis(state, event.id);
    // A crash between storing and writing the file is healed by the duplicate delivery.
    if (analysis) await saveAnalysisFile(deps.store, analysis);
    return { outcome: 'duplicate', analysis };
  }
  // Renewed while the analyst works, so a slow model never lets another worker in mid-call.
  const lease = holdClaim({ state, clock, logger, key: claimKey, owner, ttlMs: options.claimTtlMs });
  try {
    // A claim taken over from a run that crashed after storing its summary finishes that
    // run's work: analyzing again would pay the analyst twice and index the run twice
    // (the run index key holds the creation time).
    const resumed = input.force === true ? undefined : await loadAnalysis(state, event.id);
    const stored = resumed ?? (await analyzeAndStore(deps, event, options));
    if (resumed) logger.warn('resuming an analysis stored by a run that did not finish');
    if (lease.lost) throw new ClaimLostError(claimKey);
    await saveAnalysisFile(deps.store, stored);
    await state.put(runIndexItem(stored));
    await announce(deps.bus, stored);
    await state.complete(
      claimKey,
      owner,
      { id: stored.id },
      { now: clock.now(), retainMs: options.retainMs },
    );
    logger.info('analysis stored', {
      dataset: stored.dataset,
      model: stored.analyst.model,
      fallback: stored.analyst.fallback?.code,
      costUsd: stored.totals.costUsd,
    });
    return { outcome: 'analyzed', analysis: stored };
  } catch (error) {
    logger.error('analyze failed; claim released for retry', { error: errorMessage(error) });
    await state.release(claimKey, owner).catch(() => undefined);
    throw error;
  } finally {
    lease.stop();
  }
}

/** The same bytes on every write, so a retry rewrites rather than adds. */
async function saveAnalysisFile(store: ObjectStore, analysis: StoredAnalysis): Promise<void> {
  await store.put(keys.analysis(analysis.dataset, analysis.id), `${JSON.stringify(analysis, null, 2)}\n`, {
    contentType: 'application/json',
  });
}

/** History and parts first; the summary last, as its INSERT is what a DynamoDB stream hands to notify. */
async function analyzeAndStore(
  deps: AnalyzeDeps,
  event: IngestCompleted,
  options: AnalyzeOptions,
): Promise<StoredAnalysis> {
  const { stored, rows } = await analyze(deps, event, options);
  const items = analysisItems(stored);
  const history =
    options.history && stored.analysis.kind === 'market' ? historyItems(stored.id, rows as OhlcvRow[]) : [];
  await deps.state.putMany([...history, ...items.slice(0, -1)]);
  await deps.state.put(items[items.length - 1] as StateItem);
  return stored;
}

async function analyze(
  deps: AnalyzeDeps,
  event: IngestCompleted,
  options: AnalyzeOptions,
): Promise<{ stored: StoredAnalysis; rows: unknown[] }> {
  const { store, clock } = deps;
  const manifest = ManifestSchema.parse(
    JSON.parse(new TextDecoder().decode(await store.getBytes(event.manifestKey))),
  );
  const processed: unknown[] = [];
  for await (const batch of readJsonLines(await store.getStream(event.processedKey)))
    processed.push(...batch);
  const plan = deps.plans
    ? deps.plans(event.dataset)
    : (deps.contracts ?? BUILTINS).byId(event.dataset)?.analysis;
  // Ticks (market-ticks) become bars first: every market figure, chart and history item is of bars.
  const rows = marketRowsOf(processed, plan?.tickBarMs);
  const tools = await loadAnalysisTools(analysisKindOf(event.dataset, plan));
  const analysis = analyzeRows(event.dataset, rows, plan, tools);
  const createdAt = new Date(clock.now()).toISOString();
  const found = analysisFindings(analysis, {
    name: event.inputKey,
    ingest: manifest.counts,
    fallbackAt: createdAt,
  });
  const budget = options.outlookSymbols === undefined ? {} : { outlookSymbols: options.outlookSymbols };
  const computed = writeOfflineNarrative(analysis, found.findings, budget);
  const offline = new OfflineAnalyst(() => computed, { clock });
  const request = {
    dataset: event.dataset,
    correlationId: event.correlationId,
    facts: factsForPrompt(analysis, found, budget),
  };
  // Token metrics come from the LLM adapters, once per call; emitting the totals here too would count them twice.
  const { result, fallback, grounding } = await narrate(
    deps.analyst ?? offline,
    offline,
    request,
    deps.metrics ?? noMetrics,
    {
      logger: deps.logger.child({ correlationId: event.correlationId, stage: 'analyze' }),
      computedSentiment: computed.sentiment,
      ...(options.maxDroppedShare === undefined ? {} : { maxDroppedShare: options.maxDroppedShare }),
    },
  );
  const costUsd = costOf(result.model, result.usage, options.prices);
  const fallbackCost = fallback ? costOf(fallback.model, fallback.usage, options.prices) : 0;
  const inputTokens = result.usage.inputTokens + (fallback?.usage.inputTokens ?? 0);
  const outputTokens = result.usage.outputTokens + (fallback?.usage.outputTokens ?? 0);
  const stored: StoredAnalysis = {
    version: 1,
    id: event.id,
    correlationId: event.correlationId,
    dataset: event.dataset,
    createdAt,
    input: {
      key: event.inputKey,
      manifestKey: event.manifestKey,
      processedKey: event.processedKey,
      rejectsKey: event.rejectsKey,
    },
    ingest: {
      total: manifest.counts.total,
      valid: manifest.counts.valid,
      rejected: manifest.counts.rejected,
      rejectPct: manifest.counts.rejectPct,
      reasons: manifest.counts.reasons,
    },
    analysis,
    findings: [...found.findings],
    findingCounts: found.counts,
    findingsOmitted: found.omitted,
    narrative: result.narrative,
    analyst: {
      model: result.model,
      attempts: result.attempts,
      latencyMs: result.latencyMs,
      usage: result.usage,
      costUsd,
      ...(fallback ? { fallback: { ...fallback, costUsd: fallbackCost } } : {}),
      ...(grounding ? { grounding: { ...grounding, items: [...grounding.items] } } : {}),
    },
    totals: {
      inputTokens,
      outputTokens,
      costUsd: costUsd === null || fallbackCost === null ? null : costUsd + fallbackCost,
    },
    ...(analysis.kind === 'market' ? { charts: chartBars(rows as OhlcvRow[]) } : {}),
  };
  return { stored, rows };
}

function historyItems(id: string, rows: readonly OhlcvRow[]): StateItem[] {
  return rows.map((r) => ({
    pk: itemKeys.historyPk(r.symbol),
    sk: itemKeys.historySk(r.datetime, id),
    data: {
      datetime: r.datetime,
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume,
      id,
    },
  }));
}

function runIndexItem(stored: StoredAnalysis): StateItem {
  const market = marketSummary(stored.analysis);
  const entry: RunIndexEntry = {
    id: stored.id,
    dataset: stored.dataset,
    createdAt: stored.createdAt,
    model: stored.analyst.model,
    ...(stored.analyst.fallback ? { fallback: stored.analyst.fallback.code } : {}),
    inputTokens: stored.totals.inputTokens,
    outputTokens: stored.totals.outputTokens,
    costUsd: stored.totals.costUsd,
    headline: stored.narrative.headline,
    ...(market ? { market } : {}),
  };
  return {
    pk: itemKeys.runsPk(stored.createdAt),
    sk: itemKeys.runsSk(stored.createdAt, stored.id),
    data: entry,
  };
}

function marketSummary(analysis: DatasetAnalysis): RunIndexEntry['market'] {
  if (analysis.kind !== 'market') return undefined;
  const m = analysis.market;
  return {
    sentiment: m.sentiment.label,
    meanChangePct: m.sentiment.meanChangePct,
    turbulence: m.turbulence.level,
    movers: [...m.topGainers, ...m.topLosers].map((x) => ({ symbol: x.symbol, changePct: x.changePct })),
  };
}

async function announce(bus: EventBus, stored: StoredAnalysis): Promise<void> {
  const event = analysisCompletedOf(stored);
  const result = await bus.publish([event]);
  if (result.failed.length > 0) {
    throw new PublishFailedError(`could not publish AnalysisCompleted: ${result.failed[0]?.error}`);
  }
}
