/**
 * The analysis as the state store keeps it: a summary item written last (its
 * INSERT is what triggers notify) and one part per symbol, user or profiled
 * column, so no item outgrows DynamoDB's 400 KB however many a file has.
 */
import { z } from 'zod';
import { ANALYSIS_KINDS } from '../datasets/analysis-plan.js';
import type { OhlcvRow } from '../datasets/ohlcv.rules.js';
import { itemKeys } from '../keys.js';
import { ownRecord } from '../own-record.js';
import type { StateItem, StateStore } from '../ports.js';
import type { DatasetAnalysis } from './analysis.js';
import { FINDING_KINDS, FindingSchema, SEVERITIES } from './findings/finding.js';
import type { SymbolAnalysis } from './market/index.js';
import { NarrativeSchema } from './narrative.js';
import type { ColumnProfile } from './profile.js';
import type { UserVitals } from './vitals.js';

const usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});

/** A few recent bars per symbol, enough to draw its chart in a report. */
export interface ChartBar {
  readonly t: string;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

export const CHART_BARS = 120;

export const StoredAnalysisSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{64}$/),
  correlationId: z.string().min(1),
  dataset: z.string().min(1),
  createdAt: z.string().datetime(),
  input: z.object({
    key: z.string(),
    manifestKey: z.string(),
    processedKey: z.string(),
    rejectsKey: z.string(),
  }),
  /** What ingest said about the input: the report's data-quality section. */
  ingest: z.object({
    total: z.number().int().nonnegative(),
    valid: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    rejectPct: z.number(),
    reasons: z.record(z.string(), z.number().int()),
  }),
  analysis: z.looseObject({ kind: z.enum(ANALYSIS_KINDS), dataset: z.string() }),
  /** What is unusual, most severe first (at most MAX_LISTED_FINDINGS); analyses stored before findings have none. */
  findings: z.array(FindingSchema).default([]),
  /** Every finding counted by kind and severity, the unlisted ones included. */
  findingCounts: z
    .partialRecord(
      z.enum(FINDING_KINDS as [string, ...string[]]),
      z.partialRecord(z.enum(SEVERITIES), z.number()),
    )
    .default({}),
  findingsOmitted: z.number().int().nonnegative().default(0),
  narrative: NarrativeSchema,
  analyst: z.object({
    model: z.string(),
    attempts: z.number().int().nonnegative(),
    latencyMs: z.number().nonnegative(),
    usage,
    costUsd: z.number().nonnegative().nullable(),
    fallback: z
      .object({
        reason: z.string(),
        code: z.string(),
        model: z.string(),
        usage,
        costUsd: z.number().nonnegative().nullable(),
      })
      .optional(),
    /** What the grounding check dropped from a model's answer (absent for the offline narrative). */
    grounding: z
      .object({
        checked: z.number().int().nonnegative(),
        dropped: z.number().int().nonnegative(),
        items: z.array(z.object({ field: z.string(), reason: z.string(), detail: z.string() })),
      })
      .optional(),
  }),
  /** Everything the narrative cost, the abandoned model's tokens included. */
  totals: z.object({
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    costUsd: z.number().nonnegative().nullable(),
  }),
  /** Per-symbol chart bars, oldest first (market datasets). */
  charts: ownRecord(
    z.array(
      z.object({
        t: z.string(),
        o: z.number(),
        h: z.number(),
        l: z.number(),
        c: z.number(),
        v: z.number(),
      }),
    ),
  ).optional(),
});

export type StoredAnalysis = Omit<z.infer<typeof StoredAnalysisSchema>, 'analysis'> & {
  readonly analysis: DatasetAnalysis;
};

export interface RunIndexEntry {
  readonly id: string;
  readonly dataset: string;
  readonly createdAt: string;
  readonly model: string;
  readonly fallback?: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly headline: string;
  /** Market runs: the figures the 5-minute aggregate needs. */
  readonly market?: {
    readonly sentiment: string;
    readonly meanChangePct: number | null;
    readonly turbulence: string | null;
    readonly movers: ReadonlyArray<{ readonly symbol: string; readonly changePct: number | null }>;
  };
}

/** Last `CHART_BARS` bars per symbol, oldest first. */
export function chartBars(rows: readonly OhlcvRow[]): Record<string, ChartBar[]> {
  const bySymbol = new Map<string, OhlcvRow[]>();
  for (const row of rows) {
    const list = bySymbol.get(row.symbol);
    if (list) list.push(row);
    else bySymbol.set(row.symbol, [row]);
  }
  // Built from entries: a symbol "__proto__" must become a key, not the object's prototype.
  return Object.fromEntries(
    [...bySymbol].map(([symbol, list]) => {
      list.sort((a, b) => (a.datetime < b.datetime ? -1 : a.datetime > b.datetime ? 1 : 0));
      const bars = list
        .slice(-CHART_BARS)
        .map((r) => ({ t: r.datetime, o: r.open, h: r.high, l: r.low, c: r.close, v: r.volume ?? 0 }));
      return [symbol, bars];
    }),
  );
}

/** The summary item and the parts, summary last. */
export function analysisItems(stored: StoredAnalysis): StateItem[] {
  const pk = itemKeys.analysisPk(stored.id);
  const { analysis } = stored;
  const parts: StateItem[] = [];
  let summary: DatasetAnalysis = analysis;
  if (analysis.kind === 'market') {
    for (const symbol of analysis.market.symbols) {
      parts.push({
        pk,
        sk: itemKeys.analysisPartSk('SYMBOL', symbol.symbol),
        data: { symbol, chart: stored.charts?.[symbol.symbol] ?? [] },
      });
    }
    summary = { ...analysis, market: { ...analysis.market, symbols: [] } };
  } else if (analysis.kind === 'vitals') {
    for (const user of analysis.vitals.perUser) {
      parts.push({ pk, sk: itemKeys.analysisPartSk('USER', user.userId), data: { user } });
    }
    summary = { ...analysis, vitals: { ...analysis.vitals, perUser: [] } };
  } else if (analysis.kind === 'profile') {
    // Zero-padded position: the parts sort back into declaration order, and two columns never share a key.
    analysis.profile.columns.forEach((column, i) => {
      parts.push({ pk, sk: itemKeys.analysisPartSk('COLUMN', String(i).padStart(6, '0')), data: { column } });
    });
    summary = { ...analysis, profile: { ...analysis.profile, columns: [] } };
  }
  const { charts: _inParts, ...rest } = stored;
  return [...parts, { pk, sk: itemKeys.analysisSk, data: { ...rest, analysis: summary } }];
}

/** Reads an analysis back whole; undefined when it was never stored. */
export async function loadAnalysis(state: StateStore, id: string): Promise<StoredAnalysis | undefined> {
  const items = await state.query(itemKeys.analysisPk(id));
  const main = items.find((i) => i.sk === itemKeys.analysisSk);
  if (!main) return undefined;
  const parsed = StoredAnalysisSchema.parse(main.data);
  const analysis = parsed.analysis as unknown as DatasetAnalysis;
  if (analysis.kind === 'market') {
    const symbols: SymbolAnalysis[] = [];
    const charts: Array<[string, ChartBar[]]> = [];
    for (const item of items) {
      if (!item.sk.startsWith('SYMBOL#')) continue;
      const part = item.data as { symbol: SymbolAnalysis; chart: ChartBar[] };
      symbols.push(part.symbol);
      charts.push([part.symbol.symbol, part.chart]);
    }
    symbols.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    // A symbol is data: assigning charts["__proto__"] would set the prototype instead of a key.
    return {
      ...parsed,
      analysis: { ...analysis, market: { ...analysis.market, symbols } },
      charts: Object.fromEntries(charts),
    };
  }
  if (analysis.kind === 'vitals') {
    const perUser = items
      .filter((i) => i.sk.startsWith('USER#'))
      .map((i) => (i.data as { user: UserVitals }).user)
      .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    return { ...parsed, analysis: { ...analysis, vitals: { ...analysis.vitals, perUser } } };
  }
  if (analysis.kind === 'profile') {
    const columns = items
      .filter((i) => i.sk.startsWith('COLUMN#'))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
      .map((i) => (i.data as { column: ColumnProfile }).column);
    return { ...parsed, analysis: { ...analysis, profile: { ...analysis.profile, columns } } };
  }
  return { ...parsed, analysis };
}
