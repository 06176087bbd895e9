/**
 * What the dev server's JSON API answers, as zod schemas: the server parses its
 * own answers with them in tests, and the dashboard (plain JS in src/web/)
 * reads exactly these shapes.
 *
 * Routes:
 *
 * | method | path | answer |
 * |---|---|---|
 * | GET | `/api/runs` | `RunsResponse`, newest first |
 * | GET | `/api/runs/:id` | `RunDetail`, 404 `ApiErrorBody` when unknown |
 * | GET | `/api/runs/:id/rejects.jsonl` | the rejects file, as an attachment |
 * | GET | `/api/runs/:id/report.html` | the email's HTML with its images inlined, sandboxed by CSP |
 * | GET | `/api/runs/:id/view?group=<name>` | `GroupView` for one symbol, brand, user or profiled column |
 * | GET | `/api/events` | server-sent events: `run` events whose data is a `RunSummary` |
 * | POST | `/ingest` | the API Gateway handler's answers: 202 `{id, key, manifest}` or an `ApiErrorBody` |
 */
import { z } from 'zod';
import { FindingSchema } from '../core/analyze/findings/finding.js';
import { NarrativeSchema } from '../core/analyze/narrative.js';
import { ANALYSIS_KINDS, COLUMN_TYPES } from '../core/datasets/analysis-plan.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const isoTime = z.string();
/** Seconds since the epoch, UTC: what lightweight-charts takes as a time. */
const chartTime = z.number().int();

export const RUN_STATUSES = [
  'ingesting',
  'ingested',
  'rejected',
  'analyzing',
  'analyzed',
  'reported',
  'failed',
] as const;

export const RunSummarySchema = z.object({
  id: sha256,
  /** The input's file name, the last segment of its key. */
  file: z.string(),
  inputKey: z.string(),
  dataset: z.string().nullable(),
  status: z.enum(RUN_STATUSES),
  /** Why the file was rejected or the run failed. */
  reason: z.object({ code: z.string(), message: z.string() }).nullable(),
  total: z.number().int().nonnegative(),
  valid: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  rejectPct: z.number(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  /** The narrative's cost in USD; null before analysis or when the model has no price. */
  costUsd: z.number().nonnegative().nullable(),
  model: z.string().nullable(),
  headline: z.string().nullable(),
  emailSent: z.boolean(),
  /** The failure notice mailed for a refused file or one over the reject threshold; null when none was sent. */
  failureNotice: z.object({ subject: z.string(), sentAt: isoTime }).nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const RunsResponseSchema = z.object({ runs: z.array(RunSummarySchema) });

export const RejectRowSchema = z.object({
  index: z.number().int(),
  line: z.number().int().optional(),
  group: z.string().optional(),
  reasons: z.array(z.object({ code: z.string(), field: z.string().optional(), message: z.string() })),
  raw: z.unknown(),
});

export const RejectGroupSchema = z.object({
  code: z.string(),
  /** Rejected rows that carry this code. */
  count: z.number().int().nonnegative(),
  /** The first rows with this code, at most `REJECT_ROWS_PER_CODE`. */
  rows: z.array(RejectRowSchema),
});

export const REJECT_ROWS_PER_CODE = 50;

export const RunDetailSchema = z.object({
  run: RunSummarySchema,
  /** The manifest as ingest wrote it (src/core/ingest/manifest.ts). */
  manifest: z.looseObject({ id: sha256 }),
  rejects: z.object({
    total: z.number().int().nonnegative(),
    groups: z.array(RejectGroupSchema),
    /** `/api/runs/:id/rejects.jsonl`, or null when nothing was rejected. */
    downloadUrl: z.string().nullable(),
  }),
  analysisKind: z.enum(ANALYSIS_KINDS).nullable(),
  narrative: NarrativeSchema.nullable(),
  /** What is unusual, most severe first (src/core/analyze/findings); empty before analysis. */
  findings: z.array(FindingSchema),
  /** Symbols (market), brands (sales), users (vitals) or columns (profile), for `/view?group=`. */
  groups: z.array(z.string()),
  email: z.object({ subject: z.string(), previewUrl: z.string() }).nullable(),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

const point = z.object({ time: chartTime, value: z.number() });

export const MarketViewSchema = z.object({
  kind: z.literal('market'),
  symbol: z.string(),
  bars: z.array(
    z.object({
      time: chartTime,
      open: z.number(),
      high: z.number(),
      low: z.number(),
      close: z.number(),
      volume: z.number(),
    }),
  ),
  sma: z.object({ period: z.number().int(), points: z.array(point) }),
  bollinger: z.object({
    period: z.number().int(),
    stdDev: z.number(),
    upper: z.array(point),
    middle: z.array(point),
    lower: z.array(point),
  }),
  anomalies: z.array(z.object({ time: chartTime, kind: z.string(), text: z.string() })),
});

const totals = z.object({ key: z.string(), orders: z.number(), revenue: z.number() });

export const SalesViewSchema = z.object({
  kind: z.literal('sales'),
  brand: z.string(),
  /** Orders and revenue per day for this brand. */
  daily: z.array(z.object({ time: chartTime, orders: z.number(), revenue: z.number() })),
  byModel: z.array(totals),
  byRegion: z.array(totals),
  bySegment: z.array(totals),
});

export const VitalsViewSchema = z.object({
  kind: z.literal('vitals'),
  userId: z.string(),
  /** One series per measure (heart_rate, spo2, steps, temp_c, systolic_bp, diastolic_bp). */
  series: z.record(z.string(), z.array(point)),
  /** Comfort band rule per banded measure, and readings outside it. */
  bands: z.record(z.string(), z.object({ rule: z.string(), outside: z.number().int() })),
});

/** One column of a profile as its table row shows it; figures as computed, null where they do not apply. */
export const ProfileColumnRowSchema = z.object({
  name: z.string(),
  type: z.enum(COLUMN_TYPES),
  nulls: z.number().int().nonnegative(),
  nullRate: z.number().min(0).max(1),
  distinct: z.number().int().nonnegative(),
  distinctAtLeast: z.boolean(),
  min: z.number().nullable(),
  median: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  /** Outside the 1.5·IQR fences, and of those outside the 3·IQR ones; null without fences. */
  outliers: z.object({ outside: z.number().int(), far: z.number().int() }).nullable(),
  /** The most common value and its count (text, enum, boolean columns). */
  top: z.object({ value: z.string(), count: z.number().int() }).nullable(),
  first: z.string().nullable(),
  last: z.string().nullable(),
});

export const ProfileViewSchema = z.object({
  kind: z.literal('profile'),
  /** The column asked for. */
  column: z.string(),
  rows: z.number().int().nonnegative(),
  /** Every profiled column, in declaration order. */
  columns: z.array(ProfileColumnRowSchema),
  /** The asked column's quantiles, most common values and most extreme values. */
  quantiles: z
    .object({ p25: z.number(), p50: z.number(), p75: z.number(), stddev: z.number().nullable() })
    .nullable(),
  topValues: z.array(z.object({ value: z.string(), count: z.number().int() })),
  extremes: z.array(
    z.object({ row: z.number().int(), value: z.number(), iqrsPast: z.number(), at: z.string().nullable() }),
  ),
  time: z
    .object({
      column: z.string(),
      first: z.string(),
      last: z.string(),
      medianStepMs: z.number().nullable(),
      coveragePct: z.number().nullable(),
      gapCount: z.number().int(),
      regular: z.boolean(),
    })
    .nullable(),
});

export const GroupViewSchema = z.discriminatedUnion('kind', [
  MarketViewSchema,
  SalesViewSchema,
  VitalsViewSchema,
  ProfileViewSchema,
]);
export type GroupView = z.infer<typeof GroupViewSchema>;

export const ApiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
