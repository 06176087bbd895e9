/**
 * `replay --rejects`: validate an input's rejected rows again with the current
 * contract, after a rule was fixed. Writes a new processed file (the base's rows,
 * byte for byte, then the rows that pass now), a new rejects file (the rows that
 * still fail) and a manifest under a derived replay id, then announces
 * IngestCompleted so analyze and notify run on the full valid set. The files it
 * started from are never modified: they are the audit trail.
 */
import type { DatasetContract, SourceRecord } from '../datasets/contract.js';
import { BUILTINS } from '../datasets/registry.js';
import { errorMessage, PublishFailedError } from '../errors.js';
import { firstLineOf } from '../ingest/csv-header.js';
import { decodeText, peekText } from '../ingest/decode.js';
import { SNIFF_CHARS } from '../ingest/detect.js';
import { JsonlSink } from '../ingest/jsonl-sink.js';
import type { Manifest } from '../ingest/manifest.js';
import { DEFAULT_INGEST_OPTIONS, type IngestDeps, type IngestOptions } from '../ingest/stage.js';
import { readLines } from '../jsonl-lines.js';
import { claimKeys, keys } from '../keys.js';
import type { EventBus } from '../ports.js';
import { ingestCompletedOf } from '../stage-events.js';
import { ReplayError } from './errors.js';
import { inputManifest, latestReplay, replayBase, replayId } from './lineage.js';
import { recordsOf } from './records.js';
import { formatRejectLine, parseRejectLine, type StoredReject } from './reject-line.js';
import { ReplayTally } from './tally.js';

export interface ReplayDeps extends IngestDeps {
  /** The contract each dataset is validated with now; tests pass a fixed one. @default the one in `contracts` */
  readonly contractFor?: (id: string) => DatasetContract | undefined;
}

export interface ReplayOptions
  extends Pick<IngestOptions, 'claimTtlMs' | 'retainMs' | 'maxGroups' | 'limits' | 'producer'> {
  /** Rejected rows read back and validated together (CSV rows are re-read in one text). @default 1000 */
  readonly batchRows: number;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = {
  claimTtlMs: DEFAULT_INGEST_OPTIONS.claimTtlMs,
  retainMs: DEFAULT_INGEST_OPTIONS.retainMs,
  maxGroups: DEFAULT_INGEST_OPTIONS.maxGroups,
  limits: DEFAULT_INGEST_OPTIONS.limits,
  producer: DEFAULT_INGEST_OPTIONS.producer,
  batchRows: 1000,
};

export interface ReplayRejectsInput {
  /** The input's SHA-256, the id of its own manifest. */
  readonly sha256: string;
  readonly requestId: string;
}

export interface ReplaySummary {
  readonly of: string;
  /** The sequence this replay took, or would have taken. */
  readonly sequence: number;
  readonly base: { readonly id: string; readonly manifestKey: string };
  /** Rows of the base's rejects file looked at again. */
  readonly reconsidered: number;
  readonly recovered: number;
  readonly recoveredByReason: Record<string, number>;
  readonly stillRejected: number;
  readonly stillRejectedByReason: Record<string, number>;
  readonly notRevalidated: number;
}

export type ReplayRejectsResult =
  /** Rows were recovered: new files, a manifest and an IngestCompleted event. */
  | { readonly outcome: 'replayed'; readonly summary: ReplaySummary; readonly manifest: Manifest }
  /** Nothing passes that did not pass before: nothing is written, the sequence stays free. */
  | { readonly outcome: 'unchanged'; readonly summary: ReplaySummary }
  /** Another run is writing this sequence right now. */
  | { readonly outcome: 'in_progress'; readonly sequence: number };

// A completed claim found right after probing means another run just wrote that
// sequence; looking again a few times covers any realistic burst of replays.
const MAX_SEQUENCE_ATTEMPTS = 8;

/** Fields a source adds to every row of a group that its reject lines do not repeat. */
const CONTEXT_FIELDS = ['interval'] as const;

export async function replayRejects(
  deps: ReplayDeps,
  input: ReplayRejectsInput,
  options: ReplayOptions = DEFAULT_REPLAY_OPTIONS,
): Promise<ReplayRejectsResult> {
  const { store, state, clock } = deps;
  const startedAt = clock.now();
  const original = await inputManifest(store, input.sha256);
  if (original.dataset === null || original.outputs.rejects === undefined) {
    throw new ReplayError(
      'REPLAY.NOT_REPLAYABLE',
      `input ${input.sha256} was refused as a whole file (${original.reason?.code ?? 'rejected'}): ` +
        'it has no rejected rows to validate again; re-run it with `sluice replay <sha256>`',
    );
  }
  const contract = deps.contractFor
    ? deps.contractFor(original.dataset)
    : (deps.contracts ?? BUILTINS).byId(original.dataset);
  if (!contract) {
    throw new ReplayError('REPLAY.UNKNOWN_DATASET', `no contract is registered for ${original.dataset}`);
  }
  const owner = `replay:${input.requestId}`;
  for (let attempt = 0; attempt < MAX_SEQUENCE_ATTEMPTS; attempt++) {
    const latest = await latestReplay(store, input.sha256);
    const base = replayBase(original, latest);
    const target: Target = {
      sha256: input.sha256,
      sequence: latest.sequence + 1,
      id: replayId(input.sha256, latest.sequence + 1),
      requestId: input.requestId,
      startedAt,
      original,
      base,
    };
    if (base.counts.rejected === 0) return { outcome: 'unchanged', summary: emptySummary(target) };
    const claimKey = claimKeys.replay(input.sha256, target.sequence);
    const claim = await state.claim(claimKey, { owner, now: clock.now(), ttlMs: options.claimTtlMs });
    if (!claim.acquired) {
      if (claim.existing.status === 'in_progress')
        return { outcome: 'in_progress', sequence: target.sequence };
      continue;
    }
    if (await store.head(keys.manifest(target.id))) {
      await state.release(claimKey, owner);
      continue;
    }
    const logger = deps.logger.child({ correlationId: `${target.id}:${input.requestId}`, of: input.sha256 });
    try {
      const result = await revalidate(deps, contract, target, options);
      if (result.outcome === 'replayed') {
        await announce(deps.bus, result.manifest);
        await state.complete(
          claimKey,
          owner,
          { manifestKey: keys.manifest(target.id) },
          { now: clock.now(), retainMs: options.retainMs },
        );
      } else {
        await state.release(claimKey, owner);
      }
      logger.info('rejects replayed', { outcome: result.outcome, ...result.summary });
      return result;
    } catch (error) {
      logger.error('replay failed; claim released', { error: errorMessage(error) });
      await state.release(claimKey, owner).catch(() => undefined);
      throw error;
    }
  }
  throw new ReplayError(
    'REPLAY.CONFLICT',
    `other runs kept taking the next replay sequence of ${input.sha256}; try again`,
  );
}

/** The first line of an input, or undefined when it is gone or unreadable (the contract's own header is used). */
async function headerLineOf(store: ReplayDeps['store'], key: string): Promise<string | undefined> {
  try {
    const { text } = await decodeText(await store.getStream(key), { maxBytes: Number.MAX_SAFE_INTEGER });
    // The start ingest sniffed, read the same way.
    const peeked = await peekText(text, SNIFF_CHARS);
    await peeked.close();
    const line = firstLineOf(peeked.prefix);
    return line === '' ? undefined : line;
  } catch {
    return undefined;
  }
}

interface Target {
  readonly sha256: string;
  readonly sequence: number;
  readonly id: string;
  readonly requestId: string;
  readonly startedAt: number;
  readonly original: Manifest;
  readonly base: Manifest;
}

const baseRef = (target: Target) => ({ id: target.base.id, manifestKey: keys.manifest(target.base.id) });

function emptySummary(target: Target): ReplaySummary {
  return {
    of: target.sha256,
    sequence: target.sequence,
    base: baseRef(target),
    reconsidered: 0,
    recovered: 0,
    recoveredByReason: {},
    stillRejected: 0,
    stillRejectedByReason: {},
    notRevalidated: 0,
  };
}

const stringField = (row: unknown, field: string | undefined): string | undefined => {
  if (field === undefined || row === null || typeof row !== 'object') return undefined;
  const value = (row as Record<string, unknown>)[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

function contextOfRow(row: unknown): Record<string, string> | undefined {
  const entries = CONTEXT_FIELDS.flatMap((f) => {
    const value = stringField(row, f);
    return value === undefined ? [] : [[f, value] as const];
  });
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

async function revalidate(
  deps: ReplayDeps,
  contract: DatasetContract,
  target: Target,
  options: ReplayOptions,
): Promise<Exclude<ReplayRejectsResult, { outcome: 'in_progress' }>> {
  const { store, clock } = deps;
  const parseStart = clock.now();
  const processedKey = keys.replayProcessed(contract.id, target.sha256, target.sequence);
  const rejectsKey = keys.replayRejects(contract.id, target.sha256, target.sequence);
  const processed = new JsonlSink(
    await store.openWriter(processedKey, { contentType: 'application/x-ndjson' }),
  );
  const rejects = new JsonlSink(await store.openWriter(rejectsKey, { contentType: 'application/x-ndjson' }));
  try {
    const tally = new ReplayTally(options.maxGroups);
    // The input's own key and header: its columns may be in any order, named by alias, `;`-delimited,
    // and a one-symbol file takes its symbol from its name, as at ingest.
    const context = { key: target.original.input.key };
    const header = contract.format === 'csv' ? await headerLineOf(store, context.key) : undefined;
    const validator = contract.createValidator(context);
    const serialize = contract.serialize ?? ((row: unknown) => JSON.stringify(row));
    const contexts = new Map<string, Readonly<Record<string, string>>>();

    if (target.base.outputs.processed !== undefined) {
      let index = 0;
      for await (const lines of readLines(await store.getStream(target.base.outputs.processed))) {
        for (const text of lines) {
          const row: unknown = JSON.parse(text);
          const group = stringField(row, contract.groupField);
          const context = contextOfRow(row);
          if (group !== undefined && context !== undefined && !contexts.has(group))
            contexts.set(group, context);
          // Validating a row already kept only teaches the validator what it has seen
          // (duplicate detection): its verdict is not asked for.
          validator.validate({ kind: 'record', index: ++index, raw: row, group, context });
          tally.kept(group);
          const pending = processed.add(text);
          if (pending) await pending;
        }
      }
    }

    let reconsidered = 0;
    let batch: StoredReject[] = [];
    const judge = async (): Promise<void> => {
      const records = await recordsOf(
        contract,
        batch,
        options.limits,
        (group) => (group === undefined ? undefined : contexts.get(group)),
        { header, context },
      );
      for (let i = 0; i < batch.length; i++) {
        const { text, reject } = batch[i] as StoredReject;
        const record = records[i] as SourceRecord | undefined;
        let pending: Promise<void> | undefined;
        if (record === undefined) {
          tally.unread(reject.group, reject.reasons);
          pending = rejects.add(text);
        } else {
          const result = validator.validate(record);
          if (result.ok) {
            tally.recover(reject.group, reject.reasons);
            pending = processed.add(serialize(result.row, record, result.values));
          } else {
            tally.reject(reject.group, result.issues);
            pending = rejects.add(formatRejectLine(reject, result.issues));
          }
        }
        if (pending) await pending;
      }
      batch = [];
    };
    for await (const lines of readLines(await store.getStream(target.base.outputs.rejects as string))) {
      for (const text of lines) {
        reconsidered++;
        batch.push(parseRejectLine(text));
        if (batch.length >= options.batchRows) await judge();
      }
    }
    await judge();

    const summary: ReplaySummary = {
      of: target.sha256,
      sequence: target.sequence,
      base: baseRef(target),
      reconsidered,
      recovered: tally.recovered,
      recoveredByReason: tally.recoveredByReason,
      stillRejected: tally.rejected,
      stillRejectedByReason: tally.reasons,
      notRevalidated: tally.notRevalidated,
    };
    if (tally.recovered === 0) {
      await Promise.all([processed.abort(), rejects.abort()]);
      return { outcome: 'unchanged', summary };
    }
    await processed.close();
    await rejects.close();
    const now = clock.now();
    const manifest: Manifest = {
      version: 1,
      id: target.id,
      correlationId: `${target.id}:${target.requestId}`,
      requestId: target.requestId,
      status: 'ingested',
      dataset: contract.id,
      datasetSource: target.original.datasetSource,
      input: target.original.input,
      counts: tally.counts(contract.groupField ?? null),
      outputs: { processed: processedKey, rejects: rejectsKey },
      timings: {
        startedAt: new Date(target.startedAt).toISOString(),
        finishedAt: new Date(now).toISOString(),
        hashMs: 0,
        parseMs: now - parseStart,
        totalMs: now - target.startedAt,
      },
      producer: options.producer,
      replay: {
        of: target.sha256,
        sequence: target.sequence,
        base: summary.base,
        recovered: summary.recovered,
        recoveredByReason: summary.recoveredByReason,
        stillRejected: summary.stillRejected,
        notRevalidated: summary.notRevalidated,
      },
    };
    // Create-only: a replay manifest, like the files it names, is never rewritten.
    const { created } = await store.put(keys.manifest(target.id), `${JSON.stringify(manifest, null, 2)}\n`, {
      contentType: 'application/json',
      ifNoneMatch: true,
    });
    if (!created) {
      throw new ReplayError(
        'REPLAY.CONFLICT',
        `replay ${target.sequence} of ${target.sha256} was written by another run at the same time`,
      );
    }
    return { outcome: 'replayed', summary, manifest };
  } catch (error) {
    await Promise.all([processed.abort(), rejects.abort()]).catch(() => undefined);
    throw error;
  }
}

async function announce(bus: EventBus, manifest: Manifest): Promise<void> {
  const event = ingestCompletedOf(manifest);
  if (event === undefined) {
    throw new ReplayError(
      'REPLAY.NOT_REPLAYABLE',
      `replay manifest ${manifest.id} names no dataset or outputs`,
    );
  }
  const result = await bus.publish([event]);
  if (result.failed.length > 0) {
    throw new PublishFailedError(`could not publish IngestCompleted: ${result.failed[0]?.error}`);
  }
}
