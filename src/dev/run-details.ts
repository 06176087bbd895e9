/**
 * Everything the dashboard shows about one run beyond its summary: the
 * manifest, rejected rows grouped by reason, the narrative, the chart data of
 * one group and the report as the email shows it.
 */
import { type AnalysisKind, MARKET_DATASETS } from '../core/analyze/analysis.js';
import type { SymbolAnalysis } from '../core/analyze/market/index.js';
import { BAR_CHOICES_MS, barInterval, marketRowsOf } from '../core/analyze/market/ticks.js';
import type { SalesRow } from '../core/analyze/sales.js';
import { loadAnalysis, type StoredAnalysis } from '../core/analyze/stored-analysis.js';
import type { VitalsRow } from '../core/analyze/vitals.js';
import type { OhlcvRow } from '../core/datasets/ohlcv.rules.js';
import { BUILTINS, type ContractSet } from '../core/datasets/registry.js';
import type { Manifest } from '../core/ingest/manifest.js';
import { readJsonLines } from '../core/jsonl-lines.js';
import { itemKeys } from '../core/keys.js';
import { inlineCidImages } from '../core/notify/preview.js';
import { renderReport } from '../core/notify/render.js';
import { renderSubject } from '../core/notify/subject.js';
import type { ChartRasterizer, ObjectStore, StateStore } from '../core/ports.js';
import {
  type GroupView,
  REJECT_ROWS_PER_CODE,
  type RejectGroupSchema,
  type RunDetail,
} from './api-contract.js';
import { marketView, profileView, rowsOfGroup, salesView, vitalsView } from './group-views.js';
import type { RunBook } from './run-book.js';

type RejectGroup = import('zod').infer<typeof RejectGroupSchema>;
type RejectRow = RejectGroup['rows'][number];

export interface RunDetailsDeps {
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly book: RunBook;
  readonly rasterizer: ChartRasterizer;
  /** The mail subject template, for reports not sent yet. */
  readonly subjectTemplate: string;
  /** Whose plans say a dataset's rows are ticks to chart as bars. @default BUILTINS */
  readonly contracts?: ContractSet;
}

/** Rendered reports kept, newest use last: rasterizing a market report's charts takes a second or two. */
const REPORT_CACHE_SIZE = 8;

/** The row field a group of each kind is; a profile's groups are its columns, read from the stored analysis. */
const GROUP_FIELD: Readonly<Record<Exclude<AnalysisKind, 'profile'>, string>> = {
  market: 'symbol',
  sales: 'brand',
  vitals: 'user_id',
};

/** The kind of a built-in dataset, for a run not analyzed yet; a contract's own datasets are known once analyzed. */
export function kindOfDataset(dataset: string | null): AnalysisKind | null {
  if (dataset === null) return null;
  if ((MARKET_DATASETS as readonly string[]).includes(dataset)) return 'market';
  if (dataset === 'smartphone-sales') return 'sales';
  if (dataset === 'health-vitals') return 'vitals';
  return null;
}

export const runUrls = (id: string) => ({
  rejects: `/api/runs/${id}/rejects.jsonl`,
  report: `/api/runs/${id}/report.html`,
});

function groupsOf(analysis: StoredAnalysis | undefined, manifest: Manifest | undefined): string[] {
  const a = analysis?.analysis;
  if (a?.kind === 'market') return a.market.symbols.map((s) => s.symbol);
  if (a?.kind === 'sales') return a.sales.byBrand.map((b) => b.key);
  if (a?.kind === 'vitals') return a.vitals.perUser.map((u) => u.userId);
  if (a?.kind === 'profile') return a.profile.columns.map((c) => c.name);
  if (manifest?.status !== 'ingested') return [];
  return Object.entries(manifest.counts.groups)
    .filter(([, counts]) => counts.valid > 0)
    .map(([group]) => group)
    .sort();
}

export class RunDetails {
  readonly #deps: RunDetailsDeps;
  readonly #reports = new Map<string, string>();

  constructor(deps: RunDetailsDeps) {
    this.#deps = deps;
  }

  async detail(id: string): Promise<RunDetail | undefined> {
    const { book, state } = this.#deps;
    const run = await book.summary(id);
    if (!run) return undefined;
    const manifest = await book.manifest(id);
    const analysis = manifest?.status === 'ingested' ? await loadAnalysis(state, id) : undefined;
    const notification = analysis ? await book.notification(id) : undefined;
    return {
      run,
      // Still ingesting: nothing written yet but the id.
      manifest: manifest ?? { id },
      rejects: await this.#rejects(manifest),
      analysisKind: analysis?.analysis.kind ?? kindOfDataset(manifest?.dataset ?? null),
      narrative: analysis?.narrative ?? null,
      findings: analysis?.findings ?? [],
      groups: groupsOf(analysis, manifest),
      email: analysis
        ? {
            subject:
              notification?.subject ??
              renderSubject(this.#deps.subjectTemplate, {
                dataset: analysis.dataset,
                headline: analysis.narrative.headline,
                sentiment: analysis.narrative.sentiment,
                date: analysis.createdAt.slice(0, 10),
              }),
            previewUrl: runUrls(id).report,
          }
        : null,
    };
  }

  /**
   * One group's chart data; undefined when the run or the group has no valid rows. The kind stored
   * with the analysis decides the view, so a contract's dataset of any name gets the right one.
   */
  async view(id: string, group: string): Promise<GroupView | undefined> {
    const { book, store, state } = this.#deps;
    const manifest = await book.manifest(id);
    const processed = manifest?.status === 'ingested' ? manifest.outputs.processed : undefined;
    if (processed === undefined) return undefined;
    const summary = await state.get(itemKeys.analysisPk(id), itemKeys.analysisSk);
    const stored = (summary?.data as { analysis?: { kind?: AnalysisKind } } | undefined)?.analysis?.kind;
    const kind = stored ?? kindOfDataset(manifest?.dataset ?? null);
    if (kind === null) return undefined;
    if (kind === 'profile') {
      const analysis = (await loadAnalysis(state, id))?.analysis;
      return analysis?.kind === 'profile' ? profileView(analysis.profile, group) : undefined;
    }
    const rows = await rowsOfGroup<unknown>(store, processed, GROUP_FIELD[kind], group);
    if (rows.length === 0) return undefined;
    if (kind === 'sales') return salesView(group, rows as SalesRow[]);
    if (kind === 'vitals') return vitalsView(group, rows as VitalsRow[]);
    const part = await state.get(itemKeys.analysisPk(id), itemKeys.analysisPartSk('SYMBOL', group));
    const symbol = (part?.data as { symbol?: SymbolAnalysis } | undefined)?.symbol;
    // Ticks are charted as the bars the analysis read: the processed file keeps the ticks.
    const plan = (this.#deps.contracts ?? BUILTINS).byId(manifest?.dataset ?? '')?.analysis;
    // The bar length the analysis chose is the one its stored interval names.
    const analyzed = BAR_CHOICES_MS.find((ms) => barInterval(ms) === symbol?.interval);
    return marketView(group, marketRowsOf(rows, plan?.tickBarMs, analyzed) as OhlcvRow[], symbol);
  }

  /** The report's HTML with its chart images inlined; undefined before the analysis exists. */
  async reportHtml(id: string): Promise<string | undefined> {
    const { book, state, rasterizer } = this.#deps;
    const analysis = await loadAnalysis(state, id);
    if (!analysis) return undefined;
    const cacheKey = `${id}:${analysis.createdAt}`;
    const cached = this.#reports.get(cacheKey);
    if (cached !== undefined) {
      this.#reports.delete(cacheKey);
      this.#reports.set(cacheKey, cached);
      return cached;
    }
    const notification = await book.notification(id);
    const report = renderReport(analysis, {
      generatedAt: notification?.sentAt ?? analysis.createdAt,
      subjectTemplate: this.#deps.subjectTemplate,
    });
    const html = inlineCidImages(
      report.html,
      report.charts.map((chart) => ({ cid: chart.cid, content: rasterizer.toPng(chart.svg) })),
    );
    this.#reports.set(cacheKey, html);
    if (this.#reports.size > REPORT_CACHE_SIZE)
      this.#reports.delete(this.#reports.keys().next().value as string);
    return html;
  }

  /** The rejects file's key, when the run rejected any row. */
  async rejectsKey(id: string): Promise<string | undefined> {
    const manifest = await this.#deps.book.manifest(id);
    return manifest && manifest.counts.rejected > 0 ? manifest.outputs.rejects : undefined;
  }

  async #rejects(manifest: Manifest | undefined): Promise<RunDetail['rejects']> {
    if (!manifest) return { total: 0, groups: [], downloadUrl: null };
    const reasons = Object.entries(manifest.counts.reasons).sort(
      ([a, x], [b, y]) => y - x || (a < b ? -1 : 1),
    );
    const groups = new Map<string, RejectGroup>(
      reasons.map(([code, count]) => [code, { code, count, rows: [] }]),
    );
    const key = manifest.outputs.rejects;
    if (key !== undefined && manifest.counts.rejected > 0) await this.#sampleRejects(key, groups);
    return {
      total: manifest.counts.rejected,
      groups: [...groups.values()],
      downloadUrl: key !== undefined && manifest.counts.rejected > 0 ? runUrls(manifest.id).rejects : null,
    };
  }

  /** Reads rejects until every reason has its sample, so a million-row rejects file is not read whole. */
  async #sampleRejects(key: string, groups: Map<string, RejectGroup>): Promise<void> {
    let unfilled = [...groups.values()].filter((g) => g.count > 0).length;
    for await (const batch of readJsonLines(await this.#deps.store.getStream(key))) {
      for (const line of batch) {
        const row = line as RejectRow;
        for (const code of new Set(row.reasons.map((r) => r.code))) {
          const group = groups.get(code);
          if (!group || group.rows.length >= REJECT_ROWS_PER_CODE) continue;
          group.rows.push(row);
          if (group.rows.length === Math.min(REJECT_ROWS_PER_CODE, group.count)) unfilled--;
        }
      }
      if (unfilled <= 0) return;
    }
  }
}
