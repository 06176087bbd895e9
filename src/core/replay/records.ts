/**
 * Turns stored rejects back into the source records a contract's validator takes.
 *
 * A reject's `raw` is the record as it came: the parsed element for JSON, the row's
 * text for CSV. JSON elements are records again as they are; CSV text goes back
 * through the contract's own reader behind its header, so re-validation sees
 * exactly the fields ingest saw. Rows that were never records (an error block, a
 * row of the wrong width, a repeated header, an oversized element) stay rejects.
 */
import type { DatasetContract, ParseLimits, ReadContext, SourceRecord } from '../datasets/contract.js';
import { UnreadableFileError } from '../errors.js';
import { countBreaks } from '../ingest/csv-records.js';
import type { RejectLine, StoredReject } from './reject-line.js';

/**
 * Reasons that say the row is not a record at all, whatever the rules: the source
 * reported an error for its block, or only a preview of an oversized row was kept.
 */
const NOT_REVALIDATABLE = new Set(['source_error', 'row_too_large']);

/** Extra context a record had at ingest that its reject line does not carry (Twelve Data's interval). */
export type ContextOf = (group: string | undefined) => Readonly<Record<string, string>> | undefined;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const readable = (reject: RejectLine): boolean => !reject.reasons.some((r) => NOT_REVALIDATABLE.has(r.code));

/** For each reject, its record, or undefined when it cannot be validated again. */
export async function recordsOf(
  contract: DatasetContract,
  rejects: readonly StoredReject[],
  limits: ParseLimits,
  contextOf: ContextOf,
  file: { readonly header?: string; readonly context?: ReadContext } = {},
): Promise<(SourceRecord | undefined)[]> {
  if (contract.format === 'json') {
    return rejects.map(({ reject }) =>
      readable(reject) && isPlainObject(reject.raw)
        ? {
            kind: 'record',
            index: reject.index,
            raw: reject.raw,
            group: reject.group,
            context: contextOf(reject.group),
          }
        : undefined,
    );
  }
  const out: (SourceRecord | undefined)[] = new Array(rejects.length).fill(undefined);
  const positions: number[] = [];
  const texts: string[] = [];
  rejects.forEach((stored, i) => {
    if (readable(stored.reject) && typeof stored.reject.raw === 'string' && stored.reject.raw.trim() !== '') {
      positions.push(i);
      texts.push(stored.reject.raw);
    }
  });
  const reread = await rereadCsv(contract, texts, limits, file);
  reread.forEach((record, k) => {
    const i = positions[k] as number;
    const { index, line } = (rejects[i] as StoredReject).reject;
    if (record) out[i] = { ...record, index, line };
  });
  return out;
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

/**
 * Reads CSV row texts behind the contract's header, matching each record to its row
 * by the line it starts on. Should the rows not read as one text, each is read alone,
 * so one strange row cannot cost the others their second chance.
 */
export async function rereadCsv(
  contract: DatasetContract,
  rows: readonly string[],
  limits: ParseLimits,
  file: { readonly header?: string; readonly context?: ReadContext } = {},
): Promise<(SourceRecord | undefined)[]> {
  if (rows.length === 0) return [];
  // The file's own header line: its rows are in its order and delimiter, not the contract's.
  const header = file.header ?? (contract.header ?? []).join(',');
  const rowAtLine = new Map<number, number>();
  let line = 2;
  rows.forEach((row, i) => {
    rowAtLine.set(line, i);
    line += countBreaks(row) + 1;
  });
  const out: (SourceRecord | undefined)[] = new Array(rows.length).fill(undefined);
  try {
    for await (const batch of contract.read(once(`${header}\n${rows.join('\n')}\n`), limits, file.context)) {
      for (const item of batch) {
        const at = item.line === undefined ? undefined : rowAtLine.get(item.line);
        if (at !== undefined && item.kind === 'record' && item.raw === rows[at]) out[at] = item;
      }
    }
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    if (rows.length === 1) return [undefined];
    const alone = await Promise.all(rows.map((row) => rereadCsv(contract, [row], limits, file)));
    return alone.map((records) => records[0]);
  }
  return out;
}
