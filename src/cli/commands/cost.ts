/** `sluice cost [--since YYYY-MM-DD]`: tokens and dollars the narratives used, from the stored runs. */
import Table from 'cli-table3';
import { type MonthProjection, type PriceTable, projectMonth } from '../../core/analyze/cost.js';
import type { RunIndexEntry } from '../../core/analyze/stored-analysis.js';
import { ConfigError } from '../../core/errors.js';
import { itemKeys } from '../../core/keys.js';
import type { StateStore } from '../../core/ports.js';
import type { LocalConfig } from '../../local/config.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { analyzeOptionsFrom } from '../../local/options.js';
import type { CliIo } from '../io.js';

/** The model the configuration would write narratives with; `offline` without one. */
export function configuredModel(config: LocalConfig): string {
  switch (config.SLUICE_ANALYST) {
    case 'bedrock':
      return config.SLUICE_BEDROCK_MODEL_ID;
    case 'openai':
      return config.SLUICE_OPENAI_MODEL ?? 'openai';
    case 'offline':
      return 'offline';
  }
}

const DAY_MS = 86_400_000;
/** Scanning more day partitions than this is a typo, not a report. */
const MAX_DAYS = 366 * 3;

export interface CostReport {
  readonly since: string;
  readonly runs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Null when some run used a model the price table does not know. */
  readonly costUsd: number | null;
  readonly byModel: Record<
    string,
    { runs: number; inputTokens: number; outputTokens: number; costUsd: number | null }
  >;
  /** Runs whose narrative a model wrote (not offline), and their tokens: what a projection scales. */
  readonly modelRuns: { runs: number; inputTokens: number; outputTokens: number };
  readonly days: number;
  readonly projection?: MonthProjection;
}

export async function costReport(state: StateStore, since: string, now: number): Promise<CostReport> {
  const start = Date.parse(`${since}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(since) || Number.isNaN(start)) {
    throw new ConfigError(`--since must be a date YYYY-MM-DD (given ${JSON.stringify(since)})`);
  }
  const days = Math.floor((now - start) / DAY_MS) + 1;
  if (days > MAX_DAYS) throw new ConfigError(`--since may go back at most ${MAX_DAYS} days (given ${since})`);
  const report: CostReport = {
    since,
    runs: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    byModel: {},
    modelRuns: { runs: 0, inputTokens: 0, outputTokens: 0 },
    days: Math.max(days, 1),
  };
  const totals = report as { -readonly [K in keyof CostReport]: CostReport[K] };
  for (let day = 0; day < Math.max(days, 0); day++) {
    const iso = new Date(start + day * DAY_MS).toISOString();
    for (const item of await state.query(itemKeys.runsPk(iso))) {
      const run = item.data as RunIndexEntry;
      const model = run.fallback ? `${run.model} (after ${run.fallback})` : run.model;
      totals.byModel[model] ??= { runs: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      const entry = totals.byModel[model];
      entry.runs++;
      entry.inputTokens += run.inputTokens;
      entry.outputTokens += run.outputTokens;
      entry.costUsd = entry.costUsd === null || run.costUsd === null ? null : entry.costUsd + run.costUsd;
      totals.runs++;
      if (run.model !== 'offline' || run.fallback) {
        totals.modelRuns.runs++;
        totals.modelRuns.inputTokens += run.inputTokens;
        totals.modelRuns.outputTokens += run.outputTokens;
      }
      totals.inputTokens += run.inputTokens;
      totals.outputTokens += run.outputTokens;
      totals.costUsd = totals.costUsd === null || run.costUsd === null ? null : totals.costUsd + run.costUsd;
    }
  }
  return report;
}

const dollars = (v: number | null) => (v === null ? 'unknown' : `$${v.toFixed(6)}`);

/** The report with a month projected at `filesPerDay` (default: the files a day of the period). */
export function withProjection(
  report: CostReport,
  options: { filesPerDay?: number; configuredModel: string; prices?: PriceTable },
): CostReport {
  const observed = report.runs / report.days;
  const filesPerDay = options.filesPerDay ?? (observed > 0 ? Math.round(observed * 100) / 100 : 100);
  return {
    ...report,
    projection: projectMonth({
      filesPerDay,
      configuredModel: options.configuredModel,
      recorded: report.modelRuns,
      ...(options.prices ? { prices: options.prices } : {}),
    }),
  };
}

export function printCost(report: CostReport, json: boolean, io: CliIo): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const table = new Table({
    head: ['model', 'runs', 'input tokens', 'output tokens', 'cost'],
    style: { head: [], border: [] },
  });
  for (const [model, m] of Object.entries(report.byModel)) {
    table.push([model, m.runs, m.inputTokens, m.outputTokens, dollars(m.costUsd)]);
  }
  table.push(['total', report.runs, report.inputTokens, report.outputTokens, dollars(report.costUsd)]);
  io.stdout.write(`narrative cost since ${report.since}\n${table.toString()}\n`);
  const p = report.projection;
  if (p === undefined) return;
  const month = new Table({
    head: ['model', 'per file', `30 days at ${p.filesPerDay} files a day`],
    style: { head: [], border: [] },
  });
  for (const m of p.models) {
    month.push([
      `${m.name}${m.configured ? ' (configured)' : ''}`,
      dollars(m.perRunUsd),
      dollars(m.monthUsd),
    ]);
  }
  const basis =
    p.basis === 'recorded'
      ? `the mean of ${report.modelRuns.runs} recorded model runs`
      : 'an estimate (every recorded run was offline)';
  io.stdout.write(
    `\nprojection: ${p.perRun.inputTokens} input + ${p.perRun.outputTokens} output tokens a file, ${basis}\n${month.toString()}\n`,
  );
}

export interface CostCommandOptions {
  readonly since?: string;
  readonly filesPerDay?: number;
  readonly json?: boolean;
}

export async function costCommand(
  ports: LocalPorts,
  config: LocalConfig,
  opts: CostCommandOptions,
  io: CliIo,
): Promise<undefined> {
  const now = ports.clock.now();
  const since = opts.since ?? new Date(now - 30 * DAY_MS).toISOString().slice(0, 10);
  const report = withProjection(await costReport(ports.state, since, now), {
    ...(opts.filesPerDay === undefined ? {} : { filesPerDay: opts.filesPerDay }),
    configuredModel: configuredModel(config),
    prices: analyzeOptionsFrom(config).prices,
  });
  printCost(report, opts.json === true, io);
  return undefined;
}
