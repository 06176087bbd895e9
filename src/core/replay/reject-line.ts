/**
 * One line of a rejects file, `{index, line?, group?, reasons, raw}`, as the ingest
 * stage writes it. Replay reads these back from storage, so they are parsed, not trusted.
 */
import { z } from 'zod';
import type { RowIssue } from '../reasons.js';
import { ReplayError } from './errors.js';

export const RejectLineSchema = z.object({
  index: z.number().int().positive(),
  line: z.number().int().positive().optional(),
  group: z.string().optional(),
  reasons: z
    .array(z.object({ code: z.string().min(1), message: z.string(), field: z.string().optional() }))
    .min(1),
  raw: z.unknown(),
});

export type RejectLine = z.infer<typeof RejectLineSchema>;

/** A stored reject: the line's text (kept byte for byte when the row stays rejected) and its parsed form. */
export interface StoredReject {
  readonly text: string;
  readonly reject: RejectLine;
}

export function parseRejectLine(text: string): StoredReject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReplayError('REPLAY.CORRUPT_REJECTS', `a rejects line is not JSON: ${text.slice(0, 120)}`, {
      cause: error,
    });
  }
  const parsed = RejectLineSchema.safeParse(value);
  if (!parsed.success) {
    throw new ReplayError(
      'REPLAY.CORRUPT_REJECTS',
      `a rejects line has the wrong shape: ${z.prettifyError(parsed.error)}`,
    );
  }
  return { text, reject: parsed.data };
}

/** The same JSON the ingest stage writes for a rejected row. */
export function formatRejectLine(reject: Omit<RejectLine, 'reasons'>, reasons: readonly RowIssue[]): string {
  return JSON.stringify({
    index: reject.index,
    ...(reject.line !== undefined ? { line: reject.line } : {}),
    ...(reject.group !== undefined ? { group: reject.group } : {}),
    reasons,
    raw: reject.raw,
  });
}
