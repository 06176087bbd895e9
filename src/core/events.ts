/**
 * Events that cross stage boundaries. Every event is validated with zod when it is
 * built and again when it is received, because a queue can deliver anything.
 */
import { z } from 'zod';
import { EventValidationError } from './errors.js';

export const SOURCES = { ingest: 'sluice.ingest', analyze: 'sluice.analyze' } as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256');

export const IngestCompletedSchema = z.object({
  version: z.literal(1),
  correlationId: z.string().min(1),
  id: sha256,
  dataset: z.string().min(1),
  inputKey: z.string().min(1),
  manifestKey: z.string().min(1),
  processedKey: z.string().min(1),
  rejectsKey: z.string().min(1),
  counts: z.object({
    total: z.number().int().nonnegative(),
    valid: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
  }),
  completedAt: z.string().datetime(),
});
export type IngestCompleted = z.infer<typeof IngestCompletedSchema>;

export const IngestRejectedSchema = z.object({
  version: z.literal(1),
  correlationId: z.string().min(1),
  id: sha256,
  inputKey: z.string().min(1),
  manifestKey: z.string().min(1),
  reason: z.object({ code: z.string(), message: z.string() }),
  completedAt: z.string().datetime(),
});
export type IngestRejected = z.infer<typeof IngestRejectedSchema>;

export const AnalysisCompletedSchema = z.object({
  version: z.literal(1),
  correlationId: z.string().min(1),
  /** The analysis id: the input's SHA-256, one analysis per input. */
  id: sha256,
  dataset: z.string().min(1),
  model: z.string().min(1),
  /** Set when the model's answer was replaced by the offline narrative. */
  fallback: z.string().optional(),
  tokens: z.object({ input: z.number().int().nonnegative(), output: z.number().int().nonnegative() }),
  costUsd: z.number().nonnegative().nullable(),
  completedAt: z.string().datetime(),
});
export type AnalysisCompleted = z.infer<typeof AnalysisCompletedSchema>;

export const EVENT_SCHEMAS = {
  IngestCompleted: { source: SOURCES.ingest, schema: IngestCompletedSchema },
  IngestRejected: { source: SOURCES.ingest, schema: IngestRejectedSchema },
  AnalysisCompleted: { source: SOURCES.analyze, schema: AnalysisCompletedSchema },
} as const;

export type DetailType = keyof typeof EVENT_SCHEMAS;
type DetailOf<T extends DetailType> = z.infer<(typeof EVENT_SCHEMAS)[T]['schema']>;

export interface SluiceEvent<T extends DetailType = DetailType> {
  readonly source: string;
  readonly detailType: T;
  readonly detail: DetailOf<T>;
}

/** Builds an event, refusing one whose detail does not match its schema. */
export function makeEvent<T extends DetailType>(detailType: T, detail: DetailOf<T>): SluiceEvent<T> {
  const spec = EVENT_SCHEMAS[detailType];
  const parsed = spec.schema.safeParse(detail);
  if (!parsed.success) {
    throw new EventValidationError(`${detailType} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return { source: spec.source, detailType, detail: parsed.data as DetailOf<T> };
}

/** Reads an event received from a bus or queue; throws EventValidationError on anything else. */
export function parseEvent<T extends DetailType>(detailType: T, detail: unknown): DetailOf<T> {
  const parsed = EVENT_SCHEMAS[detailType].schema.safeParse(detail);
  if (!parsed.success) {
    throw new EventValidationError(`${detailType} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data as DetailOf<T>;
}
