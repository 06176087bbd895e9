/**
 * The manifest: what ingest did with one input. It is the stage's stored result,
 * what a duplicate delivery gets back, and what `--json` prints.
 */
import { z } from 'zod';
import { ownRecord } from '../own-record.js';

const countsByGroup = ownRecord(
  z.object({
    total: z.number().int(),
    valid: z.number().int(),
    rejected: z.number().int(),
    /** Why the group lost rows: reason code → rows (present once it lost one). */
    reasons: z.record(z.string(), z.number().int()).optional(),
  }),
);

export const ManifestSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{64}$/),
  correlationId: z.string(),
  requestId: z.string(),
  status: z.enum(['ingested', 'rejected']),
  reason: z.object({ code: z.string(), message: z.string() }).optional(),
  dataset: z.string().nullable(),
  datasetSource: z.enum(['forced', 'key-prefix', 'detected']).nullable(),
  input: z.object({
    key: z.string(),
    bytes: z.number().int().nonnegative(),
    decodedBytes: z.number().int().nonnegative(),
    gzip: z.boolean(),
    sha256: z.string(),
  }),
  counts: z.object({
    total: z.number().int().nonnegative(),
    valid: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    /** Percent of rows rejected, two decimals. */
    rejectPct: z.number(),
    /** Reason code → rejected rows that carry it (a row with two reasons counts for both). */
    reasons: z.record(z.string(), z.number().int()),
    /** What `groups` is keyed by: symbol, brand, user_id. */
    groupBy: z.string().nullable(),
    groups: countsByGroup,
    /** Groups beyond the manifest's cap are summed under `groupsOmitted`. */
    groupsOmitted: z.number().int().nonnegative(),
  }),
  outputs: z.object({ processed: z.string().optional(), rejects: z.string().optional() }),
  timings: z.object({
    startedAt: z.string(),
    finishedAt: z.string(),
    hashMs: z.number(),
    parseMs: z.number(),
    totalMs: z.number(),
  }),
  producer: z.string(),
  /** Present on the manifest of a `sluice replay --rejects` run; `id` is then the replay's own id. */
  replay: z
    .object({
      /** The SHA-256 of the input whose rejects were re-validated. */
      of: z.string().regex(/^[0-9a-f]{64}$/),
      /** 1 for the first replay of the input, then 2, 3... */
      sequence: z.number().int().positive(),
      /** The manifest whose processed and rejects files this replay started from. */
      base: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/), manifestKey: z.string() }),
      /** Rows of the base rejects that pass the current contract and were appended. */
      recovered: z.number().int().nonnegative(),
      /** Original reason code → recovered rows that had carried it. */
      recoveredByReason: z.record(z.string(), z.number().int()),
      stillRejected: z.number().int().nonnegative(),
      /** Rows kept with their original reasons because they cannot be read as records (source_error...). */
      notRevalidated: z.number().int().nonnegative(),
    })
    .optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
