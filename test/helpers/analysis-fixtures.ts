/**
 * Stored analyses for report tests, built by the real ingest and analyze
 * stages on real local adapters, so a report test sees exactly what notify
 * will load from the state store.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Narrative } from '../../src/core/analyze/narrative.js';
import { analyzeIngested } from '../../src/core/analyze/stage.js';
import { loadAnalysis, type StoredAnalysis } from '../../src/core/analyze/stored-analysis.js';
import type { OhlcvRow } from '../../src/core/datasets/ohlcv.rules.js';
import { AnalystError } from '../../src/core/errors.js';
import { IngestCompletedSchema } from '../../src/core/events.js';
import { ingestObject } from '../../src/core/ingest/stage.js';
import type { Analyst } from '../../src/core/ports.js';
import { randomWalkBars } from '../../src/samples/random-walk.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
import { SEED_DATA_DIR } from './files.js';
import { makeTestPorts } from './local-ports.js';

export { SEED_DATA_DIR };

export interface AnalysisFixtureOptions {
  /** Writes the narrative; the offline analyst when absent. */
  readonly analyst?: Analyst;
}

/** Drops `body` at `inputKey`, ingests and analyzes it, and loads the analysis back as notify would. */
export async function storedAnalysisOf(
  inputKey: string,
  body: string | Uint8Array,
  options: AnalysisFixtureOptions = {},
): Promise<StoredAnalysis> {
  const ports = await makeTestPorts();
  try {
    await ports.store.put(inputKey, body);
    await ingestObject(ports, { key: inputKey, requestId: 'fixture-ingest' });
    const event = IngestCompletedSchema.parse(
      ports.bus.published.find((e) => e.detailType === 'IngestCompleted')?.detail,
    );
    const deps = options.analyst ? { ...ports, analyst: options.analyst } : ports;
    await analyzeIngested(deps, { event, requestId: 'fixture-analyze' });
    const stored = await loadAnalysis(ports.state, event.id);
    if (!stored) throw new Error(`no analysis was stored for ${inputKey}`);
    return stored;
  } finally {
    await ports.cleanup();
  }
}

/** Twelve Data sample: 3 symbols × 60 daily bars, a few rejected rows and one error block. */
export const marketAnalysis = (options?: AnalysisFixtureOptions) =>
  storedAnalysisOf('inputs/sample.json', twelveDataSample(), options);

export const salesAnalysis = async (options?: AnalysisFixtureOptions) =>
  storedAnalysisOf(
    'inputs/smartphone-sales.csv',
    await readFile(path.join(SEED_DATA_DIR, 'smartphone-sales.csv')),
    options,
  );

export const vitalsAnalysis = async (options?: AnalysisFixtureOptions) =>
  storedAnalysisOf(
    'inputs/health-vitals.csv',
    await readFile(path.join(SEED_DATA_DIR, 'health-vitals.csv')),
    options,
  );

/** An `ohlcv-csv` file of the given rows. */
export function ohlcvCsv(rows: readonly OhlcvRow[]): string {
  const lines = rows.map((r) => [r.symbol, r.datetime, r.open, r.high, r.low, r.close, r.volume].join(','));
  return `symbol,datetime,open,high,low,close,volume\n${lines.join('\n')}\n`;
}

/** Random-walk daily bars for each symbol, one seed per symbol. */
export function randomWalkMarket(symbols: readonly string[], bars: number): OhlcvRow[] {
  return symbols.flatMap((symbol, i) =>
    randomWalkBars({ seed: 1_000 + i, bars, symbol, volatility: 0.01 + (i % 7) * 0.004 }),
  );
}

/** A market analysis of `count` random-walk symbols (SYM001, SYM002, ...), `bars` daily bars each. */
export const manySymbolsAnalysis = (count: number, bars = 120, options?: AnalysisFixtureOptions) =>
  storedAnalysisOf(
    'inputs/many-symbols.csv',
    ohlcvCsv(
      randomWalkMarket(
        Array.from({ length: count }, (_, i) => `SYM${String(i + 1).padStart(3, '0')}`),
        bars,
      ),
    ),
    options,
  );

/** An analyst that answers with the given narrative under the given model name. */
export function scriptedAnalyst(narrative: Narrative, model = 'amazon.nova-lite-v1:0'): Analyst {
  return {
    name: model,
    async write() {
      return { narrative, model, usage: { inputTokens: 1200, outputTokens: 300 }, attempts: 1, latencyMs: 7 };
    },
  };
}

/** An analyst that gives up after its retries, so the analysis falls back to the offline narrative. */
export function failingAnalyst(model = 'amazon.nova-lite-v1:0'): Analyst {
  return {
    name: model,
    async write() {
      throw new AnalystError('ANALYST.RETRIES_EXCEEDED', 'throttled five times', {
        usage: { inputTokens: 1000, outputTokens: 0 },
        attempts: 5,
      });
    },
  };
}

/** Markup and script a symbol, model name or narrative might carry, from a hostile file or a hijacked model. */
export const XSS_PAYLOADS = {
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror=alert(1)>',
  js: 'javascript:alert(1)',
} as const;
